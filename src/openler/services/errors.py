"""Errors raised by the service layer; each knows how to present itself to a person.

ServiceError            exit code 2, HTTP 400
├── UsageError          bad options or input
│   └── InvalidCredential   a credential that does not meet the data model
├── FileError           a file that cannot be read or written
├── NotFound            HTTP 404
├── Forbidden           HTTP 403: the principal may not do this
├── Unauthenticated     HTTP 401: no valid session or token
└── Conflict            HTTP 409: the state does not allow it
"""

from __future__ import annotations


class ServiceError(Exception):
    """A failure the user can act on. ``exit_code`` is what the CLI exits with."""

    exit_code = 2
    http_status = 400
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(ServiceError):
    code = "usage"


class InvalidCredential(UsageError):  # noqa: N818
    code = "invalid_credential"


class FileError(ServiceError):
    code = "file"


class NotFound(ServiceError):  # noqa: N818 - HTTP vocabulary
    http_status = 404
    code = "not_found"


class Forbidden(ServiceError):  # noqa: N818
    http_status = 403
    code = "forbidden"


class Unauthenticated(ServiceError):  # noqa: N818
    http_status = 401
    code = "unauthenticated"


class Conflict(ServiceError):  # noqa: N818
    http_status = 409
    code = "conflict"
