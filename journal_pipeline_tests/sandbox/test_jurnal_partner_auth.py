"""The Jurnal emulator's legacy hosts: a partner (OAuth app) access token, and the health check.

Mekari's Ruby client sends the token as ``Authorization: Bearer <token>`` to
``/partner/core/api/v1/<resource>.json``; other public snippets pass ``?access_token=``. The
gateway prefix signs with HMAC only and refuses both. Requests are built by hand here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
)

TOKEN = "partner-token-0f3a"


@pytest.fixture(scope="module")
def jurnal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JurnalSandboxHandle]:
    state = Path(tmp_path_factory.mktemp("jurnal-partner"))
    with running_jurnal_sandbox(state, access_token=TOKEN) as handle:
        yield handle


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def test_a_bearer_token_reads_and_writes_on_the_partner_prefix(jurnal: JurnalSandboxHandle):
    accounts = requests.get(f"{jurnal.partner_url}/accounts.json", headers=bearer(), timeout=10)
    assert accounts.status_code == 200
    assert accounts.json()["total_count"] > 0
    assert accounts.headers["x-ratelimit-limit-minute"] == "30"
    created = requests.post(
        f"{jurnal.partner_url}/sales_invoices.json",
        json={"sales_invoice": invoice_body()},
        headers=bearer(),
        timeout=10,
    )
    assert created.status_code == 201, created.text
    invoice = created.json()["sales_invoice"]
    # the same company whichever prefix: the legacy key reads the invoice back
    read = requests.get(
        f"{jurnal.legacy_url}/sales_invoices/{invoice['id']}.json",
        headers={"apikey": jurnal.api_key},
        timeout=10,
    )
    assert read.status_code == 200
    assert read.json()["sales_invoice"]["transaction_no"] == invoice["transaction_no"]


def test_the_token_as_a_query_parameter(jurnal: JurnalSandboxHandle):
    ok = requests.get(f"{jurnal.partner_url}/accounts", params={"access_token": TOKEN}, timeout=10)
    assert ok.status_code == 200
    on_core = requests.get(
        f"{jurnal.legacy_url}/accounts.json", params={"access_token": TOKEN}, timeout=10
    )
    assert on_core.status_code == 200


def test_a_wrong_or_empty_token_is_refused_without_echoing_it(jurnal: JurnalSandboxHandle):
    for headers, params in (
        (bearer("not-the-token"), {}),
        (bearer(""), {}),
        ({}, {"access_token": "not-the-token"}),
    ):
        refused = requests.get(
            f"{jurnal.partner_url}/accounts", headers=headers, params=params, timeout=10
        )
        assert refused.status_code == 401
        assert "not-the-token" not in refused.text
        assert "x-ratelimit-remaining-minute" not in refused.headers  # refused before counting
    nothing = requests.get(f"{jurnal.partner_url}/accounts", timeout=10)
    assert (nothing.status_code, nothing.json()) == (401, {"message": "Unauthorized"})


def test_the_gateway_prefix_takes_no_bearer_token(jurnal: JurnalSandboxHandle):
    with_header = requests.get(f"{jurnal.url}/accounts", headers=bearer(), timeout=10)
    assert with_header.status_code == 401
    assert "not an hmac credential" in with_header.json()["message"]
    with_query = requests.get(f"{jurnal.url}/accounts", params={"access_token": TOKEN}, timeout=10)
    assert (with_query.status_code, with_query.json()) == (401, {"message": "Unauthorized"})


def test_the_token_has_its_own_rate_limit_and_is_never_shown(jurnal: JurnalSandboxHandle):
    before = jurnal.sandbox.traffic().get("bearer", {}).get("requests", 0)
    for _ in range(3):
        requests.get(f"{jurnal.partner_url}/taxes", headers=bearer(), timeout=10)
    traffic = jurnal.sandbox.traffic()
    assert traffic["bearer"]["requests"] == before + 3
    assert TOKEN not in repr(traffic)
    stats = requests.get(f"{jurnal.server.url}/_sandbox/stats", timeout=10)
    assert TOKEN not in stats.text


def test_the_legacy_health_check_needs_no_credential(jurnal: JurnalSandboxHandle):
    before = jurnal.sandbox.traffic()
    for path in ("/core/ping/health_check.json", "/partner/core/ping/health_check"):
        alive = requests.get(f"{jurnal.server.url}{path}", timeout=10)
        assert (alive.status_code, alive.text) == (200, "I am alive!\n")
        assert alive.headers["Content-Type"].startswith("text/plain")
    assert jurnal.sandbox.traffic() == before  # no credential, nothing counted
    missing = requests.get(f"{jurnal.server.url}/public/jurnal/ping/health_check", timeout=10)
    assert missing.status_code == 404
