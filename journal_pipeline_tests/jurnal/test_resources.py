"""Generic idempotent creates and batches, look-ups, fault kinds and the rate limiter wired into
the client, against the Jurnal emulator on loopback."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.jurnal.errors import (
    JurnalDuplicateError,
    JurnalRateLimited,
    JurnalRetryableError,
)
from journal_pipeline.jurnal.rate_limit import MemoryRateLimiter
from journal_pipeline.jurnal.rate_limit_sql import SqlRateLimiter
from journal_pipeline.jurnal.resources import same_document, spec_for
from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle, running_jurnal_sandbox
from journal_sandbox.jurnal_app import (
    CUSTOMER_WALK_IN,
    PRODUCT_SERVICE_CHARGE,
    TAX_PPN,
    TERM_COD,
    WAREHOUSE_JAKARTA_CODE,
)


def unique(prefix: str = "T") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def invoice(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "transaction_date": "2026-11-20",
        "person_name": CUSTOMER_WALK_IN,
        "term_name": TERM_COD,
        "warehouse_code": WAREHOUSE_JAKARTA_CODE,
        "custom_id": unique("ORD"),
        "transaction_lines_attributes": [
            {
                "product_name": PRODUCT_SERVICE_CHARGE,
                "quantity": 1,
                "rate": 10000,
                "line_tax_name": TAX_PPN,
            }
        ],
    }
    body.update(overrides)
    return body


def inject(sandbox: Any, kind: str, path: str, *, times: int = 1, status: int = 503) -> None:
    """Queue a one-off fault of the shared kinds (error, timeout, burst429, lost)."""
    faults = getattr(sandbox, "faults", None)
    if faults is not None and hasattr(faults, "once"):
        faults.once(path, kind, times=times, status=status)
        return
    mode = {"error": "status", "timeout": "drop", "lost": "drop_after", "burst429": "status"}
    sandbox.inject_fault(
        mode[kind],
        status=429 if kind == "burst429" else status,
        path_contains=path,
        times=times,
    )


@pytest.fixture
def fresh(tmp_path: Path):
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


def invoices_with(client: JurnalClient, custom_id: str) -> int:
    return sum(
        1
        for inv in client.iter_list("sales_invoices", "sales_invoices")
        if inv.get("custom_id") == custom_id
    )


# --- generic creates and batches ----------------------------------------------------------


def test_lost_batch_response_is_resolved_without_a_second_copy(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client(backoff_base=0.01)
    bodies = [invoice(transaction_no=unique("INV")) for _ in range(3)]
    inject(fresh.sandbox, "lost", "/sales_invoices/batch_create")
    results = client.batch_create("sales_invoices", "sales_invoice", bodies)
    assert client.retries == 1
    assert [r.duplicate for r in results] == [True, True, True]
    assert all(r.ok and r.record is not None for r in results)
    assert [r.record["custom_id"] for r in results] == [b["custom_id"] for b in bodies]  # type: ignore[index]
    assert [r.existing_id for r in results] == [r.record["id"] for r in results]  # type: ignore[index]
    assert client.duplicates_resolved == 3
    for body in bodies:
        assert invoices_with(client, body["custom_id"]) == 1


def test_batch_create_keeps_real_conflicts_and_refusals(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client()
    taken = client.create_sales_invoice(invoice(transaction_no=unique("INV")))
    bodies = [
        invoice(),
        invoice(transaction_no=taken["transaction_no"]),  # another order, same number
        invoice(person_name="Nobody"),
        invoice(custom_id=taken["custom_id"]),  # the same order again
    ]
    created, conflict, refused, again = client.batch_create("sales_invoices", None, bodies)
    assert created.ok and not created.duplicate
    assert conflict.duplicate and conflict.record is None
    assert conflict.existing_id == taken["id"]
    assert refused.errors == {"person_name": ["Nobody not exist"]} and not refused.duplicate
    assert again.duplicate and again.record is not None and again.record["id"] == taken["id"]
    assert [r.index for r in (created, conflict, refused, again)] == [0, 1, 2, 3]
    assert client.batch_create("sales_invoices", None, []) == []


def test_batch_create_splits_into_hundreds(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client()
    bodies = [invoice() for _ in range(101)]
    results = client.batch_create("sales_invoices", "sales_invoice", bodies)
    assert [r.index for r in results] == list(range(101))
    assert all(r.ok and not r.duplicate for r in results)
    assert client.calls == 2


def test_create_customer_is_idempotent_even_when_the_answer_is_lost(
    fresh: JurnalSandboxHandle,
) -> None:
    client = fresh.client(backoff_base=0.01)
    body = {"display_name": unique("Budi"), "custom_id": unique("CUST")}
    first = client.create("customers", "customer", body)
    assert client.create_customer(body)["id"] == first["id"]
    assert client.duplicates_resolved == 1
    lost = {"display_name": unique("Sari"), "custom_id": unique("CUST")}
    inject(fresh.sandbox, "lost", "/customers")
    created = client.create_customer(lost)
    assert created["custom_id"] == lost["custom_id"]
    assert client.duplicates_resolved == 2
    matching = [
        c
        for c in client.iter_list("customers", "customers")
        if c.get("custom_id") == lost["custom_id"]
    ]
    assert len(matching) == 1
    assert client.find_customer(custom_id=lost["custom_id"])["id"] == created["id"]  # type: ignore[index]
    assert client.find_customer(display_name=body["display_name"])["id"] == first["id"]  # type: ignore[index]
    assert client.find_customer(custom_id="nobody") is None
    # by display name alone when there is no custom_id
    plain = {"display_name": unique("Wayan")}
    assert client.create_customer(plain)["id"] == client.create_customer(plain)["id"]


def test_create_with_a_custom_lookup_and_a_real_conflict(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client()
    body = {"display_name": unique("Ani"), "custom_id": unique("CUST")}
    first = client.create_customer(body)
    seen: list[tuple[str, int | None]] = []

    def lookup(request: Any, existing_id: int | None) -> dict[str, Any] | None:
        seen.append((request["custom_id"], existing_id))
        return first

    assert client.create("customers", "customer", body, lookup=lookup)["id"] == first["id"]
    assert seen == [(body["custom_id"], None)]
    # the same display name under another custom_id is another customer: a conflict
    with pytest.raises(JurnalDuplicateError) as caught:
        client.create_customer({"display_name": body["display_name"], "custom_id": unique("C")})
    assert not caught.value.retryable


def test_generic_invoice_create_and_get_record(client_on_shared: JurnalClient) -> None:
    body = invoice(transaction_no=unique("INV"))
    created = client_on_shared.create("sales_invoices", "sales_invoice", body)
    assert client_on_shared.create("sales_invoices", None, body)["id"] == created["id"]
    assert client_on_shared.get_record("sales_invoices", created["id"])["id"] == created["id"]  # type: ignore[index]
    assert client_on_shared.get_record("sales_invoices", 987_654_321) is None
    found = client_on_shared.find("sales_invoices", transaction_no=body["transaction_no"])
    assert found is not None and found["id"] == created["id"]


@pytest.fixture
def client_on_shared(jurnal_sandbox: JurnalSandboxHandle) -> JurnalClient:
    return jurnal_sandbox.client()


def test_resource_specs() -> None:
    assert spec_for("receive_payments").root == "receive_payment"
    assert spec_for("journal_entries").root == "journal_entry"
    assert spec_for("stock_adjustments").keys == ("custom_id", "transaction_no")
    assert spec_for("taxes").unwrap({"company_tax": {"id": 1}}) == {"id": 1}
    assert spec_for("other_things", "other_thing").root == "other_thing"
    with pytest.raises(ValueError):
        spec_for("other_things")
    with pytest.raises(ValueError):
        JurnalClient.find_stock_adjustment(None, "X", "both")  # type: ignore[arg-type]


def test_a_record_that_does_not_show_a_key_is_matched_on_the_next() -> None:
    """The documented answers (swagger examples) of stock documents carry no custom_id; a
    stock adjustment shows its number only as ``entry.transaction_number``."""
    adjustments, transfers = spec_for("stock_adjustments"), spec_for("warehouse_transfers")
    sent = {"custom_id": "rcv-1", "transaction_no": "1001", "maintain_actual": False}
    shown = {"id": 148, "memo": "memo here", "entry": {"transaction_number": "Stock In/Out#1001"}}
    assert same_document(adjustments, sent, shown)
    assert same_document(adjustments, sent, {**shown, "custom_id": None})
    assert not same_document(adjustments, {**sent, "transaction_no": "1002"}, shown)
    assert not same_document(adjustments, sent, {**shown, "custom_id": "rcv-2"})  # another's
    assert not same_document(adjustments, sent, {"id": 108, "memo": None})  # nothing to go by
    counted = {"id": 9, "entry": {"transaction_number": "Stock Adjustment##SO-1"}}
    assert same_document(adjustments, {**sent, "transaction_no": "#SO-1"}, counted)
    assert not same_document(adjustments, {**sent, "transaction_no": "SO-1"}, counted)
    got = {"id": 21, "transaction_date": "2016-07-18", "transaction_no": "1001", "memo": "memo"}
    assert same_document(transfers, sent, got)
    assert not same_document(transfers, {**sent, "transaction_no": "1002"}, got)
    # an invoice shows its custom_id: one held by hand without it is another document
    invoices = spec_for("sales_invoices")
    assert not same_document(invoices, sent, {"custom_id": None, "transaction_no": "1001"})
    assert same_document(invoices, sent, {"custom_id": "rcv-1", "transaction_no": "X"})


# --- fault kinds --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["error", "timeout", "burst429", "lost"])
def test_every_fault_kind_on_a_single_create(fresh: JurnalSandboxHandle, kind: str) -> None:
    waits: list[float] = []
    client = fresh.client(backoff_base=0.01, timeout=(2.0, 5.0), sleep=waits.append)
    body = invoice()
    inject(fresh.sandbox, kind, "/sales_invoices", status=503)
    created = client.create_sales_invoice(body)
    assert created["custom_id"] == body["custom_id"]
    assert client.retries == 1
    assert client.rate_limited == (1 if kind == "burst429" else 0)
    assert client.duplicates_resolved == (1 if kind == "lost" else 0)
    assert invoices_with(client, body["custom_id"]) == 1
    assert len(waits) == 1  # one backoff (a 429: until Retry-After or the next minute)


@pytest.mark.parametrize("kind", ["error", "timeout", "burst429", "lost"])
def test_every_fault_kind_exhausting_the_attempts(fresh: JurnalSandboxHandle, kind: str) -> None:
    waits: list[float] = []
    client = fresh.client(backoff_base=0.01, max_attempts=2, timeout=(2.0, 5.0), sleep=waits.append)
    inject(fresh.sandbox, kind, "/accounts", times=2, status=502)
    expected = JurnalRateLimited if kind == "burst429" else JurnalRetryableError
    if kind == "lost":
        with pytest.raises(JurnalRetryableError, match=r"connection failed|timed out") as caught:
            client.list_accounts()
    else:
        with pytest.raises(expected) as caught:
            client.list_accounts()
    assert caught.value.retryable  # the sync layer leaves the document pending
    assert client.calls == 2


# --- the limiter in the client ------------------------------------------------------------


def test_client_with_a_limiter_never_meets_a_429(fresh: JurnalSandboxHandle) -> None:
    limiter = MemoryRateLimiter(window_scale=fresh.sandbox.time_scale)
    client = fresh.client(limiter=limiter)
    for _ in range(35):
        client.list_warehouses()
    assert client.rate_limited == 0
    assert client.calls == 35
    assert client.rate_wait_seconds > 0
    meta = client.metadata()
    assert meta["calls"] == 35 and meta["rate_limited"] == 0
    assert set(meta) >= {"calls", "latency_seconds", "retries", "duplicates_resolved"}


def test_client_learns_a_lower_limit_from_the_headers(tmp_path: Path) -> None:
    with running_jurnal_sandbox(tmp_path / "jurnal", rate_limit_per_minute=4) as handle:
        limiter = MemoryRateLimiter(window_scale=60)
        client = handle.client(limiter=limiter)
        started = time.monotonic()
        for _ in range(9):
            client.list_warehouses()
        assert client.rate_limited == 0
        assert limiter.limits(*limiter._learned)[0] == 4
        assert time.monotonic() - started >= 1.0


def test_a_429_from_outside_pauses_the_limiter(fresh: JurnalSandboxHandle) -> None:
    limiter = MemoryRateLimiter(window_scale=60)
    client = fresh.client(limiter=limiter, backoff_base=0.01)
    inject(fresh.sandbox, "burst429", "/warehouses")
    client.list_warehouses()
    assert client.rate_limited == 1 and limiter.pauses == 1


def test_from_env_with_a_staging_url_shares_the_limit(
    fresh: JurnalSandboxHandle, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    env = {**fresh.env, "JURNAL_RATE_LIMIT_PER_MINUTE": "3", "JURNAL_RATE_LIMIT_WINDOW_SCALE": "60"}
    first = JurnalClient.from_env(env, staging_url=url)
    second = JurnalClient.from_env(env, staging_url=url)
    assert isinstance(first.limiter, SqlRateLimiter)
    assert first.limiter.per_minute == 3 and first.limiter.minute_window == 1.0
    started = time.monotonic()
    for _ in range(2):
        first.list_warehouses()
        second.list_warehouses()
    assert time.monotonic() - started >= 1.0  # the fourth request waited for the next window
    assert first.rate_limited == second.rate_limited == 0
    first.close()
    second.close()
