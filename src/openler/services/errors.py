"""Errors raised by the service layer; each knows how to present itself to a person."""

from __future__ import annotations


class ServiceError(Exception):
    """A failure the user can act on. ``exit_code`` is what the CLI exits with."""

    exit_code = 2
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(ServiceError):
    code = "usage"


class FileError(ServiceError):
    code = "file"
