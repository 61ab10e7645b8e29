"""The day's refunds and voids of posted sales, each matched to what it gave back.

A ``refund`` transaction names only its amount and method; what was refunded is in the order's
``refunded_orders[]`` entry (I-33): its ``refund_details[]`` name each order line by
``order_detail_id`` (else by product or SKU) with the units returned. A refund is matched to
the entry of its order with the same amount (the nearest by date when several have it). A
refund that no entry explains, or whose lines cannot be told apart, is held with the reason;
nothing is guessed. A void of a posted sale gives back every unit (`reversals.py` books both).

Whether the sale's invoice is in Jurnal is the outbox's knowledge, handed in as
``invoice_status`` (order id → outbox status of its invoice): a void reverses only a posted
invoice (before posting nothing was posted, as before); a refund or void of a sale whose invoice
is held or failed, or that lies before ``start_date``, is held naming the order, and one of a
sale booked by hand (`sync.by_hand`) is held for a person to book the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.day_sales import (
    DaySales,
    dated_payments,
    records_by_order,
    with_business_dates,
)
from journal_pipeline.accounting.documents import (
    SALES_RETURN,
    Document,
    money_back_numbers,
    transaction_no,
)
from journal_pipeline.accounting.holds import BY_HAND, NOTHING_TO_POST, Hold, order_hold
from journal_pipeline.accounting.invoices import sales_invoice
from journal_pipeline.accounting.labels import payment_method
from journal_pipeline.accounting.posting_rules import DatedPayment, sale_entry
from journal_pipeline.accounting.return_arithmetic import PostedInvoices
from journal_pipeline.accounting.reversals import (
    MoneyBack,
    Reversal,
    reversal,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.money import format_idr
from journal_pipeline.core.orders import LineRow, OrderFrames
from journal_pipeline.core.refunds import RefundFrames, RefundLineRow, RefundRow

NOT_POSTED = ("held", "failed")
_UNDATED = datetime.max.replace(tzinfo=UTC)


def returned_units(lines: list[LineRow], details: list[RefundLineRow]) -> dict[int, Decimal] | str:
    """Units given back per order line (line_no → units), or why they cannot be known."""
    if not details:
        return "its refunded_orders entry lists no refund_details, so what came back is unknown"
    returned: dict[int, Decimal] = {}
    for detail in details:
        wanted = detail.order_detail_id
        if wanted is not None:
            matches = [ln for ln in lines if str(ln.order_detail_id) == str(wanted)]
        else:
            matches = [
                ln
                for ln in lines
                if (detail.sku is not None and text_or_none(ln.sku) == detail.sku)
                or (detail.product_id is not None and str(ln.product_id) == detail.product_id)
            ]
        named = wanted or detail.sku or detail.product_id or "no line"
        if len(matches) != 1:
            where = "no line" if not matches else f"{len(matches)} lines"
            return (
                f"its refund detail {named} matches {where} of the order, so which line came "
                "back cannot be told"
            )
        line = matches[0]
        units = detail.quantity
        if units is None or units <= 0:
            return f"its refund detail {named} gives no quantity"
        returned[line.line_no] = returned.get(line.line_no, Decimal(0)) + units
        if returned[line.line_no] > line.quantity:
            return (
                f"its refund returns {returned[line.line_no]} of line {line.line_no}, which "
                f"sold only {line.quantity}"
            )
    return returned


def match_refund(refund: DatedPayment, entries: list[RefundRow], used: set[str]) -> RefundRow | str:
    """The order's ``refunded_orders[]`` entry that explains ``refund`` (same amount, the
    nearest in time when several do), or why none does."""
    free = [e for e in entries if e.refund_key not in used]
    same = [e for e in free if int(e.refund_amount) == int(refund.amount)]
    if not same:
        stated = ", ".join(format_idr(int(e.refund_amount)) for e in free) or "none"
        return (
            f"no refunded_orders entry of the order explains it (entries' refund_amount: "
            f"{stated}), so what was refunded is unknown"
        )
    moment = refund.transaction_date or _UNDATED

    def distance(entry: RefundRow) -> float:
        when = entry.refund_date
        return abs((when - moment).total_seconds()) if when and moment != _UNDATED else 0.0

    return min(same, key=lambda e: (distance(e), e.refund_key))


def _refund_sequence(payments: list[DatedPayment], transaction_id: str) -> int:
    """The n-th (from 1, in time order) of the order's successful refunds ``transaction_id``
    is (1 when it is none of them)."""
    refunds = sorted(
        (p for p in payments if p.type == "refund" and p.status == "success"),
        key=lambda p: (p.transaction_date or _UNDATED, p.transaction_id),
    )
    ids = [p.transaction_id for p in refunds]
    return ids.index(transaction_id) + 1 if transaction_id in ids else 1


def refund_entry_number(
    back: DatedPayment, order_payments: list[DatedPayment], config: MerchantConfig
) -> str:
    """The number of the journal entry that pays a refund (void) back, from the source alone:
    ``<invoice no>/RJ<n>`` for the order's n-th refund, ``/VJ`` for its void."""
    invoice_no = transaction_no(config, back.order_reference or back.order_id)
    sequence = _refund_sequence(order_payments, back.transaction_id)
    return money_back_numbers(invoice_no, str(back.type), sequence)[1]


