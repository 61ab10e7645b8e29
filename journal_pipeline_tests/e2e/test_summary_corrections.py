"""A correction of an order carried by a daily summary: the order is changed in the iSeller
sandbox two days after its summary was posted, and the day of the change is run again through
the Dagster assets. The summary invoice stays as posted; the reversal is a sales return against
the summary invoice's line (and its journal entry); the order as it is now is its own invoice
``<invoice no>.1``; a further run posts nothing; Jurnal's trial balance equals the canonical
journal, and the canonical journal equals that of the same correction in per-order mode."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dagster as dg
import pytest

from journal_pipeline.accounting.documents import SALES_RETURN
from journal_pipeline.sync import summary_members
from journal_pipeline.sync.order_marks import ORDERS_MARK
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import ASSETS, CONFIG, synced_demo_week
from journal_pipeline_tests.e2e.test_after_revision import partly_refunded
from journal_pipeline_tests.e2e.test_changed_after_posting import _simple_sales
from journal_pipeline_tests.e2e.test_daily_summary_week import _canonical, _config, _payload
from journal_pipeline_tests.e2e.test_dialects_week import _by_account, _trial_balance
from journal_pipeline_tests.e2e.test_rollback_repost import _ties_out
from journal_sandbox.defaults import DEMO_CONFIG

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # every day below is over
DAYS = [date(2026, 11, 17) + timedelta(days=n) for n in range(3)]
REFUNDED_AT = "2026-11-18 16:30:00"  # UTC: 23:30 on DAYS[1] in Jakarta
CHANGED_AT = "2026-11-19 16:30:00"  # UTC: 23:30 on DAYS[2] in Jakarta, after its sales
RESOURCES = ("sales_invoices", "sales_returns", "journal_entries", "receive_payments")
# what a line's quantity scales (a one-line order without order discount, charge or rounding)
LINE_MONEY = ("total_order_amount", "discount_amount", "subtotal", "tax_amount")
ORDER_MONEY = (
    "subtotal",
    "total_order_amount",
    "total_discount_amount",
    "total_tax_amount",
    "total_amount",
    "buying_price",
)


def _plain(order: dict) -> bool:
    """One line, and nothing at order level that its quantity would not scale."""
    flat = ("rounding_amount", "total_shipping_amount", "total_additional_final_amount")
    scaled = not order.get("discounts") and not any(Decimal(str(order[k])) for k in flat)
    return len(order["order_details"]) == 1 and scaled


def _twice_the_quantity(body: dict[str, Any]) -> dict[str, Any]:
    """The order with its line's quantity doubled, every amount and its payment with it."""
    changed = copy.deepcopy(body)
    line = changed["order_details"][0]
    line["quantity"] = 2 * line["quantity"]
    for key in LINE_MONEY:
        line[key] = 2 * line[key]
    for part in line.get("discounts") or []:
        part["discount_amount"] = 2 * part["discount_amount"]
    for part in line.get("cogs") or []:
        part["quantity"] = 2 * part["quantity"]
    for part in line.get("units_used") or []:
        part["stock"] = 2 * part["stock"]
    for key in ORDER_MONEY:
        changed[key] = 2 * changed[key]
    for payment in changed["transactions"]:
        payment["amount"] = 2 * payment["amount"]
        for fee in payment.get("mdr") or []:
            fee.update({k: 2 * v for k, v in fee.items()})
    changed["modified_date"] = CHANGED_AT
    return changed


