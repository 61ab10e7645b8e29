"""Fault injection in the Jurnal emulator over real HTTP: one test per fault kind."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests

from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
    signed,
)
from journal_sandbox.faults import FaultInjector
from journal_sandbox.jurnal_app import ENV_FAULTS, JurnalSandbox

RATE_HEADERS = (
    "x-ratelimit-limit-minute",
    "x-ratelimit-remaining-minute",
    "x-ratelimit-limit-hour",
    "x-ratelimit-remaining-hour",
)


def with_faults(tmp_path: Path, spec: str, **kwargs):
    return running_jurnal_sandbox(
        tmp_path / "jurnal", faults=FaultInjector.from_spec(spec, seed=1), **kwargs
    )


def test_injected_503_answers_like_the_gateway(tmp_path: Path) -> None:
    with with_faults(tmp_path, "/accounts:error=1") as handle:
        answer = signed("GET", f"{handle.url}/accounts")
        assert answer.status_code == 503
        assert answer.text.startswith("upstream connect error or disconnect/reset before headers")
        assert all(name in answer.headers for name in RATE_HEADERS)
        # Other endpoints are untouched.
        assert signed("GET", f"{handle.url}/terms").status_code == 200
        assert handle.sandbox.faults.injected["error"] == 1


def test_injected_500_has_a_json_body(tmp_path: Path) -> None:
    with with_faults(tmp_path, "/terms:error=1,status=500") as handle:
        answer = signed("GET", f"{handle.url}/terms")
        assert answer.status_code == 500
        assert answer.json() == {"message": "An unexpected error occurred"}


def test_faults_apply_after_authentication(tmp_path: Path) -> None:
    with with_faults(tmp_path, "*:error=1") as handle:
        unsigned = requests.get(f"{handle.url}/accounts", timeout=10)
        assert unsigned.status_code == 401  # refused before any fault is drawn
        assert handle.sandbox.faults.injected["error"] == 0


def test_injected_429_looks_like_the_real_rate_limit(tmp_path: Path) -> None:
    with with_faults(tmp_path, "/warehouses:burst429=1,burst_len=2") as handle:
        first = signed("GET", f"{handle.url}/warehouses", retry_rate_limit=False)
        second = signed("GET", f"{handle.url}/warehouses", retry_rate_limit=False)
        for answer in (first, second):
            assert answer.status_code == 429
            assert answer.json() == {"message": "API rate limit exceeded"}
            assert answer.headers["x-ratelimit-remaining-minute"] == "0"
            assert answer.headers["x-ratelimit-limit-minute"] == "30"
            assert "x-ratelimit-remaining-hour" in answer.headers
            assert 1 <= int(answer.headers["Retry-After"]) <= 60


def test_lost_response_commits_the_write(tmp_path: Path) -> None:
    with with_faults(tmp_path, "sales_invoices:lost=1") as handle:
        body = invoice_body()
        with pytest.raises(requests.ConnectionError):
            signed("POST", f"{handle.url}/sales_invoices", {"sales_invoice": body})
        handle.sandbox.faults.rules.clear()
        again = signed("POST", f"{handle.url}/sales_invoices", {"sales_invoice": body})
        assert again.status_code == 422
        assert again.json()["custom_id"] == "(Custom id attribute had already been used.)"


def test_timeout_holds_then_drops_without_processing(tmp_path: Path) -> None:
    with with_faults(tmp_path, "sales_invoices:timeout=1,timeout_s=0.3") as handle:
        body = invoice_body()
        started = time.monotonic()
        with pytest.raises(requests.ConnectionError):
            signed("POST", f"{handle.url}/sales_invoices", {"sales_invoice": body})
        assert time.monotonic() - started >= 0.3
        handle.sandbox.faults.rules.clear()
        created = signed("POST", f"{handle.url}/sales_invoices", {"sales_invoice": body})
        assert created.status_code == 201  # the timed-out request was not processed


def test_latency_does_not_block_other_requests(tmp_path: Path) -> None:
    with with_faults(tmp_path, "/accounts:latency=1000") as handle:
        slow: dict[str, float] = {}

        def call_slow() -> None:
            started = time.monotonic()
            signed("GET", f"{handle.url}/accounts")
            slow["elapsed"] = time.monotonic() - started

        thread = threading.Thread(target=call_slow)
        thread.start()
        time.sleep(0.1)
        started = time.monotonic()
        assert signed("GET", f"{handle.url}/terms").status_code == 200
        fast = time.monotonic() - started
        thread.join()
        assert slow["elapsed"] >= 1.0
        assert fast < 0.7  # the emulator lock is not held while the slow request sleeps


def test_inject_fault_wrapper_and_env_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jurnal_sandbox: JurnalSandboxHandle
) -> None:
    jurnal_sandbox.sandbox.inject_fault("status", status=502, path_contains="/taxes", times=2)
    assert [signed("GET", f"{jurnal_sandbox.url}/taxes").status_code for _ in range(3)] == [
        502,
        502,
        200,
    ]
    jurnal_sandbox.sandbox.inject_fault("drop", path_contains="/terms")
    with pytest.raises(requests.ConnectionError):
        signed("GET", f"{jurnal_sandbox.url}/terms")
    with pytest.raises(ValueError, match="unknown fault mode"):
        jurnal_sandbox.sandbox.inject_fault("explode")

    monkeypatch.setenv(ENV_FAULTS, "batch_create:lost=0.5;*:latency=5")
    sandbox = JurnalSandbox(tmp_path / "env")
    try:
        assert [(r.endpoint, r.lost, r.latency) for r in sandbox.faults.rules] == [
            ("batch_create", 0.5, 0.0),
            ("*", 0.0, 5.0),
        ]
    finally:
        sandbox.close()


def test_concurrent_writes_under_latency_stay_consistent(tmp_path: Path) -> None:
    with with_faults(tmp_path, "sales_invoices:latency=50", rate_limit_per_minute=100000) as handle:
        bodies = [invoice_body() for _ in range(12)]
        answers: list[requests.Response] = []
        lock = threading.Lock()

        def create(body: dict) -> None:
            answer = signed("POST", f"{handle.url}/sales_invoices", {"sales_invoice": body})
            with lock:
                answers.append(answer)

        threads = [threading.Thread(target=create, args=(b,)) for b in bodies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [201] * 12
        numbers = {a.json()["sales_invoice"]["transaction_no"] for a in answers}
        assert len(numbers) == 12
        listed = signed("GET", f"{handle.url}/sales_invoices?page_size=100").json()
        assert listed["total_count"] == 12
