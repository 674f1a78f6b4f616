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

from typing import Self

from openler.services.wording import Wording, filled, worded


class ServiceError(Exception):
    """A failure the user can act on. ``exit_code`` is what the CLI exits with.

    ``message`` is English (the CLI and the API say it); an error made with :meth:`worded`
    also carries its ``wording``, which pages show in the reader's language.

    >>> error = Conflict.worded("expired on %(day)s", day="2026-01-01")
    >>> error.message, error.wording
    ('expired on 2026-01-01', ('expired on %(day)s', (('day', '2026-01-01'),)))
    """

    exit_code = 2
    http_status = 400
    code = "error"
    #: the message as a message marked ``N_`` and its values (None: shown as written)
    wording: Wording | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @classmethod
    def worded(cls, message: str, **values: str | Wording) -> Self:
        """The error whose message is ``message`` (marked ``N_``) filled with ``values``
        (data as written, or wordings of fixed phrases that pages translate too)."""
        wording = worded(message, **values)
        error = cls(filled(wording))
        error.wording = wording
        return error


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
