"""HTTP to Jurnal: one request in, the decoded answer or a typed error out.

Retries go through tenacity: 5xx answers, timeouts and broken connections wait an exponential
backoff with jitter; a 429 waits for ``Retry-After`` (the next minute without it), or not at
all when a shared limiter is set, since the limiter then holds every process of the credential
until Jurnal resets. POSTs are retried too: a POST whose answer was lost meets Jurnal's
duplicate check on its retry (:mod:`journal_pipeline.jurnal.idempotent`).

Every attempt first takes a slot of the limiter, reports the answer's rate-limit headers back
to it and releases the slot, so that the processes sharing the credential stay under Jurnal's
limit. Credentials stay inside the session's auth: debug logs show the headers redacted and
errors carry only the method, the URL path, the status and Jurnal's body.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity
from tenacity.wait import wait_base

from journal_pipeline.jurnal.auth import redact_headers
from journal_pipeline.jurnal.errors import (
    JurnalError,
    JurnalRateLimited,
    JurnalRetryableError,
    error_from_response,
)
from journal_pipeline.jurnal.rate_limit import RateLimiter
from journal_pipeline.jurnal.settings import JurnalSettings

#: ``journal_pipeline.jurnal.client`` is the documented logger operators turn to DEBUG, so the
#: modules split out of the client keep writing there.
logger = logging.getLogger("journal_pipeline.jurnal.client")

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 60.0
MAX_PAGE_SIZE = 100
USER_AGENT = "journal-pipeline"
#: Requests a client with a rate limiter may have in flight at once (`concurrent_requests`):
#: the limiter decides when each goes out, whatever the number of threads asking.
CONCURRENT_REQUESTS = 4


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


def _retry_after_seconds(value: str | None, now: float) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RetryWait(wait_base):
    """The pause before the next attempt, chosen from the error the last one met.

    A 429 waits ``Retry-After`` (else until the next minute) plus up to 10 % jitter, or 0
    when ``limiter_pauses`` (the shared limiter holds the pause for every process); anything
    else waits ``backoff_base * 2**(attempt - 1)``, capped at ``backoff_cap``, times 0.5-1.5.
    """

    def __init__(
        self,
        backoff_base: float,
        backoff_cap: float,
        *,
        limiter_pauses: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backoff = tenacity.wait_exponential(multiplier=backoff_base, max=backoff_cap)
        self.limiter_pauses = limiter_pauses
        self.clock = clock

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, JurnalRateLimited):
            if self.limiter_pauses:
                return 0.0
            wait = error.retry_after
            if wait is None:  # wait for the per-minute window to reset
                wait = 60.0 - (self.clock() % 60.0)
            return wait + random.uniform(0.0, 0.1 * max(wait, 1.0))
        return self.backoff(retry_state) * random.uniform(0.5, 1.5)


class JurnalTransport:
    """Sends requests to Jurnal with retries, the rate limiter and traffic counters.

    ``calls``, ``latency_seconds``, ``retries``, ``rate_limited`` and ``rate_wait_seconds``
    count the traffic for run metadata; no credential ever reaches them.
    """

    def __init__(
        self,
        settings: JurnalSettings,
        session: requests.Session | None = None,
        max_attempts: int = 5,
        *,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.settings = settings
        self._auth = settings.auth()
        self._base_url = settings.base_url.rstrip("/")
        self._session = session if session is not None else requests.Session()
        self._session.headers.setdefault("User-Agent", USER_AGENT)
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self.limiter = limiter
        self.rate_wait_seconds = 0.0
        self.calls = 0
        self.latency_seconds = 0.0
        self.retries = 0
        self.rate_limited = 0
        self._counting = threading.Lock()  # threads posting at once share the counters

    def close(self) -> None:
        self._session.close()

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def concurrent_requests(self) -> int:
        """How many requests callers may send at once from threads: several with a shared
        rate limiter (it spaces them), one without."""
        return CONCURRENT_REQUESTS if self.limiter is not None else 1

    @property
    def latency(self) -> float:
        """Total seconds spent waiting for Jurnal (alias of ``latency_seconds``)."""
        return self.latency_seconds

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._request("GET", path, params=params)

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._request("POST", path, body=body)

    def iter_list(
        self, resource: str, root_key: str, page_size: int = MAX_PAGE_SIZE, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Every record of a paged list resource, page after page.

        Follows ``total_pages``; without it, goes on while ``links.next_link`` is given or a
        page comes back full. An empty page always ends the list.
        """
        page = 1
        while True:
            data = self.get(resource, {**params, "page": page, "page_size": page_size})
            items = data.get(root_key) or []
            yield from items
            if not items:
                return
            total_pages = data.get("total_pages")
            if total_pages is not None:
                if page >= int(total_pages):
                    return
            elif not (data.get("links") or {}).get("next_link") and len(items) < page_size:
                return
            page += 1

    # --- one request, retried ----------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self._base_url}/{path.lstrip('/')}"

    def _retrying(self, method: str, url_path: str) -> tenacity.Retrying:
        """The retry policy of one request (built per request: it reads the settings now)."""

        def before_sleep(state: tenacity.RetryCallState) -> None:
            with self._counting:
                self.retries += 1
            error = state.outcome.exception() if state.outcome is not None else None
            logger.info(
                "Jurnal %s %s: %s; retrying in %.1fs (attempt %d of %d)",
                method,
                url_path,
                type(error).__name__,
                state.next_action.sleep if state.next_action is not None else 0.0,
                state.attempt_number + 1,
                self.max_attempts,
            )

        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=RetryWait(
                self.backoff_base, self.backoff_cap, limiter_pauses=self.limiter is not None
            ),
            retry=tenacity.retry_if_exception_type((JurnalRetryableError, JurnalRateLimited)),
            sleep=self._sleep,
            before_sleep=before_sleep,
            reraise=True,
        )

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        url = self._url(path)
        url_path = urlsplit(url).path
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            data = json.dumps(body, default=_json_default, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        for attempt in self._retrying(method, url_path):
            with attempt:
                number = attempt.retry_state.attempt_number
                outcome = self._attempt(method, url, url_path, params, data, headers, number)
                if isinstance(outcome, JurnalError):
                    raise outcome  # raised here, outside any except: no chained context
                return outcome
        raise AssertionError("unreachable")  # pragma: no cover - tenacity returns or raises

    def _attempt(
        self,
        method: str,
        url: str,
        url_path: str,
        params: Mapping[str, Any] | None,
        data: bytes | None,
        headers: dict[str, str],
        attempt: int,
    ) -> Any:
        """The decoded body of a 2xx answer, or the JurnalError to act on."""
        slot = self.limiter.acquire() if self.limiter is not None else None
        if slot is not None:
            with self._counting:
                self.rate_wait_seconds += slot.waited
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                auth=self._auth,
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            return JurnalRetryableError(
                f"{method} {url_path}: timed out ({type(exc).__name__})",
                method=method,
                path=url_path,
            )
        except requests.RequestException as exc:
            return JurnalRetryableError(
                f"{method} {url_path}: connection failed ({type(exc).__name__}: "
                f"{_shorten(str(exc))})",
                method=method,
                path=url_path,
            )
        finally:
            elapsed = time.monotonic() - started
            with self._counting:
                self.calls += 1
                self.latency_seconds += elapsed
            if slot is not None:
                assert self.limiter is not None
                self.limiter.release(slot)
        if self.limiter is not None:
            self.limiter.observe(response.status_code, response.headers)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "Jurnal %s %s -> %s in %.3fs (attempt %d) request headers %s",
                method,
                response.request.path_url,
                response.status_code,
                elapsed,
                attempt,
                redact_headers(response.request.headers),
            )
        try:
            decoded: Any = response.json() if response.content else None
        except ValueError:
            decoded = response.text
        if 200 <= response.status_code < 300:
            return decoded if decoded is not None else {}
        retry_after = None
        if response.status_code == 429:
            with self._counting:
                self.rate_limited += 1
            retry_after = _retry_after_seconds(response.headers.get("Retry-After"), time.time())
        return error_from_response(
            response.status_code,
            decoded,
            method=method,
            path=url_path,
            retry_after=retry_after,
        )
