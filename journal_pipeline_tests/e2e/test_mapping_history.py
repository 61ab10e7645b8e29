"""A mapping change from a date (`mapping_history`, anchors rule 14), through Dagster against
both emulators over HTTP: the outlets' cash went to a petty-cash account up to 18 November and
to ``Kas`` since, and GoPay's settlements kept 1.5% and took three days up to then. Days
backfilled after the change book each to the account of its own time, in the journal and in
Jurnal, and the reconciliation expects each day's GoPay takings by the rule of its time; the day
after the change follows the current mapping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
import yaml

from journal_pipeline.config import load_config
from journal_pipeline.defs.assets import build_assets
from journal_pipeline.defs.fee_assets import build_fee_assets
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.recon_assets import build_recon_assets
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.iseller_fixtures import running_iseller_sandbox
from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle, running_jurnal_sandbox
from journal_pipeline_tests.sandbox_resources import sandbox_resources
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.jurnal_store import ACCOUNT_CASH, ACCOUNT_PETTY_CASH

pytestmark = pytest.mark.e2e

BEFORE, SINCE = date(2026, 11, 18), date(2026, 11, 19)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DAILY = daily_partitions(load_config(DEMO_CONFIG))
ASSETS = build_assets(DAILY)
SETTLING = [*ASSETS, *build_fee_assets(DAILY), *build_recon_assets(DAILY)]
GOPAY_BEFORE = {"lag_days": 3, "mdr_percent": "1.5"}


def _with_history(tmp_path: Path) -> Path:
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    assert data["payment_methods"]["Cash"] == ACCOUNT_CASH
    data["mapping_history"] = [
        {
            "until": BEFORE.isoformat(),
            "note": "cash went to the outlets' petty cash before the safe-deposit contract",
            "payment_methods": {"cash": ACCOUNT_PETTY_CASH},
            # GoPay kept more and paid out a day later before its new contract
            "settlements": {"gopay": {**data["settlements"]["GoPay"], **GOPAY_BEFORE}},
        }
    ]
    path = tmp_path / "merchant.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def sandboxes(tmp_path) -> Iterator[tuple[dict, JurnalSandboxHandle]]:
    options = {"orders_per_outlet_per_day": 6, "history_days": 3, "now": lambda: NOW}
    with (
        running_iseller_sandbox(tmp_path / "iseller", **options) as iseller,
        running_jurnal_sandbox(tmp_path / "jurnal") as jurnal,
    ):
        yield iseller.env, jurnal


def _cash_debits(store: StagingStore, day: date) -> dict[str, int]:
    t = tables.journal_lines
    query = (
        sa.select(t.c.account_name, sa.func.sum(t.c.debit))
        .where(
            t.c.business_date == day,
            t.c.account_name.in_((ACCOUNT_CASH, ACCOUNT_PETTY_CASH)),
            t.c.source_type == "order",
        )
        .group_by(t.c.account_name)
    )
    with store.engine.connect() as conn:
        return {name: int(total) for name, total in conn.execute(query) if total}


def test_each_day_books_to_the_account_of_its_time(sandboxes, tmp_path) -> None:
    iseller_env, jurnal = sandboxes
    staging_url = f"sqlite:///{tmp_path / 'staging.db'}"
    resources = sandbox_resources(staging_url, _with_history(tmp_path), iseller_env, jurnal.env)
    for day in (SINCE, BEFORE):  # the earlier day backfilled after the later one
        result = dg.materialize(ASSETS, partition_key=day.isoformat(), resources=resources)
        assert result.success

    store = StagingStore(staging_url)
    before, since = _cash_debits(store, BEFORE), _cash_debits(store, SINCE)
    assert set(before) == {ACCOUNT_PETTY_CASH} and before[ACCOUNT_PETTY_CASH] > 0
    assert set(since) == {ACCOUNT_CASH} and since[ACCOUNT_CASH] > 0

    # Jurnal's invoices were paid into the same accounts: each day's cash invoices name them
    invoices = list(jurnal.client().iter_list("sales_invoices", "sales_invoices"))
    t = tables.outbox
    with store.engine.connect() as conn:
        days = dict(
            conn.execute(
                sa.select(t.c.jurnal_id, t.c.business_date).where(
                    t.c.doc_type == "sales_invoice", t.c.jurnal_id.is_not(None)
                )
            ).all()
        )
    deposited: dict[date, set[str]] = {}
    for invoice in invoices:
        account = (invoice.get("deposit_to") or {}).get("name")
        if account in (ACCOUNT_CASH, ACCOUNT_PETTY_CASH) and invoice["id"] in days:
            deposited.setdefault(days[invoice["id"]], set()).add(account)
    assert deposited == {BEFORE: {ACCOUNT_PETTY_CASH}, SINCE: {ACCOUNT_CASH}}


def _gopay_settlements(store: StagingStore, day: date) -> list[tuple[int, int, date]]:
    """(takings, MDR, expected date) of the day's GoPay rows of the reconciliation."""
    t = tables.cash_bank_reconciliation
    query = sa.select(t.c.takings, t.c.mdr, t.c.expected_date).where(
        t.c.business_date == day, t.c.payment_method == "GoPay", t.c.row_kind == "settlement"
    )
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_each_days_settlements_follow_the_rule_of_its_time(sandboxes, tmp_path) -> None:
    iseller_env, jurnal = sandboxes
    staging_url = f"sqlite:///{tmp_path / 'staging.db'}"
    resources = sandbox_resources(staging_url, _with_history(tmp_path), iseller_env, jurnal.env)
    for day in (SINCE, BEFORE):
        result = dg.materialize(SETTLING, partition_key=day.isoformat(), resources=resources)
        assert result.success

    store = StagingStore(staging_url)
    for day, percent, lag in ((BEFORE, Decimal("1.5"), 3), (SINCE, Decimal("0.7"), 2)):
        rows = _gopay_settlements(store, day)
        assert rows, f"no GoPay takings on {day}"
        for takings, mdr, expected_date in rows:
            # each payment's fee rounded half-up: within a rupiah a payment of the rate
            assert abs(mdr - takings * percent / 100) <= 6
            assert (expected_date - day).days >= lag
        # and the fees the journal booked for the day (Cr GoPay's clearing) are the same
        t = tables.journal_lines
        with store.engine.connect() as conn:
            booked = conn.execute(
                sa.select(sa.func.sum(t.c.credit)).where(
                    t.c.business_date == day,
                    t.c.account_role == "payment:GoPay",
                    t.c.source_id.like("mdr:%"),
                )
            ).scalar()
        assert booked == sum(mdr for _, mdr, _ in rows)
