"""Errors raised by the iSeller client.

No message built here ever contains a credential: the client secret, the refresh token and the
access tokens stay out of exception text (``redact`` scrubs text that comes from elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterable

REDACTED = "***"


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


class ISellerError(Exception):
    """Base class of every iSeller client error."""


class ISellerConfigError(ISellerError):
    """The client settings are incomplete (names the missing variables, never values)."""


class ISellerAuthError(ISellerError):
    """The credentials were refused: the token endpoint answered 401/403 or an OAuth
    ``invalid_client`` / ``invalid_grant`` / ``unauthorized_client``, or the API kept answering
    401/403. Never raised for an outage (see :class:`ISellerHttpError`)."""

    def __init__(self, message: str, *, status_code: int | None = None, error: str | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.error = error

    def __reduce__(self):
        return _rebuild, (type(self), str(self), self.__dict__)


class ISellerHttpError(ISellerError):
    """A transport failure or an unexpected HTTP answer (after the retries): transient, the
    same call may succeed later. The token endpoint failing (5xx, 429, a time-out, an answer
    that is not JSON) is one too, not an :class:`ISellerAuthError`."""

    def __init__(self, message: str, *, endpoint: str, status_code: int | None = None):
        super().__init__(message)
        self.endpoint = endpoint
        self.status_code = status_code

    def __reduce__(self):
        return _rebuild, (type(self), str(self), self.__dict__)


class ISellerApiError(ISellerError):
    """The API answered ``status: false`` (HTTP 200) with an error message."""

    def __init__(self, error_message: str | None, error_detail: str | None, endpoint: str):
        self.error_message = error_message
        self.error_detail = error_detail
        self.endpoint = endpoint
        text = f"iSeller {endpoint} failed: {error_message or 'no error message'}"
        if error_detail:
            text += f" ({error_detail})"
        super().__init__(text)

    def __reduce__(self):
        return _rebuild, (type(self), str(self), self.__dict__)


class ISellerDateZoneError(ISellerError):
    """An answer's dates fit no offset they could be written in: the items lie outside the
    window asked, read as UTC and read in every whole-hour offset (I-14)."""

    def __init__(self, message: str, *, endpoint: str):
        super().__init__(message)
        self.endpoint = endpoint

    def __reduce__(self):
        return _rebuild, (type(self), str(self), self.__dict__)


def _rebuild(cls: type[ISellerError], message: str, state: dict) -> ISellerError:
    """Unpickle an error without calling its constructor (keeps message and attributes)."""
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error
