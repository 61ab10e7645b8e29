"""The Jurnal client against the emulator on loopback: lists, idempotent creates, batches,
typed errors, retries, rate limits, and credentials that never leak."""

from __future__ import annotations

import logging
import pickle
import re
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.jurnal.errors import (
    JurnalAuthError,
    JurnalConfigError,
    JurnalDuplicateError,
    JurnalRetryableError,
    JurnalValidationError,
)
from journal_pipeline.jurnal.idempotent import ItemResult
from journal_pipeline.jurnal.settings import DEFAULT_BASE_URL, JurnalSettings
from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle, running_jurnal_sandbox
from journal_sandbox.jurnal_app import (
    ACCOUNT_QRIS_CLEARING,
    CUSTOMER_WALK_IN,
    PRODUCT_SERVICE_CHARGE,
    TAX_PPN,
    TERM_COD,
    WAREHOUSE_BALI,
    WAREHOUSE_JAKARTA,
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
                "quantity": 2,
                "rate": 50000,
                "discount": 10,
                "line_tax_name": TAX_PPN,
            }
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def client(jurnal_sandbox: JurnalSandboxHandle) -> JurnalClient:
    return jurnal_sandbox.client()


@pytest.fixture
def fresh(tmp_path: Path):
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


def count_with_custom_id(client: JurnalClient, custom_id: str) -> int:
    return sum(
        1
        for inv in client.iter_list("sales_invoices", "sales_invoices")
        if inv.get("custom_id") == custom_id
    )


# --- settings ---------------------------------------------------------------------------


def test_settings_from_env() -> None:
    settings = JurnalSettings.from_env(
        {"JURNAL_CLIENT_ID": "cid", "JURNAL_CLIENT_SECRET": "s3cret-value"}
    )
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.auth_mode == "hmac"
    assert "s3cret-value" not in repr(settings)
    legacy = JurnalSettings.from_env(
        {"JURNAL_BASE_URL": "https://api.jurnal.id/core/api/v1", "JURNAL_API_KEY": "key-value"}
    )
    assert legacy.auth_mode == "apikey"
    assert "key-value" not in repr(legacy)
    overridden = JurnalSettings.from_env({"JURNAL_API_KEY": "a"}, api_key="b", base_url="http://x")
    assert (overridden.api_key, overridden.base_url) == ("b", "http://x")
    with pytest.raises(JurnalConfigError, match="JURNAL_CLIENT_ID"):
        JurnalClient(JurnalSettings.from_env({}))


# --- reading ----------------------------------------------------------------------------


def test_reference_lists(client: JurnalClient) -> None:
    accounts = client.list_accounts()
    assert {"Kas", "Piutang Usaha", "PPN Keluaran"} <= {a["name"] for a in accounts}
    assert all(a["category"] for a in accounts)
    assert {WAREHOUSE_JAKARTA, WAREHOUSE_BALI} <= {w["name"] for w in client.list_warehouses()}
    assert PRODUCT_SERVICE_CHARGE in {p["name"] for p in client.list_products()}
    assert {t["name"] for t in client.list_taxes()} >= {TAX_PPN}


def test_an_archived_account_is_not_taken_for_one_documents_can_use(tmp_path: Path) -> None:
    from journal_pipeline.accounting.mapping_checks import account_problems
    from journal_pipeline.config import load_config
    from journal_sandbox.defaults import DEMO_CONFIG

    config = load_config(DEMO_CONFIG)
    with running_jurnal_sandbox(tmp_path) as jurnal:
        client = jurnal.client()
        assert account_problems(config, client.list_accounts()) == []
        jurnal.sandbox.archive_account("Kliring EDC")
        # Jurnal lists archived accounts unless asked not to (include_archive defaults to true)
        listed = {a["name"] for a in client.get("accounts")["accounts"]}
        assert "Kliring EDC" in listed
        assert "Kliring EDC" not in {a["name"] for a in client.list_accounts()}
        problems = account_problems(config, client.list_accounts())
        assert problems and all("'Kliring EDC' (or it is archived)" in p for p in problems)


def test_iter_list_walks_every_page(client: JurnalClient) -> None:
    one_by_one = list(client.iter_list("warehouses", "warehouses", page_size=1))
    assert [w["id"] for w in one_by_one] == [w["id"] for w in client.list_warehouses()]
    assert len(one_by_one) >= 2


def test_counters(jurnal_sandbox: JurnalSandboxHandle) -> None:
    client = jurnal_sandbox.client()
    client.list_accounts()
    client.list_warehouses()
    assert client.calls >= 2
    assert client.latency_seconds > 0
    assert client.stats()["jurnal_calls"] == client.calls


