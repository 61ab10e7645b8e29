"""The reversal of a revision and the MDR booked apart against its payment
(`accounting/revisions.py`, `accounting/mdr.py`): every reversal, a correction's as a
rollback's, leaves the fee standing in the journal and in Jurnal (its ``/CJ`` entry takes none
of it back, through the MDR account or the rounding); each balances. The order is
`orders.restaurant_order` (Rp 127,050 by QRIS at Bali Seminyak); iSeller Pay reports its MDR of
0.7%: 889.35, rounded to Rp 889."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting import mdr, posting_rules
from journal_pipeline.accounting import revisions as rules
from journal_pipeline.accounting.day_sales import (
    dated_payments,
    records_by_order,
    with_business_dates,
)
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.orders import restaurant_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
SOLD = date(2026, 11, 20)
CHANGED = date(2026, 11, 22)
PAID, FEE = 127_050, 889
ORDER_ID = "22222222-2222-2222-2222-222222222222"
MDR = CONFIG.account("payment_fees", "DPS")
QRIS = CONFIG.payment_account("QRIS", "iseller_pay", "DPS")
ROUNDING = CONFIG.account("rounding", "DPS")


def _view() -> tuple[Any, list[Any], list[Any]]:
    frames = order_frames([restaurant_order()])
    dated = with_business_dates(frames.orders, CONFIG)
    order = next(dated.itertuples(index=False))
    lines = records_by_order(frames.lines)[ORDER_ID]
    payments = list(dated_payments(frames, dated, CONFIG).itertuples(index=False))
    return order, lines, payments


def _sale(revision: int, day: date) -> rules.Booked:
    order, lines, payments = _view()
    made = rules.revision_sale(order, lines, payments, CONFIG, day, revision)
    assert isinstance(made, rules.Booked), made
    return made


def _fee_lines() -> list[dict[str, Any]]:
    _, _, payments = _view()
    pays = posting_rules.payments_at_sale(payments, SOLD)
    entries = mdr.payment_entries([(p, "ISL/DPS-000042") for p in pays], {"t2": FEE}, CONFIG, SOLD)
    assert entries.holds == []
    return entries.lines


def _posted(booked: rules.Booked, revision: int, journal: list[dict[str, Any]]):
    invoice = next(d for d in booked.documents if d.doc_type == "sales_invoice")
    return rules.PostedRevision(
        order_id=ORDER_ID,
        revision=revision,
        order_reference="#DPS-000042",
        outlet_code="DPS",
        invoice=invoice.payload["sales_invoice"],
        returned={},
        journal=journal,
    )


def _reverse(posted: rules.PostedRevision) -> rules.Booked:
    return rules.reversal(posted, CONFIG, CHANGED, reason="test", replaced_by=None)


def _net(lines: list[dict[str, Any]]) -> dict[str, int]:
    net: dict[str, int] = {}
    for row in lines:
        account = str(row["account_name"])
        net[account] = net.get(account, 0) + int(row["debit"]) - int(row["credit"])
    return {a: n for a, n in net.items() if n}


def _entry(booked: rules.Booked) -> dict[str, Decimal]:
    """The reversal's journal entry ``/CJ`` per account, debit positive."""
    (doc,) = [d for d in booked.documents if d.doc_type == "journal_entry"]
    amounts: dict[str, Decimal] = {}
    for line in doc.payload["journal_entry"]["transaction_account_lines_attributes"]:
        moved = Decimal(str(line.get("debit", 0))) - Decimal(str(line.get("credit", 0)))
        amounts[line["account_name"]] = amounts.get(line["account_name"], Decimal(0)) + moved
    assert sum(amounts.values()) == 0  # debits == credits
    return amounts


def _balances(lines: list[dict[str, Any]]) -> None:
    for entry in {str(r["entry_id"]) for r in lines}:
        rows = [r for r in lines if r["entry_id"] == entry]
        assert sum(r["debit"] for r in rows) == sum(r["credit"] for r in rows), entry


def test_the_fee_is_as_worked_out():
    assert MDR and QRIS and ROUNDING
    assert _net(_fee_lines()) == {MDR: FEE, QRIS: -FEE}


def test_a_reversal_leaves_the_fee_standing():
    """The order's revision reversed, by a correction or a rollback of its outlet-day alike."""
    sale = _sale(0, SOLD)
    booked = [*sale.lines, *_fee_lines()]
    undone = _reverse(_posted(sale, 0, booked))
    _balances(undone.lines)
    assert {r["entry_id"] for r in undone.lines} == {f"reverse:{ORDER_ID}"}
    # the clearing account is reversed as paid; nothing is taken from the MDR account
    assert _net(undone.lines)[QRIS] == -PAID
    assert MDR not in _net(undone.lines)
    # after the reversal the journal holds the fee and nothing else of the order but the
    # goods' revenue moved onto the sales return account: the clearing account keeps the fee
    # credited, as the bank deposited the payment less it
    left = _net([*booked, *undone.lines])
    assert left.pop(MDR) == FEE and left.pop(QRIS) == -FEE
    assert set(left) <= {CONFIG.account("sales", "DPS"), CONFIG.account("sales_return", "DPS")}
    # in Jurnal likewise: the entry credits QRIS what was paid, no MDR, none of it on rounding
    entry = _entry(undone)
    assert entry[QRIS] == -PAID and MDR not in entry
    assert abs(entry.get(ROUNDING, Decimal(0))) < 1  # the cents of the tax, not the fee


def test_a_rollback_and_repost_book_the_fee_once():
    """The rollback leaves the fee; the repost books the order again as revision 1 without it
    (the fee build finds its entry posted and unchanged): the journal then holds the fee once,
    the clearing account what the bank deposits."""
    sale = _sale(0, SOLD)
    fees = _fee_lines()
    rolled = _reverse(_posted(sale, 0, [*sale.lines, *fees]))
    again = _sale(1, CHANGED)
    assert not any(rules.is_payment_entry(r) for r in [*rolled.lines, *again.lines])
    left = _net([*sale.lines, *fees, *rolled.lines, *again.lines])
    assert left[MDR] == FEE and left[QRIS] == PAID - FEE


def test_a_correction_after_a_rollback_and_repost_leaves_the_fee_standing():
    """A change of the order after the rollback and repost reverses revision 1 and touches the
    MDR in neither book: the fee the first revision's payment bore stays once."""
    sale = _sale(0, SOLD)
    fees = _fee_lines()
    rolled = _reverse(_posted(sale, 0, [*sale.lines, *fees]))
    again = _sale(1, CHANGED)
    booked = [*sale.lines, *fees, *rolled.lines, *again.lines]
    undone = _reverse(_posted(again, 1, booked))
    _balances(undone.lines)
    assert MDR not in _net(undone.lines) and _net(undone.lines)[QRIS] == -PAID
    entry = _entry(undone)
    assert MDR not in entry and entry[QRIS] == -PAID
    left = _net([*booked, *undone.lines])
    assert left[MDR] == FEE and left[QRIS] == -FEE
