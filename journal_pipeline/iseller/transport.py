"""HTTP for the iSeller client: one session, retries, timeouts, counters and JSON answers.

The session retries server errors, 429s, timeouts and broken connections with exponential
backoff and jitter, and waits out a ``Retry-After`` on 429/503 instead of hammering a store
that asked for a pause. Every call to iSeller is a read, so POST is retried too. JSON is parsed
with ``Decimal`` floats so money stays exact. Debug logging shows each request with its status,
time, form fields and headers, credentials replaced by ``***``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from journal_pipeline.core.decimal_json import decimal_loads
from journal_pipeline.iseller.errors import REDACTED, ISellerApiError, ISellerHttpError, redact

#: One logger for the whole client: ``journal_pipeline.iseller.client`` is the documented name
#: operators turn to DEBUG, so the modules split out of it keep writing there.
logger = logging.getLogger("journal_pipeline.iseller.client")

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 60.0
#: Statuses worth another try: the store's servers failing or rate-limiting us.
RETRY_STATUSES: tuple[int, ...] = (429, 500, 502, 503, 504)
_SENSITIVE_HEADERS = frozenset({"authorization", "cookie"})
_SENSITIVE_FIELDS = frozenset({"client_secret", "refresh_token", "access_token", "code"})


def default_retry() -> Retry:
    """The retry policy of :func:`build_session`."""
    return Retry(
        total=5,
        connect=3,
        read=3,
        status=3,
        backoff_factor=0.5,
        backoff_max=30,
        backoff_jitter=0.5,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "POST"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )


def build_session(retry: Retry | None = None) -> requests.Session:
    """A session that retries connection errors, 5xx and 429 answers with backoff (honouring
    ``Retry-After``), POST included."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=default_retry() if retry is None else retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class Transport:
    """Sends form POSTs and reads their JSON answers; thread-safe.

    `calls` counts HTTP requests (token requests included) and `latency` adds up their
    wall-clock time in seconds, for run metadata. `secrets` gives the credentials of the
    moment, scrubbed from every error text built here.
    """

    def __init__(
        self,
        session: requests.Session,
        secrets: Callable[[], Iterable[str | None]] = tuple,
    ):
        self.session = session
        self.secrets = secrets
        self._lock = threading.Lock()
        self.calls = 0
        self.latency = 0.0  # seconds, all requests together

    def close(self) -> None:
        self.session.close()

    def redacted(self, value: Any) -> str | None:
        """`value` as text (JSON unless a string) with every credential replaced by ``***``."""
        if value is None:
            return None
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        return redact(text, self.secrets())

    def send(
        self,
        url: str,
        *,
        endpoint: str,
        data: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """POST `data` as a form; a transport failure (after the retries) is an
        :class:`ISellerHttpError` whose text carries no credential."""
        started = time.perf_counter()
        try:
            response = self.session.post(
                url,
                data=dict(data),
                headers={"Accept": "application/json", **(headers or {})},
                timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
            )
        except requests.RequestException as exc:
            message = redact(f"iSeller {endpoint}: {type(exc).__name__}: {exc}", self.secrets())
            raise ISellerHttpError(message, endpoint=endpoint) from None
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self.calls += 1
                self.latency += elapsed
        if logger.isEnabledFor(logging.DEBUG):
            sent = {
                name: (REDACTED if name.lower() in _SENSITIVE_HEADERS else value)
                for name, value in response.request.headers.items()
            }
            fields = {
                name: (REDACTED if name in _SENSITIVE_FIELDS else value)
                for name, value in data.items()
            }
            logger.debug(
                "iSeller %s -> HTTP %s in %.3fs; fields %s; headers %s",
                endpoint,
                response.status_code,
                elapsed,
                fields,
                sent,
            )
        return response

    def parse(self, response: requests.Response, endpoint: str) -> dict[str, Any]:
        """The JSON object of an answer, floats as ``Decimal``."""
        try:
            payload = decimal_loads(response.content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ISellerHttpError(
                f"iSeller {endpoint} answered HTTP {response.status_code} with a body that is "
                "not JSON",
                endpoint=endpoint,
                status_code=response.status_code,
            ) from None
        if isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], dict):
            payload = payload[0]  # the document's GetOrders sample wraps the answer in an array
        if not isinstance(payload, dict):
            raise ISellerHttpError(
                f"iSeller {endpoint} answered with a JSON {type(payload).__name__}, not an object",
                endpoint=endpoint,
                status_code=response.status_code,
            )
        return payload

    def api_payload(self, response: requests.Response, endpoint: str) -> dict[str, Any]:
        """The answer of an API read: HTTP 200 and ``status: true``, else a typed error.

        iSeller reports refused requests as HTTP 200 with ``status: false``; its message and
        detail are kept (credentials scrubbed) because they name the offending parameter.
        """
        if response.status_code != 200:
            raise ISellerHttpError(
                f"iSeller {endpoint} answered HTTP {response.status_code}",
                endpoint=endpoint,
                status_code=response.status_code,
            )
        payload = self.parse(response, endpoint)
        # the document's GetTransactions sample answers without `status`: an answer without
        # it and without an error message is taken as a success
        unstated = "status" not in payload and not payload.get("error_message")
        if payload.get("status") is not True and not unstated:
            raise ISellerApiError(
                self.redacted(payload.get("error_message")),
                self.redacted(payload.get("error_detail")),
                endpoint,
            )
        return payload
