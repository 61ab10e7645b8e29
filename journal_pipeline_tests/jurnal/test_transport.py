"""The transport's retry policy (tenacity) without a network: which errors are retried, how long
each wait is (``Retry-After``, the shared limiter's pause, exponential backoff), and the
limiter's slot taken, observed and released around every attempt."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from email.utils import formatdate
from typing import Any

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from journal_pipeline.jurnal.errors import (
    JurnalRateLimited,
    JurnalRetryableError,
    JurnalValidationError,
)
from journal_pipeline.jurnal.rate_limit import MemoryRateLimiter, Slot
from journal_pipeline.jurnal.settings import JurnalSettings
from journal_pipeline.jurnal.transport import JurnalTransport

BASE_URL = "http://jurnal.invalid/api/v1"

Answer = tuple[int, Any, Mapping[str, str]] | Exception


class ScriptedSession(requests.Session):
    """A session that answers from a script instead of the network (one entry per request)."""

    def __init__(self, *answers: Answer) -> None:
        super().__init__()
        self.answers = list(answers)
        self.sent: list[str] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        prepared = requests.Request(method, url, params=kwargs.get("params")).prepare()
        self.sent.append(f"{method} {prepared.path_url}")
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response._content = b"" if body is None else json.dumps(body).encode()
        response.request = prepared
        response.url = url
        return response


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


class RecordingLimiter(MemoryRateLimiter):
    """A limiter that notes every acquire, observe and release, in order."""

    def __init__(self, clock: FakeClock, **kwargs: Any) -> None:
        super().__init__(clock=clock, sleep=clock.sleep, **kwargs)
        self.events: list[str] = []

    def acquire(self) -> Slot:
        slot = super().acquire()
        self.events.append("acquire")
        return slot

    def release(self, slot: Slot) -> None:
        self.events.append("release")
        super().release(slot)

    def observe(self, status: int | None, headers: Mapping[str, str]) -> None:
        self.events.append(f"observe {status}")
        super().observe(status, headers)


def transport(session: ScriptedSession, waits: list[float], **kwargs: Any) -> JurnalTransport:
    settings = JurnalSettings(base_url=BASE_URL, api_key="k")
    return JurnalTransport(settings, session=session, sleep=waits.append, **kwargs)


OK: Answer = (200, {"accounts": []}, {})


def test_retry_after_seconds_is_honoured() -> None:
    waits: list[float] = []
    session = ScriptedSession((429, {"error": "slow down"}, {"Retry-After": "7"}), OK)
    client = transport(session, waits)
    assert client.get("accounts") == {"accounts": []}
    assert len(waits) == 1 and 7.0 <= waits[0] <= 7.7  # Retry-After plus at most 10 % jitter
    assert (client.calls, client.retries, client.rate_limited) == (2, 1, 1)


def test_retry_after_as_an_http_date_is_honoured() -> None:
    waits: list[float] = []
    later = formatdate(time.time() + 30, usegmt=True)
    session = ScriptedSession((429, None, {"Retry-After": later}), OK)
    transport(session, waits).get("accounts")
    assert len(waits) == 1 and 27.0 <= waits[0] <= 33.1


def test_a_429_without_retry_after_waits_for_the_next_minute() -> None:
    waits: list[float] = []
    session = ScriptedSession((429, None, {}), OK)
    transport(session, waits).get("accounts")
    assert len(waits) == 1 and 0.0 < waits[0] <= 66.0


def test_with_a_limiter_a_429_waits_in_the_limiter_not_in_the_retry() -> None:
    clock = FakeClock()
    limiter = RecordingLimiter(clock)
    waits: list[float] = []
    session = ScriptedSession((429, None, {"Retry-After": "7"}), OK)
    client = transport(session, waits, limiter=limiter)
    client.get("accounts")
    assert waits == [0.0]  # the retry itself does not wait ...
    assert limiter.pauses == 1
    assert client.rate_wait_seconds >= 7.0  # ... the limiter held the second attempt
    assert limiter.events == [
        *("acquire", "release", "observe 429"),
        *("acquire", "release", "observe 200"),
    ]


def test_server_errors_back_off_exponentially_with_jitter_up_to_the_cap() -> None:
    waits: list[float] = []
    session = ScriptedSession(*[(503, {"error": "down"}, {})] * 5)
    client = transport(session, waits, max_attempts=5, backoff_base=1.0, backoff_cap=3.0)
    with pytest.raises(JurnalRetryableError) as caught:
        client.get("accounts")
    assert caught.value.status == 503
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    assert len(waits) == 4 and client.retries == 4 and client.calls == 5
    for wait, backoff in zip(waits, (1.0, 2.0, 3.0, 3.0), strict=True):
        assert 0.5 * backoff <= wait <= 1.5 * backoff


def test_connection_errors_are_retried_and_release_their_slot() -> None:
    clock = FakeClock()
    limiter = RecordingLimiter(clock)
    waits: list[float] = []
    session = ScriptedSession(requests.ConnectionError("refused"), requests.ReadTimeout(), OK)
    client = transport(session, waits, limiter=limiter, backoff_base=0.25)
    assert client.post("accounts", {"a": 1}) == {"accounts": []}
    assert client.retries == 2 and len(waits) == 2 and client.calls == 3
    # no answer, nothing to observe; the slot is released all the same
    assert limiter.events == ["acquire", "release"] * 2 + ["acquire", "release", "observe 200"]


def test_refusals_are_not_retried() -> None:
    waits: list[float] = []
    session = ScriptedSession((422, {"person_name": ["Nobody not exist"]}, {}))
    client = transport(session, waits)
    with pytest.raises(JurnalValidationError):
        client.post("sales_invoices", {"sales_invoice": {}})
    assert waits == [] and client.calls == 1 and client.retries == 0


def test_the_last_error_is_raised_after_max_attempts(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="journal_pipeline.jurnal.client")
    waits: list[float] = []
    session = ScriptedSession(*[(429, None, {"Retry-After": "1"})] * 3)
    client = transport(session, waits, max_attempts=3)
    with pytest.raises(JurnalRateLimited) as caught:
        client.get("accounts")
    assert caught.value.retry_after == 1.0
    assert len(waits) == 2 and client.calls == 3 and client.rate_limited == 3
    assert "GET /api/v1/accounts: JurnalRateLimited; retrying in" in caplog.text
    assert "(attempt 3 of 3)" in caplog.text
    assert len(session.answers) == 0


def test_max_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        transport(ScriptedSession(), [], max_attempts=0)