def _change_in_iseller(
    iseller, order_id: str, change: Callable[[dict], dict], refunds: list[dict] | None = None
) -> dict[str, Any]:
    """Edit the order where iSeller keeps it (its GetOrders and GetTransactions answers);
    ``refunds``: its refund entries, as filled by ``change``."""
    (stored,) = iseller.query_db("SELECT body FROM orders WHERE order_id = ?", [order_id])
    body = change(json.loads(stored[0]))
    iseller.query_db(
        "UPDATE orders SET body = ?, modified_date = ?, refunds = COALESCE(?, refunds) "
        "WHERE order_id = ?",
        [_json(body), body["modified_date"], refunds and _json(refunds), order_id],
    )
    for payment in body["transactions"]:
        iseller.query_db(
            "INSERT OR REPLACE INTO transactions VALUES (?, ?, ?, ?, ?)",
            [
                payment["transaction_id"],
                order_id,
                body["outlet_id"],
                payment["transaction_date"],
                _json(payment),
            ],
        )
    return body


def _json(value: Any) -> str:
    return json.dumps(value, default=float)  # as iSeller keeps amounts


def _run(week, day: date) -> None:
    """The day's assets with a full fetch of its orders: the sandbox's clock stands still, so
    an edit stamped in its past lies below the day's incremental mark (`order_marks`) and is
    picked up by the next full fetch, as one is made every few hours."""
    week.store.clear_mark(ORDERS_MARK, day.isoformat())
    result = dg.materialize(ASSETS, partition_key=day.isoformat(), resources=week.resources)
    assert result.success, day


def _reversal_return(store, frame, order_id: str, number: str) -> tuple[str, dict[str, Any]]:
    """The doc key and body of the sales return carrying the order's reversal: its own
    (``<order id>/C``, numbered ``<invoice no>/C`` as the revision's memo says), never the
    day's merged return of refunds."""
    own = f"sales_return:{order_id}/C"
    assert own in frame.index, f"no sales return of its own carries the reversal {number}/C"
    assert frame.loc[own, "transaction_no"] == f"{number}/C"
    return own, _payload(store, own)[SALES_RETURN]


def _lines(invoice: dict) -> list[tuple]:
    """An invoice's lines as sold (Jurnal marks a returned line and shows the stock left)."""
    keys = ("id", "description", "quantity", "rate", "discount", "amount", "line_tax_amount")
    return [tuple(line.get(k) for k in keys) for line in invoice["transaction_lines_attributes"]]


def _records(client, resource: str) -> list[dict]:
    return list(client.iter_list(resource, resource))


@contextmanager
def _corrected(base: Path, config: Path) -> Iterator[SimpleNamespace]:
    """The demo days posted under ``config``; then the first plain JKT sale of the first day
    sold twice the quantity, changed in iSeller on the last day, and that day run again."""
    with synced_demo_week(
        base, DAYS, orders_per_outlet_per_day=8, now=FIXED_NOW, config=config
    ) as week:
        week.order = next(o for o in _simple_sales(week.store, ("JKT",)) if _plain(o))
        week.number = f"ISL/{week.order['order_reference'].lstrip('#')}"
        week.before = {r: _records(week.jurnal.client(), r) for r in RESOURCES}
        week.gaps_before = _gaps(week)
        week.changed = _change_in_iseller(week.iseller, week.order["order_id"], _twice_the_quantity)
        _run(week, DAYS[2])
        yield week


def _gaps(week) -> dict[str, Decimal]:
    """Per account, Jurnal's trial balance over DAYS less the canonical journal's."""
    ours = _by_account([week.store.read_journal(day) for day in DAYS])
    theirs = _trial_balance(week.jurnal.client(), DAYS[0], DAYS[-1])
    return {a: theirs.get(a, Decimal(0)) - ours.get(a, Decimal(0)) for a in {*ours, *theirs}}


@pytest.fixture(scope="module")
def corrected_summary(tmp_path_factory):
    base = tmp_path_factory.mktemp("summary")
    with _corrected(base, _config(base, "summary.yaml", "daily_summary", DAYS[0])) as week:
        yield week