# --- sales invoices ---------------------------------------------------------------------


def test_create_sales_invoice_is_idempotent(client: JurnalClient) -> None:
    body = invoice(transaction_no=unique("INV"))
    first = client.create_sales_invoice(body)
    assert first["original_amount"] == "99900.0"
    again = client.create_sales_invoice(body)
    assert again["id"] == first["id"]
    assert client.duplicates_resolved == 1
    without_number = {k: v for k, v in body.items() if k != "transaction_no"}
    assert client.create_sales_invoice(without_number)["id"] == first["id"]
    assert count_with_custom_id(client, body["custom_id"]) == 1


def test_transaction_number_taken_by_another_order_is_a_conflict(client: JurnalClient) -> None:
    number = unique("INV")
    first = client.create_sales_invoice(invoice(transaction_no=number))
    with pytest.raises(JurnalDuplicateError) as caught:
        client.create_sales_invoice(invoice(transaction_no=number))
    assert caught.value.existing_id == first["id"]
    assert caught.value.status == 422
    assert "transaction_no" in caught.value.fields
    # Without a custom_id, the same transaction_no is the same invoice.
    no_custom = invoice(transaction_no=unique("INV"))
    del no_custom["custom_id"]
    created = client.create_sales_invoice(no_custom)
    assert client.create_sales_invoice(no_custom)["id"] == created["id"]


def test_validation_errors_are_typed(client: JurnalClient) -> None:
    with pytest.raises(JurnalValidationError) as caught:
        client.create_sales_invoice(invoice(person_name="Siapa Ini"))
    error = caught.value
    assert not isinstance(error, JurnalDuplicateError)
    assert error.status == 422
    assert error.fields == {"person_name": ["Siapa Ini not exist"]}
    assert error.full_messages == ["Person name Siapa Ini not exist"]
    assert "Siapa Ini not exist" in str(error)
    with pytest.raises(JurnalValidationError) as caught:
        client.create_sales_invoice(invoice(deposit_to_name=ACCOUNT_QRIS_CLEARING, deposit=10**9))
    assert "amount_receive" in caught.value.fields
    restored = pickle.loads(pickle.dumps(caught.value))
    assert restored.fields == caught.value.fields and str(restored) == str(caught.value)


def test_find_and_get_sales_invoice(client: JurnalClient) -> None:
    created = client.create_sales_invoice(invoice(transaction_no=unique("INV")))
    assert client.find_sales_invoice(custom_id=created["custom_id"])["id"] == created["id"]
    by_number = client.find_sales_invoice(transaction_no=created["transaction_no"])
    assert by_number["id"] == created["id"]
    assert client.find_sales_invoice(custom_id="no-such-order") is None
    assert client.get_sales_invoice(created["id"])["custom_id"] == created["custom_id"]
    assert client.get_sales_invoice(999_999_999) is None


def test_batch_create(client: JurnalClient) -> None:
    existing = client.create_sales_invoice(invoice())
    bodies = [invoice(), invoice(person_name="Nobody"), invoice(custom_id=existing["custom_id"])]
    results = client.batch_create_sales_invoices(bodies)
    assert [type(r) for r in results] == [ItemResult] * 3
    ok, refused, duplicate = results
    assert (ok.index, ok.status, ok.ok, ok.duplicate) == (0, 201, True, False)
    assert ok.record is not None and ok.record["custom_id"] == bodies[0]["custom_id"]
    assert (refused.status, refused.ok, refused.duplicate) == (422, False, False)
    assert refused.errors == {"person_name": ["Nobody not exist"]}
    assert (duplicate.duplicate, duplicate.existing_id, duplicate.record) == (
        True,
        existing["id"],
        None,
    )
    assert duplicate.status == 409  # the item status Jurnal documents for a taken value
    assert client.batch_create_sales_invoices([]) == []
    with pytest.raises(ValueError, match="at most 100"):
        client.batch_create_sales_invoices([invoice() for _ in range(101)])


# --- products ---------------------------------------------------------------------------


def test_create_product_returns_the_existing_one_on_a_taken_code(client: JurnalClient) -> None:
    code = unique("SKU")
    body = {"name": unique("Es Kopi Susu"), "product_code": code, "sell_price_per_unit": 28000}
    created = client.create_product(body)
    assert created["product_code"] == code
    assert client.create_product(body)["id"] == created["id"]
    assert client.create_product({**body, "name": unique("Other")})["id"] == created["id"]
    assert client.find_product(product_code=code)["id"] == created["id"]
    with pytest.raises(JurnalValidationError) as caught:
        client.create_product({"name": body["name"], "product_code": unique("SKU")})
    assert caught.value.fields == {"name": ["has already been taken"]}


