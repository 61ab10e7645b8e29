"""Every reversal of an order leaves the MDR of its payments standing, a correction's as a
rollback's, and Jurnal agrees with the journal account by account (docs/posting-model.md,
"Corrections after posting"). Per-order mode, against the emulators: a JKT sale of the first
day paid by a method with a fee is sold twice the quantity in iSeller on the last day
(`test_summary_corrections`), that day run again; then the first day's outlet-day is rolled
back and posted again through the command line.

The bank kept the fee whatever became of the order: Jurnal's fee entry ``<invoice no>/F``
stands, the order's new revision books no fee and a repost books none again, so the reversal
leaves the fee out (its journal entry ``/CJ`` credits the clearing account what was paid, none
of it through the rounding account) and the MDR account holds the same in both books."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from journal_pipeline.accounting.documents import PAYMENT_FEE
from journal_pipeline.cli import main
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import CONFIG
from journal_pipeline_tests.e2e.test_dialects_week import _by_account
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
    _ties_out(week, DAYS)


def _journal_mdr(week) -> Decimal:
    """The MDR expense in the canonical journal over the days."""
    return _by_account([week.store.read_journal(day) for day in DAYS]).get(MDR, Decimal(0))


def _posted_fees(week, day: date) -> list[str]:
    docs = Outbox(week.store).documents(day)
    fees = docs[(docs["doc_type"] == PAYMENT_FEE) & (docs["outlet_code"] == "JKT")]
    assert set(fees["status"]) == {"posted"}, fees[["transaction_no", "status"]]
    return sorted(fees["transaction_no"])


def _cli(week, command: str, day: date) -> None:
    done = CliRunner().invoke(
        main,
        [command, "--date", day.isoformat(), "--outlet", "JKT", "--yes"],
        env=_cli_env(week),
    )
    assert done.exit_code == 0, done.output


def test_a_rollback_and_repost_leave_the_mdr_standing(corrected):
    """Rolling back the first day at JKT reverses its live invoices and leaves their fees: the
    journal's MDR expense does not move, Jurnal's equals it, the rounding account in Jurnal
    moves within a rupiah; the repost books no fee again."""
    week = corrected
    day: date = DAYS[0]
    before = _gaps(week)
    mdr = _journal_mdr(week)
    fees = _posted_fees(week, day)
    assert mdr > 0 and fees, "the first day's JKT payments bear no fee"
    assert before.get(MDR, Decimal(0)) == 0

    _cli(week, "rollback", day)
    journal = week.store.read_journal(day)
    undone = journal[
        journal["entry_id"].astype(str).str.startswith("reverse:")
        & (journal["outlet_code"] == "JKT")
    ]
    assert len(undone), "the rollback reversed nothing"
    assert MDR not in set(undone["account_name"]), "the rollback reversed a fee"
    after = _gaps(week)
    assert _journal_mdr(week) == mdr and after.get(MDR, Decimal(0)) == 0
    moved = after.get(ROUNDING, Decimal(0)) - before.get(ROUNDING, Decimal(0))
    assert abs(moved) <= 1, f"the rounding account in Jurnal moved {moved} from the journal"
    assert _posted_fees(week, day) == fees
    _ties_out(week, DAYS)

    _cli(week, "repost", day)
    reposted = _gaps(week)
    assert _journal_mdr(week) == mdr and reposted.get(MDR, Decimal(0)) == 0
    moved = reposted.get(ROUNDING, Decimal(0)) - before.get(ROUNDING, Decimal(0))
    assert abs(moved) <= 1, f"the rounding account in Jurnal moved {moved} from the journal"
    assert _posted_fees(week, day) == fees  # none booked again
    _ties_out(week, DAYS)