def _payment_hold(pay: DatedPayment, day: date, reason: str) -> Hold:
    method = payment_method(pay.payment_type_name, pay.gateway) or "method not named"
    reference = text_or_none(pay.order_reference) or pay.order_id
    outlet = pay.outlet_code or "?"
    return Hold(
        "payment",
        pay.transaction_id,
        reference,
        outlet,
        day,
        f"{pay.type or 'payment'} {format_idr(int(pay.amount))} ({method}) of order "
        f"{reference} (outlet {outlet}, {day.isoformat()}): {reason}",
        SALES_RETURN,
    )


def corrections_of_day(
    sales: DaySales,
    frames: OrderFrames,
    refunds: RefundFrames,
    config: MerchantConfig,
    invoice_status: Mapping[str, str],
    posted: PostedInvoices | None = None,
) -> tuple[list[dict[str, Any]], list[Document], list[Hold]]:
    """Canonical lines, sales returns, journal entries and holds for the day's refunds and
    voids of posted sales; ``posted``: the sales invoices of orders as Jurnal holds them
    (`reversal`), read once for the day's orders given money back."""
    day = sales.day
    dated = with_business_dates(frames.orders, config)
    orders = {o.order_id: o for o in dated.itertuples(index=False)}
    lines_by_order = records_by_order(frames.lines)
    pays_by_order = records_by_order(sales.payments)
    entries_by_order = records_by_order(refunds.refunds)
    details = refunds.lines.groupby("refund_key") if len(refunds.lines) else None
    used: set[str] = set()
    rows: list[dict[str, Any]] = []
    documents: list[Document] = []
    holds: list[Hold] = []

    as_posted: Mapping[str, Mapping[str, Any]] = {}

    def book(back: MoneyBack) -> None:
        made = reversal(back, config, day, as_posted.get)
        if isinstance(made, Reversal):
            rows.extend(made.lines)
            documents.extend(made.documents)
        else:
            holds.append(made)

    payments = sales.payments
    of_day = (
        payments[(payments["status"] == "success") & (payments["business_date"] == day)]
        if len(payments)
        else payments
    )
    of_day = of_day[of_day["type"].isin(("refund", "void"))] if len(of_day) else of_day
    if posted is not None and len(of_day):
        as_posted = posted(set(of_day["order_id"]))
    for pay in of_day.itertuples(index=False):
        order = orders.get(pay.order_id)
        if order is None:
            holds.append(_payment_hold(pay, day, "its order is not staged; sync its sale day."))
            continue
        status = invoice_status.get(order.order_id)
        if status == NOTHING_TO_POST:  # given away whole: no invoice to reverse or return
            continue
        if status == BY_HAND:  # its invoice is a person's, so is its correction
            holds.append(_sale_booked_by_hand(order, pay, day))
            continue
        if pay.type == "void" and status != "posted" and order.business_date >= config.start_date:
            if status in NOT_POSTED:
                holds.append(_not_posted(order, pay, day, status))
            continue  # voided before posting: nothing was posted, nothing to reverse
        if status in NOT_POSTED:
            holds.append(_not_posted(order, pay, day, status))
            continue
        lines = lines_by_order.get(order.order_id, [])
        order_pays = pays_by_order.get(order.order_id, [])
        if pay.type == "void":
            returned: dict[int, Decimal] | str = {ln.line_no: ln.quantity for ln in lines}
        else:
            entry = match_refund(pay, entries_by_order.get(order.order_id, []), used)
            if isinstance(entry, str):
                returned = entry
            else:
                used.add(entry.refund_key)
                found = (
                    list(details.get_group(entry.refund_key).itertuples(index=False))
                    if details is not None and entry.refund_key in details.groups
                    else []
                )
                returned = returned_units(lines, found)
        back_kind = "void" if pay.type == "void" else "refund"
        if isinstance(returned, str):
            holds.append(
                order_hold(
                    order,
                    day,
                    f"refund of {format_idr(int(pay.amount))}: {returned}. Record the return "
                    "in Jurnal by hand against the order's invoice.",
                    doc_type=SALES_RETURN,
                    source_id=pay.transaction_id,
                )
            )
            continue
        book(
            MoneyBack(
                kind=back_kind,
                transaction_id=pay.transaction_id,
                order=order,
                lines=lines,
                payments=order_pays,
                returned=returned,
                amount=int(pay.amount),
                payment_type_name=pay.payment_type_name,
                gateway=pay.gateway,
                event_day=day,
                sale_day=order.business_date,
                sequence=_refund_sequence(order_pays, pay.transaction_id),
            )
        )
    return rows, documents, holds


