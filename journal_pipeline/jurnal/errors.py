"""Errors raised by the Jurnal client, as a taxonomy the sync layer can act on.

- ``JurnalAuthError``        401/403: credentials wrong or clock skew; do not retry.
- ``JurnalRateLimited``      429 after the client's own waits; try again later.
- ``JurnalRetryableError``   5xx, timeouts, connection errors after the client's retries.
- ``JurnalValidationError``  400/409/422: Jurnal refused the document; ``fields`` says why.
- ``JurnalDuplicateError``   a validation error that only says "already used/taken";
                             ``existing_id`` is the record Jurnal already has, when it says so.
- ``JurnalQuotaExhausted``   a refusal that names the company's transaction quota (J-58):
                             the document is right, the month's quota has no room for it.

No message built here contains a credential or a signature: messages are made from the HTTP
method, the URL path, the status and Jurnal's answer body only.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_CHARS = 500

# Message fragments Jurnal uses for uniqueness violations.
_DUPLICATE_MARKERS = ("already been used", "already been taken")
# Words of a refusal for the company's transaction quota (J-58: the wording is not documented).
_QUOTA_MARKERS = ("quota", "kuota")
# Fields whose uniqueness makes a create idempotent (a retry meets the earlier record).
DUPLICATE_FIELDS = frozenset(
    {"custom_id", "transaction_no", "product_code", "display_name", "error"}
)


class JurnalError(Exception):
    """Base class of every Jurnal client error.

    ``retryable`` tells the sync layer whether the same request may succeed later unchanged
    (leave the document pending) or needs a fix first (mark it failed, or stop).
    """

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.method = method
        self.path = path
        self.body = body

    def __reduce__(self):  # keep the keyword attributes when pickled (Dagster does)
        return _rebuild, (type(self), self.args[0] if self.args else "", self.__dict__)


def _rebuild(cls: type[JurnalError], message: str, state: dict[str, Any]) -> JurnalError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class JurnalConfigError(JurnalError):
    """The client settings are incomplete (names the missing variables, never values)."""


class JurnalAuthError(JurnalError):
    """401/403: the credentials were refused (or the Date header was too far off)."""


class JurnalRateLimited(JurnalError):
    """429: the per-minute or per-hour quota is used up; ``retry_after`` in seconds if known."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class JurnalRetryableError(JurnalError):
    """A transient failure: 5xx, timeout or connection error."""

    retryable = True


class JurnalValidationError(JurnalError):
    """Jurnal refused the request body (400/409/422).

    ``fields`` maps each field to its messages (always lists); ``full_messages`` is Jurnal's
    ``error_full_messages`` (or messages built from ``fields`` when absent).
    """

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        full_messages: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.fields = fields or {}
        self.full_messages = full_messages or []


class JurnalDuplicateError(JurnalValidationError):
    """The record already exists (custom_id / transaction_no / product_code already used)."""

    def __init__(self, message: str, *, existing_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.existing_id = existing_id


class JurnalQuotaExhausted(JurnalValidationError):
    """The company's transaction quota has no room (J-58): the same request succeeds once
    Jurnal has room again (more quota bought, or the next month), so the document stays
    pending; the status varies by reading (400, 402, 403, 422)."""

    retryable = True


def mentions_quota(messages: object) -> bool:
    """Whether a refusal (a body, its field messages or a text) speaks of the quota."""
    if isinstance(messages, dict):
        return any(mentions_quota(k) or mentions_quota(v) for k, v in messages.items())
    if isinstance(messages, list | tuple):
        return any(mentions_quota(m) for m in messages)
    text = str(messages or "").casefold()
    return any(marker in text for marker in _QUOTA_MARKERS)


def parse_validation_body(body: Any) -> tuple[dict[str, list[str]], list[str], int | None]:
    """(fields, full messages, record id) from any of Jurnal's 4xx body forms.

    Handles ``{"field": ["msg"]}``, ``{"field": "msg", "id": 1, "error_full_messages": [...]}``,
    ``{"errors": "Unprocessable Entity"}`` and ``{"error_full_messages": [...]}``.
    """
    fields: dict[str, list[str]] = {}
    full: list[str] = []
    record_id: int | None = None
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "error_full_messages":
                full = [str(m) for m in value] if isinstance(value, list) else [str(value)]
            elif key == "id":
                try:
                    record_id = None if value is None else int(value)
                except (TypeError, ValueError):
                    record_id = None
            elif isinstance(value, list):
                fields[key] = [str(m) for m in value]
            elif isinstance(value, dict):
                fields[key] = [f"{k}: {v}" for k, v in value.items()]
            elif value is not None:
                fields[key] = [str(value)]
    elif isinstance(body, list):
        full = [str(m) for m in body]
    elif isinstance(body, str) and body.strip():
        full = [body.strip()]
    if not full:
        full = [f"{key} {msg}" for key, msgs in fields.items() for msg in msgs]
    return fields, full, record_id


def duplicated_fields(fields: dict[str, list[str]]) -> set[str]:
    """The fields refused with a uniqueness message ("already been used/taken")."""
    return {
        key
        for key, messages in fields.items()
        if any(marker in m.lower() for m in messages for marker in _DUPLICATE_MARKERS)
    }


def is_duplicate(fields: dict[str, list[str]]) -> bool:
    """True when every refusal is a uniqueness message and one is on an idempotency field."""
    duplicated = duplicated_fields(fields)
    return bool(fields) and duplicated == set(fields) and bool(duplicated & DUPLICATE_FIELDS)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def _body_summary(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("message", "errors", "error"):
            if key in body:
                value = body[key]
                text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                return _shorten(text)
        return _shorten(str(body))
    if body is None or body == "":
        return "(empty body)"
    return _shorten(str(body))


def error_from_response(
    status: int,
    body: Any,
    *,
    method: str,
    path: str,
    retry_after: float | None = None,
) -> JurnalError:
    """The typed error for a non-2xx answer (``path`` must not carry credentials)."""
    where = f"{method} {path}"
    common: dict[str, Any] = {"status": status, "method": method, "path": path, "body": body}
    if status in (400, 402, 403, 409, 422) and mentions_quota(body):
        fields, full, _ = parse_validation_body(body)
        text = _shorten("; ".join(full) or _body_summary(body))
        return JurnalQuotaExhausted(
            f"{where}: HTTP {status} transaction quota: {text}",
            fields=fields,
            full_messages=full,
            **common,
        )
    if status in (401, 403):
        return JurnalAuthError(
            f"{where}: HTTP {status} {_body_summary(body)} (check the Jurnal credentials and "
            "the machine clock)",
            **common,
        )
    if status == 429:
        return JurnalRateLimited(
            f"{where}: HTTP 429 {_body_summary(body)}", retry_after=retry_after, **common
        )
    if status >= 500:
        return JurnalRetryableError(f"{where}: HTTP {status} {_body_summary(body)}", **common)
    if status in (400, 409, 422):
        fields, full, record_id = parse_validation_body(body)
        text = _shorten("; ".join(full) or _body_summary(body))
        if status == 409 or is_duplicate(fields):
            return JurnalDuplicateError(
                f"{where}: HTTP {status} duplicate: {text}",
                existing_id=record_id,
                fields=fields,
                full_messages=full,
                **common,
            )
        return JurnalValidationError(
            f"{where}: HTTP {status} {text}", fields=fields, full_messages=full, **common
        )
    return JurnalError(f"{where}: HTTP {status} {_body_summary(body)}", **common)
