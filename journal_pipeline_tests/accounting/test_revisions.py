"""Worked examples of the correction rules on their own (`accounting/revisions.py`,
`accounting/revision_money.py`): keys and numbers of a revision, the reversal of what was
booked, what counts as a change; the amounts are those of `orders.retail_order`, by hand."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from journal_pipeline.accounting import revisions as rules
from journal_pipeline.accounting.day_sales import (
    dated_payments,
    records_by_order,
    with_business_dates,
)
from journal_pipeline.accounting.revision_money import event_day, later_payment_ids
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
from journal_pipeline_tests.accounting.orders import retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
SOLD = date(2026, 11, 20)
CHANGED = date(2026, 11, 22)
TOTAL = 187_702  # 169,100 + PPN 18,602, paid in cash


def _view(raw: dict):
    frames = order_frames([raw])
    dated = with_business_dates(frames.orders, CONFIG)
    order = next(dated.itertuples(index=False))
    lines = records_by_order(frames.lines)[order.order_id]
    payments = list(dated_payments(frames, dated, CONFIG).itertuples(index=False))
    return order, lines, payments


def _revision(raw: dict, revision: int, replaces: str | None = None):
    order, lines, payments = _view(raw)
    return rules.revision_sale(order, lines, payments, CONFIG, CHANGED, revision, replaces=replaces)


def test_revision_keys_and_numbers():
    made = _revision(retail_order(), 1, replaces="ISL/JKT-000101")
    assert isinstance(made, rules.Booked)
    invoice = made.documents[0]
    assert invoice.doc_key == "sales_invoice:11111111-1111-1111-1111-111111111111/1"
    assert invoice.transaction_no == "ISL/JKT-000101.1"
    body = invoice.payload["sales_invoice"]
    assert body["custom_id"] == "11111111-1111-1111-1111-111111111111/1"
    assert body["transaction_date"] == body["due_date"] == "2026-11-22"
    assert "replaces invoice ISL/JKT-000101" in body["memo"]
    assert "ISL/JKT-000101/C and ISL/JKT-000101/CJ" in body["memo"]
    assert {r["entry_id"] for r in made.lines} == {
        "sale:11111111-1111-1111-1111-111111111111/1",
        "cogs:11111111-1111-1111-1111-111111111111/1",
    }
    assert sum(r["debit"] for r in made.lines) == sum(r["credit"] for r in made.lines)
    # the sale itself is revision 0's: Dr cash 187,702 + discount 7,650 + 1,250 excl. tax
    cash = [r for r in made.lines if r["account_role"].startswith("payment:")]
    assert [(r["debit"], r["credit"]) for r in cash] == [(TOTAL, 0)]
    assert rules.reversal_numbers("ISL/JKT-000101.1") == (
        "ISL/JKT-000101.1/C",
        "ISL/JKT-000101.1/CJ",
    )


def test_revision_zero_keeps_the_sales_keys():
    made = _revision(retail_order(), 0)
    assert isinstance(made, rules.Booked)
    assert made.documents[0].transaction_no == "ISL/JKT-000101"
    assert made.documents[0].custom_id == "11111111-1111-1111-1111-111111111111"


def test_the_reversal_undoes_the_net_of_what_was_booked():
    first = _revision(retail_order(), 0)
    assert isinstance(first, rules.Booked)
    invoice = first.documents[0].payload["sales_invoice"]
    # one unit of the Kopi line (invoice line 0) was returned already by a refund
    posted = rules.PostedRevision(
        order_id="11111111-1111-1111-1111-111111111111",
        revision=0,
        order_reference="#JKT-000101",
        outlet_code="JKT",
        invoice=invoice,
        returned={0: Decimal(1)},
        journal=first.lines,
    )
    undone = rules.reversal(posted, CONFIG, CHANGED, reason="test", replaced_by="ISL/JKT-000101.1")
    net: dict[str, int] = {}
    for row in first.lines:
        net[row["account_name"]] = net.get(row["account_name"], 0) + row["debit"] - row["credit"]
    back = {r["account_name"]: r["debit"] - r["credit"] for r in undone.lines}
    # every account undone, the goods' revenue on Retur Penjualan: Jurnal books the sales
    # return there, as for a refund
    sales = net.pop("Penjualan")
    assert sales < 0 and back.pop("Retur Penjualan") == -sales
    assert back == {a: -n for a, n in net.items() if n}
    assert {r["entry_id"] for r in undone.lines} == {"reverse:11111111-1111-1111-1111-111111111111"}
    kinds = {d.doc_type: d for d in undone.documents}
    assert kinds["sales_return"].transaction_no == "ISL/JKT-000101/C"
    assert kinds["journal_entry"].transaction_no == "ISL/JKT-000101/CJ"
    returned = kinds["sales_return"].payload["sales_return"]["transaction_return_lines_attributes"]
    # what the refund returned is not returned again: 1 Kopi left, 1 Teh
    assert [(r["invoice_line_index"], r["return_quantity"]) for r in returned] == [(0, 1), (1, 1)]
    entry = kinds["journal_entry"].payload["journal_entry"]["transaction_account_lines_attributes"]
    assert sum(Decimal(str(ln.get("debit", 0))) for ln in entry) == sum(
        Decimal(str(ln.get("credit", 0))) for ln in entry
    )
    cash = CONFIG.payment_account("Cash", "cash", "JKT")
    assert [Decimal(str(ln["credit"])) for ln in entry if ln["account_name"] == cash] == [TOTAL]
    memo = kinds["sales_return"].payload["sales_return"]["memo"]
    assert "replaced by invoice ISL/JKT-000101.1" in memo


def test_what_counts_as_a_change():
    order, lines, payments = _view(retail_order())
    before = rules.fingerprint(order, lines, payments, CONFIG, SOLD)
    assert before == rules.fingerprint(order, lines, payments, CONFIG, SOLD)
    assert before != rules.fingerprint(order, lines, payments, CONFIG, CHANGED)
    moved = {**retail_order(), "outlet_code": "BDG"}
    assert before != rules.fingerprint(*_view(moved), CONFIG, SOLD)
    voided = _view({**retail_order(), "status": "void"})
    assert rules.fingerprint(*voided, CONFIG, SOLD) == "JKT|2026-11-20|void"
    # a note or a modified date alone is no change
    noted = {**retail_order(), "modified_date": "2026-11-22 03:00:00", "notes": "x"}
    assert before == rules.fingerprint(*_view(noted), CONFIG, SOLD)


def test_comparable_leaves_out_keys_dates_and_memos():
    one = _revision(retail_order(), 1, replaces="ISL/JKT-000101")
    two = _revision(retail_order(), 2, replaces="ISL/JKT-000101.1")
    assert isinstance(one, rules.Booked) and isinstance(two, rules.Booked)
    assert rules.comparable(one.documents) == rules.comparable(two.documents)
    renamed = copy.deepcopy(retail_order())
    renamed["order_details"][0]["product_name"] = "Kopi Robusta 250g"
    other = _revision(renamed, 2)
    assert isinstance(other, rules.Booked)
    assert rules.comparable(other.documents) != rules.comparable(one.documents)


def _paid_later(invoice: dict, account: str = "Kas", amount: object = TOTAL) -> list[dict]:
    """``invoice`` as posted for an order paid after its sale: no deposit, and a receive
    payment of its own on a later day."""
    unpaid = {k: v for k, v in invoice.items() if k not in ("deposit", "deposit_to_name")}
    payment = {
        "transaction_date": "2026-11-24",
        "transaction_no": "ISL/JKT-000101/P1",
        "deposit_to_name": account,
        "payment_method_name": "Cash",
        "records_attributes": [{"transaction_no": invoice["transaction_no"], "amount": amount}],
    }
    return [{"sales_invoice": unpaid}, {"receive_payment": payment}]


def test_an_order_paid_later_books_the_same_as_the_same_order_paid_at_its_sale():
    made = _revision(retail_order(), 1, replaces="ISL/JKT-000101")
    assert isinstance(made, rules.Booked)
    invoice = made.documents[0].payload["sales_invoice"]
    assert invoice["deposit_to_name"] == "Kas" and invoice["deposit"] == TOTAL
    posted = _paid_later(invoice, amount=f"{TOTAL}.0")  # as Jurnal may write the amount
    assert rules.comparable(made.documents) != rules.comparable(posted)
    assert rules.same_booking(made.documents, posted)
    # paid into another account, or another amount, or other lines: not the same
    assert not rules.same_booking(made.documents, _paid_later(invoice, account="Kas Kecil"))
    assert not rules.same_booking(made.documents, _paid_later(invoice, amount=TOTAL - 1))
    renamed = copy.deepcopy(retail_order())
    renamed["order_details"][0]["product_name"] = "Kopi Robusta 250g"
    other = _revision(renamed, 1)
    assert isinstance(other, rules.Booked)
    assert not rules.same_booking(other.documents, posted)


def test_documents_and_lines_survive_json():
    made = _revision(retail_order(), 1)
    assert isinstance(made, rules.Booked)
    doc = made.documents[0]
    assert rules.document_from_json(rules.document_json(doc)) == doc
    row = made.lines[0]
    assert rules.line_from_json(rules.line_json(row)) == row


def test_events_after_a_revision_are_dated_no_earlier_than_it():
    assert event_day(date(2026, 11, 21), CHANGED) == CHANGED
    assert event_day(date(2026, 11, 23), CHANGED) == date(2026, 11, 23)
    assert event_day(None, CHANGED) == CHANGED
    pays = [
        SimpleNamespace(transaction_id="t1", type="sale", status="success"),
        SimpleNamespace(transaction_id="t2", type="sale", status="success"),
        SimpleNamespace(transaction_id="t3", type="sale", status="failed"),
        SimpleNamespace(transaction_id="r1", type="refund", status="success"),
    ]
    assert later_payment_ids(pays, ["t1"]) == ["t2"]


def test_a_reversal_pays_a_gift_card_back_by_its_entry_not_its_return():
    """The card's line is left out of the `/C` return (which account Jurnal's return books a
    line on is not documented, J-49); the `/CJ` entry debits the liability as booked. Known
    by its product type as posted, whatever its SKU."""
    raw = untaxed_order("gc-rev", payments=[payment("t1", "Cash", "cash", 200_000)])
    (coffee,) = raw["order_details"]
    card = coffee | {
        "order_detail_id": "gc-rev-d2",
        "sku": "VOUCHER-X",
        "product_type": "Gift Card",
    }
    raw["order_details"] = [coffee, card | {"product_name": "Voucher 100K"}]
    for field in ("total_order_amount", "subtotal", "total_amount"):
        raw[field] = Decimal(200_000)
    first = _revision(raw, 0)
    assert isinstance(first, rules.Booked)
    posted = rules.PostedRevision(
        order_id="gc-rev",
        revision=0,
        order_reference="#JKT-gc-rev",
        outlet_code="JKT",
        invoice=first.documents[0].payload["sales_invoice"],
        returned={},
        journal=first.lines,
        product_types={"VOUCHER-X": "Gift Card"},
    )
    undone = rules.reversal(posted, CONFIG, CHANGED, reason="test", replaced_by=None)
    kinds = {d.doc_type: d.payload[d.doc_type] for d in undone.documents}
    returned = kinds["sales_return"]["transaction_return_lines_attributes"]
    assert [(r["invoice_line_index"], r["product_code"]) for r in returned] == [(0, "KOP-001")]
    entry = {
        ln["account_name"]: (str(ln.get("debit", 0)), str(ln.get("credit", 0)))
        for ln in kinds["journal_entry"]["transaction_account_lines_attributes"]
    }
    assert entry == {
        "Piutang Usaha": ("100000", "0"),
        "Hutang Gift Card": ("100000", "0"),
        "Kas": ("0", "200000"),
    }
    back = {r["account_name"]: r["debit"] - r["credit"] for r in undone.lines}
    assert back == {"Hutang Gift Card": 100_000, "Retur Penjualan": 100_000, "Kas": -200_000}
