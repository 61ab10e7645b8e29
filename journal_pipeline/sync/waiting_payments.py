"""Receive payments that wait for their invoice: which day to sync, and which days to run
again once the invoice is posted.

An on-account order is sold on one business day and paid on a later one; its payment (a
Jurnal receive payment) can only be posted once the order's invoice is in Jurnal. When the
payment's day runs first, the outbox holds the payment with a reason naming the invoice's
business day (its outbox row's), or, when the invoice has never been built, the day the
order was sold: the order's closing moment read against iSeller's day windows staged for its
outlet (`storage.tables.iseller_day_totals`, one window per outlet and business day). The
failed-records sensor then runs the payment's day again once the invoice posts
(`payments_waiting_for`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from journal_pipeline.accounting.documents import RECEIVE_PAYMENT, SALES_INVOICE, SALES_RETURN
from journal_pipeline.accounting.holds import BY_HAND
from journal_pipeline.core.timestamps import as_utc
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import loads

DAY = timedelta(days=1)


@dataclass(frozen=True)
class InvoiceState:
    """Where the invoice a payment settles stands: its outbox status and business day (None,
    None when it has never been built), and the day its order was sold when known."""

    status: str | None
    business_date: date | None
    sale_day: date | None = None


@dataclass(frozen=True)
class WaitingPayment:
    """A held receive payment whose invoice was just posted."""

    doc_key: str
    business_date: date
    invoice_no: str
    invoice_key: str


def invoice_no_of(payload: str) -> str:
    """The invoice a receive payment settles (its first record's transaction number), or the
    one a sales return returns goods of."""
    body = loads(payload)
    if SALES_RETURN in body:
        return str(body[SALES_RETURN]["invoice_no"])
    return str(body[RECEIVE_PAYMENT]["records_attributes"][0]["transaction_no"])


def invoice_state(
    conn: sa.Connection, invoice_no: str, order_reference: str | None, payment_day: date
) -> InvoiceState:
    t = tables.outbox
    # a held invoice (a hold, not a built document) has no number yet: its order names it
    same = t.c.transaction_no == invoice_no
    if order_reference:
        same = sa.or_(
            same, sa.and_(t.c.transaction_no.is_(None), t.c.source_reference == order_reference)
        )
    row = conn.execute(
        sa.select(t.c.status, t.c.business_date)
        .where(t.c.doc_type == SALES_INVOICE, same)
        .order_by(t.c.transaction_no.is_(None))
    ).first()
    if row is not None:
        return InvoiceState(row.status, row.business_date)
    return InvoiceState(None, None, _sale_day(conn, order_reference, payment_day))


def posted_invoice_numbers(conn: sa.Connection, numbers: Iterable[str]) -> set[str]:
    """The invoice numbers among ``numbers`` whose every invoice row is posted: the payments
    of those are ready without asking `invoice_state` one by one."""
    t = tables.outbox
    ordered = sorted(set(numbers))
    seen: dict[str, bool] = {}
    for start in range(0, len(ordered), 500):
        query = sa.select(t.c.transaction_no, t.c.status).where(
            t.c.doc_type == SALES_INVOICE, t.c.transaction_no.in_(ordered[start : start + 500])
        )
        for number, status in conn.execute(query):
            seen[number] = seen.get(number, True) and status == "posted"
    return {number for number, all_posted in seen.items() if all_posted}


def _sale_day(conn: sa.Connection, order_reference: str | None, payment_day: date) -> date | None:
    """The business day the order was closed on, from the staged order and its outlet's day
    windows: the window that holds the closing moment, else whole days back from the window
    of the payment's day (a fixed offset: Indonesia keeps no daylight saving)."""
    if not order_reference:
        return None
    o = tables.iseller_orders
    order = conn.execute(
        sa.select(o.c.outlet_code, o.c.closed_at).where(o.c.order_reference == order_reference)
    ).first()
    if order is None or order.closed_at is None:
        return None
    closed = _utc(order.closed_at)
    w = tables.iseller_day_totals
    windows = conn.execute(
        sa.select(w.c.business_date, w.c.window_start, w.c.window_end)
        .where(w.c.outlet_code == order.outlet_code, w.c.window_start.is_not(None))
        .distinct()
    ).all()
    for window in windows:
        if window.window_end is not None and (
            _utc(window.window_start) <= closed < _utc(window.window_end)
        ):
            day: date = window.business_date
            return day
    anchor = next((w for w in windows if w.business_date == payment_day), None)
    if anchor is None:
        return None
    start = _utc(anchor.window_start)
    days_back = -((closed - start) // DAY)  # whole days from the closing to the payment day
    return payment_day - timedelta(days=days_back)


def waiting_reason(
    order_reference: str | None,
    invoice_no: str,
    state: InvoiceState,
    payment_day: date,
    document: str = "Payment",
    key: str = "KEY",
) -> str:
    """Why a payment (or a sales return) is held: the invoice, where it stands, and the day to
    sync; or, for an invoice booked by hand, that it is a person's to book too (``key``: the
    held record's, what `journal-pipeline resolve` takes)."""
    if state.status == BY_HAND:
        return (
            f"{document} of order {order_reference} goes against invoice {invoice_no}, which "
            "was booked by hand in Jurnal (`journal-pipeline resolve`): the pipeline pays and "
            "returns against only the invoices it posted. Book it by hand against that invoice "
            f'too, then `journal-pipeline resolve {key} --note "…"`.'
        )
    head = f"{document} of order {order_reference} waits for its invoice {invoice_no}, "
    again = f"then {payment_day.isoformat()} runs again by itself once the invoice is posted."
    if state.business_date is not None:
        day = state.business_date.isoformat()
        return (
            f"{head}which is {state.status} on {day}. Sync {day} (journal-pipeline sync "
            f"--date {day}; fix the invoice first if it is held or failed), {again}"
        )
    if state.sale_day is not None:
        day = state.sale_day.isoformat()
        return (
            f"{head}which is not synced yet: the order was sold on {day}. Sync {day} "
            f"(journal-pipeline sync --date {day}), {again}"
        )
    return (
        f"{head}which is not synced yet, and the day the order was sold is not known here "
        "(the order is not staged). Find the order in iSeller and sync the day it was sold, "
        f"{again}"
    )


def payments_waiting_for(conn: sa.Connection, invoice_keys: Iterable[str]) -> list[WaitingPayment]:
    """Held receive payments and sales returns of another day than their invoice's, waiting
    for one of the invoices ``invoice_keys`` (outbox doc keys)."""
    t = tables.outbox
    invoices = {
        row.transaction_no: (row.business_date, row.doc_key)
        for row in conn.execute(
            sa.select(t.c.transaction_no, t.c.business_date, t.c.doc_key).where(
                t.c.doc_key.in_(sorted(set(invoice_keys))), t.c.doc_type == SALES_INVOICE
            )
        )
        if row.transaction_no
    }
    if not invoices:
        return []
    held = conn.execute(
        sa.select(t.c.doc_key, t.c.business_date, t.c.payload)
        .where(
            t.c.doc_type.in_([RECEIVE_PAYMENT, SALES_RETURN]),
            t.c.status == "held",
            t.c.payload.is_not(None),
        )
        .order_by(t.c.business_date, t.c.doc_key)
    ).all()
    found = []
    for row in held:
        invoice_no = invoice_no_of(row.payload)
        if invoice_no in invoices and invoices[invoice_no][0] != row.business_date:
            key = invoices[invoice_no][1]
            found.append(WaitingPayment(row.doc_key, row.business_date, invoice_no, key))
    return found


def _utc(value: datetime) -> datetime:
    moment = as_utc(value)
    assert moment is not None  # the callers ask for a moment that is there
    return moment
