"""A correction leaves the MDR of the order's payment standing, a rollback reverses it, and
Jurnal agrees with the journal account by account (docs/posting-model.md, "Corrections after
posting"). Per-order mode, against the emulators: a JKT sale of the first day paid by a method
with a fee is sold twice the quantity in iSeller on the last day (`test_summary_corrections`),
that day run again; then the first day's outlet-day is rolled back through the command line.

The bank kept the fee whatever became of the order's lines: Jurnal's fee entry ``<invoice
no>/F`` stands and the order's new revision books no fee, so the correction's reversal leaves
the fee out (its journal entry ``/CJ`` credits the clearing account what was paid, none of it
through the rounding account). A rollback undoes the outlet-day with its fees: the journal
reverses them and the entry ``/CJ`` takes them back from the MDR account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from journal_pipeline.accounting.documents import PAYMENT_FEE
from journal_pipeline.accounting.revisions import REVERSED_MONEY
from journal_pipeline.cli import main
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import CONFIG
from journal_pipeline_tests.e2e.test_rollback_repost import _cli_env, _ties_out
from journal_pipeline_tests.e2e.test_summary_corrections import (
    DAYS,
    _corrected,
    _gaps,
    _records,
    fees_stand,
)
from journal_sandbox.defaults import DEMO_CONFIG

pytestmark = pytest.mark.e2e

MDR = CONFIG.account("payment_fees", "JKT")
ROUNDING = CONFIG.account("rounding", "JKT")


@pytest.fixture(scope="module")
def corrected(tmp_path_factory):
    with _corrected(tmp_path_factory.mktemp("per_order"), DEMO_CONFIG) as week:
        yield week


def _fee(week) -> int:
    """The MDR posted for the corrected order's payment (its entry ``<invoice no>/F``)."""
    docs = Outbox(week.store).documents(DAYS[0])
    fees = docs[
        (docs["doc_type"] == PAYMENT_FEE)
        & (docs["source_reference"] == week.order["order_reference"])
    ]
    assert list(fees["status"]) == ["posted"], "the order's payment bears no fee"
    assert list(fees["transaction_no"]) == [f"{week.number}/F"]
    return int(fees["expected_total"].iloc[0])


def test_a_correction_leaves_the_orders_mdr_standing(corrected):
    week = corrected
    fee = _fee(week)
    assert fee > 0
    invoices = {i["custom_id"] for i in _records(week.jurnal.client(), "sales_invoices")}
    assert f"{week.order['order_id']}/1" in invoices, "the correction is not made"
    fees_stand(week)
    # the journal keeps the fee on the MDR account: the reversal takes none of it back
    journal = week.store.read_journal(DAYS[2])
    reversal = journal[journal["entry_id"] == f"reverse:{week.order['order_id']}"]
    assert len(reversal) and MDR not in set(reversal["account_name"])
    assert not journal["entry_id"].astype(str).str.startswith(REVERSED_MONEY).any()
    _ties_out(week, DAYS)


def test_a_rollback_reverses_the_mdr_from_its_own_account(corrected):
    """Rolling back the first day at JKT reverses its live invoices with their fees: the MDR
    account in Jurnal moves as in the journal, the rounding account within a rupiah."""
    week = corrected
    day: date = DAYS[0]
    before = _gaps(week)
    journal = week.store.read_journal(day)
    done = CliRunner().invoke(
        main,
        ["rollback", "--date", day.isoformat(), "--outlet", "JKT", "--yes"],
        env=_cli_env(week),
    )
    assert done.exit_code == 0, done.output
    after = _gaps(week)
    journal = week.store.read_journal(day)
    undone = journal[journal["entry_id"].astype(str).str.startswith(REVERSED_MONEY)]
    taken = int(undone["credit"][undone["account_name"] == MDR].sum())
    assert taken > 0, "the rollback reversed no fee"
    assert after.get(MDR, Decimal(0)) == before.get(MDR, Decimal(0)) == 0
    moved = after.get(ROUNDING, Decimal(0)) - before.get(ROUNDING, Decimal(0))
    assert abs(moved) <= 1, f"the rounding account in Jurnal moved {moved} from the journal"
    _ties_out(week, DAYS)