def _not_posted(order: Any, pay: DatedPayment, day: date, status: str | None) -> Hold:
    return order_hold(
        order,
        day,
        f"{pay.type} of {format_idr(int(pay.amount))} of the sale of {order.business_date}, "
        f"whose invoice is {status} in the outbox (not in Jurnal). Fix and post the invoice "
        "first (see its reason), then run this day again.",
        doc_type=SALES_RETURN,
        source_id=pay.transaction_id,
    )


def _sale_booked_by_hand(order: Any, pay: DatedPayment, day: date) -> Hold:
    source_id = text_or_none(pay.transaction_id) or order.order_id  # as `order_hold` keys it
    key = f"{SALES_RETURN}:{source_id}"
    undone = "reverse" if pay.type == "void" else "return against"
    return order_hold(
        order,
        day,
        f"{pay.type} of {format_idr(abs(int(pay.amount or order.total_amount)))} of the sale of "
        f"{order.business_date}, whose invoice was booked by hand in Jurnal "
        f"(`journal-pipeline resolve`): the pipeline has no invoice of its own to {undone}. Book "
        f"the {pay.type} by hand against that invoice too, then "
        f'`journal-pipeline resolve {key} --note "…"`.',
        doc_type=SALES_RETURN,
        source_id=source_id,
    )


def posted_void_sales(
    frames: OrderFrames, config: MerchantConfig, day: date, invoice_status: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[Document]]:
    """Sales of ``day`` voided after their invoice was posted: their sale entry and invoice
    stay (the invoice is in Jurnal; the void reverses it on its own date)."""
    dated = with_business_dates(frames.orders, config)
    voided = dated[(dated["status"] == "void") & (dated["business_date"] == day)]
    lines_by_order = records_by_order(frames.lines)
    pays: dict[str, list[Any]] = {}
    if len(frames.payments):
        pays = records_by_order(dated_payments(frames, dated, config))
    rows: list[dict[str, Any]] = []
    documents: list[Document] = []
    for order in voided.itertuples(index=False):
        if invoice_status.get(order.order_id) != "posted":
            continue
        lines = lines_by_order.get(order.order_id, [])
        order_pays = pays.get(order.order_id, [])
        entry, _ = sale_entry(order, lines, order_pays, config, day)
        invoice, _ = sales_invoice(order, lines, order_pays, config, day)
        rows.extend(entry or [])
        documents.extend(invoice or [])
    return rows, documents