# --- resilience -------------------------------------------------------------------------


def test_lost_response_is_retried_into_the_existing_invoice(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client(backoff_base=0.01)
    fresh.sandbox.inject_fault("drop_after", path_contains="/sales_invoices")
    body = invoice()
    created = client.create_sales_invoice(body)
    assert created["custom_id"] == body["custom_id"]
    assert client.retries == 1 and client.duplicates_resolved == 1
    assert count_with_custom_id(client, body["custom_id"]) == 1


def test_lost_batch_response_reports_duplicates(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client(backoff_base=0.01)
    fresh.sandbox.inject_fault("drop_after", path_contains="/batch_create")
    results = client.batch_create_sales_invoices([invoice(), invoice()])
    assert [r.duplicate for r in results] == [True, True]
    assert all(client.get_sales_invoice(r.existing_id) for r in results)


def test_server_errors_are_retried(fresh: JurnalSandboxHandle) -> None:
    client = fresh.client(backoff_base=0.01)
    fresh.sandbox.inject_fault("status", status=503, times=2)
    assert client.list_accounts()
    assert client.retries == 2 and client.calls == 3
    fresh.sandbox.inject_fault("status", status=502, times=3)
    short = fresh.client(backoff_base=0.01, max_attempts=3)
    with pytest.raises(JurnalRetryableError) as caught:
        short.list_accounts()
    assert caught.value.status == 502


def test_connection_errors_are_retried_then_raised() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = JurnalSettings(base_url=f"http://127.0.0.1:{port}/x", api_key="k")
    client = JurnalClient(settings, max_attempts=3, backoff_base=0.01)
    with pytest.raises(JurnalRetryableError, match="connection failed"):
        client.list_accounts()
    assert client.calls == 3 and client.retries == 2


def test_rate_limited_client_waits_and_succeeds(fresh: JurnalSandboxHandle) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    client = fresh.client(sleep=sleep)
    time.sleep(1.02 - (time.time() % 1.0))  # start of a scaled minute (one real second)
    for _ in range(31):
        client.list_accounts()
    assert client.rate_limited >= 1
    assert client.calls == 31 + client.rate_limited
    # each 429 was waited out for the Retry-After of the scaled minute (about one second,
    # plus at most 10% jitter), not for a real minute
    assert len(waits) == client.rate_limited
    assert all(0 < wait <= 1.1 * 1.0 + 0.1 for wait in waits), waits


# --- credentials ------------------------------------------------------------------------


def test_secrets_never_leak(
    jurnal_sandbox: JurnalSandboxHandle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "leak-canary-" + uuid.uuid4().hex
    session = requests.Session()
    sent: list[str] = []
    session.hooks["response"].append(
        lambda r, *a, **k: sent.append(r.request.headers.get("Authorization", ""))
    )
    settings = JurnalSettings.from_env({**jurnal_sandbox.env, "JURNAL_CLIENT_SECRET": secret})
    client = JurnalClient(settings, session=session, max_attempts=1)
    caplog.set_level(logging.DEBUG, logger="journal_pipeline.jurnal")
    with pytest.raises(JurnalAuthError) as caught:
        client.list_accounts()
    assert caught.value.status == 401
    signatures = re.findall(r'signature="([^"]+)"', sent[0])
    assert signatures
    api_key = "apikey-canary-" + uuid.uuid4().hex
    legacy = JurnalClient(
        JurnalSettings(base_url=jurnal_sandbox.legacy_url, api_key=api_key), max_attempts=1
    )
    with pytest.raises(JurnalAuthError) as legacy_caught:
        legacy.list_accounts()
    assert legacy_caught.value.status == 403

    texts = [
        str(caught.value),
        repr(caught.value),
        str(caught.value.body),
        str(legacy_caught.value),
        repr(legacy_caught.value),
        repr(client),
        repr(settings),
        repr(legacy),
        repr(legacy.settings),
        caplog.text,
    ]
    assert "***" in caplog.text  # the request headers were logged, redacted
    for text in texts:
        for canary in (secret, api_key, *signatures):
            assert canary not in text


def test_api_key_client_on_the_legacy_prefix(jurnal_sandbox: JurnalSandboxHandle) -> None:
    client = JurnalClient.from_env(
        {"JURNAL_BASE_URL": jurnal_sandbox.legacy_url, "JURNAL_API_KEY": jurnal_sandbox.api_key}
    )
    assert client.settings.auth_mode == "apikey"
    assert client.list_accounts()
    created = client.create_sales_invoice(invoice())
    assert created["source"] == "apikey"