def test_a_corrected_summarised_order_leaves_its_summary_as_posted(corrected_summary, tmp_path):
    week = corrected_summary
    store, client = week.store, week.jurnal.client()
    order_id, number = week.order["order_id"], week.number
    member = summary_members.members_by_invoice_no(store.engine, [number])[number]
    (spot,) = member.line_map
    assert spot is not None and member.business_date == DAYS[0]
    summary_no, line_index = spot

    frame = Outbox(store).documents(DAYS[2]).set_index("doc_key")
    key = f"sales_invoice:{order_id}/1"
    assert key in frame.index, f"{key} not queued on {DAYS[2]}"
    assert frame.loc[key, "status"] == "posted", frame.loc[key, "reason"]
    # the revision is its own invoice, with its own keys and the order's new total
    assert frame.loc[key, "transaction_no"] == f"{number}.1"
    invoices = {i["custom_id"]: i for i in _records(client, "sales_invoices")}
    revision = invoices[f"{order_id}/1"]
    assert revision["transaction_no"] == f"{number}.1"
    assert Decimal(str(revision["original_amount"])) == Decimal(str(week.changed["total_amount"]))
    assert number in revision["memo"] and f"{number}/C" in revision["memo"]
    # the reversal returns the order's units from the summary invoice's line that took them
    key, back = _reversal_return(store, frame, order_id, number)
    for doc_key in (key, key.replace("sales_return:", "journal_entry:", 1)):
        assert frame.loc[doc_key, "status"] == "posted", (doc_key, frame.loc[doc_key, "reason"])
    assert back["invoice_no"] == summary_no
    units = Decimal(str(week.order["order_details"][0]["quantity"]))
    lines = {
        int(ln["invoice_line_index"]): Decimal(str(ln["return_quantity"]))
        for ln in back["transaction_return_lines_attributes"]
    }
    assert lines.get(line_index, Decimal(0)) >= units
    returned = next(
        r
        for r in _records(client, "sales_returns")
        if r["transaction_no"] == frame.loc[key, "transaction_no"]
    )
    assert returned["invoice_no"] == summary_no
    # the summary invoice is the same document with the same lines and total
    before = {i["custom_id"]: i for i in week.before["sales_invoices"]}
    summary = next(i for i in before.values() if i["transaction_no"] == summary_no)
    after = invoices[summary["custom_id"]]
    for field in ("id", "transaction_date", "original_amount", "memo"):
        assert after[field] == summary[field], field
    assert _lines(after) == _lines(summary)
    _ties_out(week, DAYS)

    # exactly once: a further run of the day, and of the first day, posts nothing new
    counts = {r: len(_records(client, r)) for r in RESOURCES}
    assert counts["sales_invoices"] == len(week.before["sales_invoices"]) + 1
    for day in (DAYS[2], DAYS[0]):
        _run(week, day)
    assert counts == {r: len(_records(client, r)) for r in RESOURCES}
    _ties_out(week, DAYS)
    canonical = {day: _canonical(store, day) for day in DAYS}

    # the same correction in per-order mode books the same revenue, tax and receivables
    with _corrected(tmp_path / "per_order", DEMO_CONFIG) as per_order:
        assert per_order.order["order_id"] == order_id
        for day in DAYS:
            assert _canonical(per_order.store, day) == canonical[day], day


def test_the_correction_moves_no_tax_between_accounts(corrected_summary):
    """What the reversal's return and its entry take back from the tax, discount and revenue
    accounts in Jurnal is what the journal reverses, within a rupiah (as a per-order correction
    is)."""
    week = corrected_summary
    invoices = {i["custom_id"] for i in _records(week.jurnal.client(), "sales_invoices")}
    assert f"{week.order['order_id']}/1" in invoices, "the correction is not made"
    tax = CONFIG.tax_for("JKT")
    assert tax is not None
    after = _gaps(week)
    # the discount share Jurnal took back from the summary line was other orders' (J-6); the
    # goods' revenue comes back on the sales return account in both
    for account in (
        tax.account,
        CONFIG.account("sales_discount", "JKT"),
        CONFIG.account("sales", "JKT"),
        CONFIG.account("sales_return", "JKT"),
    ):
        assert account is not None
        moved = after.get(account, Decimal(0)) - week.gaps_before.get(account, Decimal(0))
        assert abs(moved) <= 1, f"{account} in Jurnal moved {moved} away from the journal"


def fees_stand(week) -> None:
    """After the correction Jurnal's MDR expense equals the journal's over the days (its fee
    entry stands, the reversal takes none of it back, in either book), and the correction
    moved the rounding account in Jurnal within a rupiah of the journal's (Jurnal's rounding of
    the days' tax to the cent stays as it was before)."""
    fees, rounding = CONFIG.account("payment_fees", "JKT"), CONFIG.account("rounding", "JKT")
    assert fees is not None and rounding is not None
    ours = _by_account([week.store.read_journal(day) for day in DAYS])
    theirs = _trial_balance(week.jurnal.client(), DAYS[0], DAYS[-1])
    assert ours.get(fees, Decimal(0)) > 0  # the demo's cards and QRIS pay fees
    assert theirs.get(fees, Decimal(0)) == ours.get(fees, Decimal(0))
    gap = theirs.get(rounding, Decimal(0)) - ours.get(rounding, Decimal(0))
    moved = gap - week.gaps_before.get(rounding, Decimal(0))
    assert abs(moved) <= 1, f"{rounding} in Jurnal moved {moved} away from the journal"


def test_the_correction_leaves_the_orders_mdr_standing(corrected_summary):
    week = corrected_summary
    invoices = {i["custom_id"] for i in _records(week.jurnal.client(), "sales_invoices")}
    assert f"{week.order['order_id']}/1" in invoices, "the correction is not made"
    fees_stand(week)


def test_a_summarised_order_refunded_before_its_change_is_held_naming_its_summary(tmp_path):
    """Its refund went onto the summary invoice's line among other orders' units, where the
    units left of it cannot be told: the correction is held, saying so, and nothing is posted."""
    path = _config(tmp_path, "summary.yaml", "daily_summary", DAYS[0])
    with synced_demo_week(
        tmp_path, DAYS, orders_per_outlet_per_day=8, now=FIXED_NOW, config=path
    ) as week:
        store, client = week.store, week.jurnal.client()
        sales = _simple_sales(store, ("JKT",))
        order = sales[0]
        method = order["transactions"][0]["payment_type_name"]
        other = next(o for o in sales if o["transactions"][0]["payment_type_name"] != method)
        entries = []

        def refunded(body: dict) -> dict:
            after, entry = partly_refunded(body, REFUNDED_AT)
            entries.append({**entry, "order_date": body["order_date"], "channel": "pos"})
            return after

        def paid_otherwise(body: dict) -> dict:
            for key in ("payment_type_id", "payment_type_name", "gateway"):
                body["transactions"][0][key] = other["transactions"][0][key]
            return {**body, "modified_date": CHANGED_AT}

        _change_in_iseller(week.iseller, order["order_id"], refunded, refunds=entries)
        _run(week, DAYS[1])
        _change_in_iseller(week.iseller, order["order_id"], paid_otherwise)
        counts = {r: len(_records(client, r)) for r in RESOURCES}
        _run(week, DAYS[2])

        number = f"ISL/{order['order_reference'].lstrip('#')}"
        members = summary_members.members_by_invoice_no(store.engine, [number, f"{number}/R1"])
        assert f"{number}/R1" in members  # the refund is in a return against the summary
        member = members[number]
        frame = Outbox(store).documents(DAYS[2]).set_index("doc_key")
        key = f"correction:{order['order_id']}@{DAYS[2].isoformat()}"
        assert key in frame.index, f"the change of {number} is not even held"
        assert frame.loc[key, "status"] == "held"
        assert member.invoice_no in frame.loc[key, "reason"]
        assert "by hand" in frame.loc[key, "reason"]
        assert f"sales_invoice:{order['order_id']}/1" not in frame.index
        assert counts == {r: len(_records(client, r)) for r in RESOURCES}
        _ties_out(week, DAYS)
