"""Which summary invoice carries each order in daily-summary mode (table ``summary_members``).

A member of a posted summary is frozen: the order is in Jurnal, inside that invoice. Members of
a summary not posted yet are replaced by every build of their day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from journal_pipeline.accounting.daily_summary import Member, settled_numbers
from journal_pipeline.accounting.documents import (
    JOURNAL_ENTRY,
    RECEIVE_PAYMENT,
    SALES_INVOICE,
    SALES_RETURN,
    Document,
    split_revision,
)
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import dumps, loads
from journal_pipeline.storage.writing import writing
from journal_pipeline.sync.by_hand import BY_HAND


def posted_summaries(
    engine: Engine, day: date, doc_type: str = SALES_INVOICE
) -> dict[str, set[str]]:
    """Outlet → doc keys of the day's summary invoices (or merged returns) in Jurnal."""
    t = tables.outbox
    query = sa.select(t.c.outlet_code, t.c.doc_key).where(
        t.c.business_date == day,
        t.c.doc_type == doc_type,
        t.c.source_id.like("summary:%"),
        t.c.status == "posted",
    )
    found: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            found.setdefault(row.outlet_code, set()).add(row.doc_key)
    return found


def per_order_outlets(engine: Engine, day: date) -> set[str]:
    """Outlets with a per-order sales invoice of ``day`` in Jurnal of an order paid in full on
    the day: their day stays per order. An order left owing keeps its own invoice in a
    summarised day too (`daily_summary.settled_at_sale`), so its invoice says nothing of the
    day's mode; nor does a revision's (a correction, posted per order in either mode)."""
    invoices = _posted_own(engine, day, with_payload=True)
    if not invoices:
        return set()
    t = tables.outbox
    with engine.connect() as conn:
        payments = conn.execute(
            sa.select(t.c.payload).where(
                t.c.business_date == day,
                t.c.doc_type == RECEIVE_PAYMENT,
                t.c.status != "withdrawn",
                t.c.payload.is_not(None),
            )
        ).scalars()
        settled = settled_numbers(
            [
                (r.transaction_no, r.expected_total, loads(r.payload)[SALES_INVOICE])
                for r in invoices
                if r.payload is not None
            ],
            [loads(text)[RECEIVE_PAYMENT] for text in payments],
        )
    # an invoice whose payload is not kept cannot be told owing: taken as per order, the safe
    # side (its day is then never summarised, so it is never posted twice)
    return {r.outlet_code for r in invoices if r.payload is None or r.transaction_no in settled}


def posted_own_invoices(engine: Engine, day: date) -> dict[str, str]:
    """Order id → outlet of the orders of ``day`` whose own sales invoice (revision 0, not a
    summary) is in Jurnal."""
    return {r.source_id: r.outlet_code for r in _posted_own(engine, day)}


def by_hand_orders(engine: Engine, day: date) -> set[str]:
    """Order ids of ``day`` whose own sales invoice was booked by hand in Jurnal
    (`sync.by_hand`): no summary carries them, whatever later builds make of them."""
    t = tables.outbox
    query = sa.select(t.c.source_id).where(
        t.c.business_date == day,
        t.c.doc_type == SALES_INVOICE,
        t.c.status == BY_HAND,
        sa.not_(t.c.source_id.like("summary:%")),
    )
    with engine.connect() as conn:
        return {r.source_id for r in conn.execute(query)}


def _posted_own(engine: Engine, day: date, with_payload: bool = False) -> list[Any]:
    t = tables.outbox
    columns = [t.c.source_id, t.c.outlet_code]
    if with_payload:
        columns += [t.c.transaction_no, t.c.expected_total, t.c.payload]
    query = sa.select(*columns).where(
        t.c.business_date == day,
        t.c.doc_type == SALES_INVOICE,
        t.c.status == "posted",
        sa.not_(t.c.source_id.like("summary:%")),
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [r for r in rows if split_revision(r.source_id)[1] == 0]


SUMMARY_BASE = re.compile(r"^(summary:[^:]+:\d{4}-\d{2}-\d{2}(?:/\d+)?)(?:$|[:/])")


def summary_base(source_id: str) -> str | None:
    """The outlet-day-sequence a summary document belongs to: ``summary:JKT:2026-11-30``
    for its invoice, its tax-treatment invoices (``…:2``) and its payments (``…/P1``);
    ``…/2`` for a later summary of the day and its documents."""
    found = SUMMARY_BASE.match(source_id)
    return found.group(1) if found else None


def unposted_companions(engine: Engine, day: date) -> list[Document]:
    """The documents built with a summary document of ``day`` that is in Jurnal, not in Jurnal
    themselves (the run stopped between them, or Jurnal refused them): a summary's other
    tax-treatment invoices and its receive payments; a merged return's journal entry.

    A summary (a merged return) is built only while it is not posted: once it is, its orders
    (refunds) are frozen and no build makes its documents again. So what was queued with it
    is kept as it was queued, and posted on the next run; dropping it would leave the
    summary's takings (the refunds' money) open in Jurnal."""
    t = tables.outbox
    kinds = (SALES_INVOICE, RECEIVE_PAYMENT, SALES_RETURN, JOURNAL_ENTRY)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t).where(
                t.c.business_date == day,
                t.c.doc_type.in_(kinds),
                t.c.source_id.like("summary:%"),
            )
        ).all()
    done = [r for r in rows if r.status == "posted"]
    summaries = {summary_base(r.source_id) for r in done if r.doc_type == SALES_INVOICE}
    returns = {r.source_id for r in done if r.doc_type == SALES_RETURN}

    def kept(row: Any) -> bool:
        if row.status == "posted" or row.payload is None:
            return False
        if row.doc_type == JOURNAL_ENTRY:
            return row.source_id in returns
        return row.doc_type != SALES_RETURN and summary_base(row.source_id) in summaries

    return [
        Document(
            doc_key=r.doc_key,
            doc_type=r.doc_type,
            business_date=r.business_date,
            outlet_code=r.outlet_code,
            source_id=r.source_id,
            source_reference=r.source_reference,
            transaction_no=r.transaction_no,
            custom_id=r.custom_id,
            expected_total=r.expected_total,
            payload=loads(r.payload),
        )
        for r in rows
        if kept(r)
    ]


def frozen_orders(engine: Engine, day: date, doc_type: str = SALES_INVOICE) -> set[str]:
    """Orders of ``day`` already carried by a summary invoice in Jurnal (with ``doc_type``
    sales return: the refunds already carried by a day's merged return)."""
    return _frozen(engine, day, doc_type, tables.summary_members.c.order_id)


def frozen_invoice_numbers(engine: Engine, day: date) -> set[str]:
    """The invoice numbers the orders of ``day`` carried by a summary in Jurnal would have."""
    return _frozen(engine, day, SALES_INVOICE, tables.summary_members.c.order_invoice_no)


def _frozen(engine: Engine, day: date, doc_type: str, column: Any) -> set[str]:
    m, t = tables.summary_members, tables.outbox
    query = (
        sa.select(column)
        .join(t, t.c.doc_key == m.c.summary_key)
        .where(m.c.business_date == day, t.c.status == "posted", t.c.doc_type == doc_type)
    )
    with engine.connect() as conn:
        return set(conn.execute(query).scalars())


def members_by_invoice_no(engine: Engine, order_invoice_nos: Iterable[str]) -> dict[str, Member]:
    """Order invoice number → its member row, for the orders a summary carries."""
    m = tables.summary_members
    numbers = sorted(set(order_invoice_nos))
    found: dict[str, Member] = {}
    with engine.connect() as conn:
        for start in range(0, len(numbers), 500):
            query = sa.select(m).where(m.c.order_invoice_no.in_(numbers[start : start + 500]))
            for row in conn.execute(query):
                found[row.order_invoice_no] = Member(
                    order_id=row.order_id,
                    order_invoice_no=row.order_invoice_no,
                    summary_key=row.summary_key,
                    invoice_no=row.invoice_no,
                    outlet_code=row.outlet_code,
                    business_date=row.business_date,
                    line_map=tuple(
                        None if spot is None else (str(spot[0]), int(spot[1]))
                        for spot in loads(row.line_map or "[]")
                    ),
                )
    return found


def invoice_bodies(engine: Engine, numbers: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Invoice number → the body of the sales invoice queued under it."""
    t = tables.outbox
    wanted = sorted(set(numbers))
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            query = sa.select(t.c.transaction_no, t.c.payload).where(
                t.c.doc_type == SALES_INVOICE,
                t.c.transaction_no.in_(wanted[start : start + 500]),
                t.c.payload.is_not(None),
            )
            for row in conn.execute(query):
                found[row.transaction_no] = loads(row.payload)[SALES_INVOICE]
    return found


def summary_status(engine: Engine, order_ids: Iterable[str]) -> dict[str, str]:
    """Order id → the outbox status of the summary invoice carrying it (members only)."""
    m, t = tables.summary_members, tables.outbox
    ids = sorted(set(order_ids))
    found: dict[str, str] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            query = (
                sa.select(m.c.order_id, t.c.status)
                .join(t, t.c.doc_key == m.c.summary_key)
                .where(m.c.order_id.in_(ids[start : start + 500]))
            )
            found.update({row.order_id: row.status for row in conn.execute(query)})
    return found


def carried_orders(engine: Engine, order_ids: Iterable[str]) -> set[str]:
    """The orders of ``order_ids`` that a summary carries (built or posted)."""
    m = tables.summary_members
    ids = sorted(set(order_ids))
    found: set[str] = set()
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            query = sa.select(m.c.order_id).where(m.c.order_id.in_(ids[start : start + 500]))
            found.update(row.order_id for row in conn.execute(query))
    return found


def has_members(engine: Engine, day: date) -> bool:
    m = tables.summary_members
    with engine.connect() as conn:
        return (
            conn.execute(sa.select(m.c.order_id).where(m.c.business_date == day)).first()
            is not None
        )


def replace_members(engine: Engine, day: date, members: Iterable[Member]) -> int:
    """Replace the day's members of summaries not in Jurnal by ``members``."""
    m, t = tables.summary_members, tables.outbox
    members = list(members)
    with writing(engine) as conn:
        posted = sa.select(t.c.doc_key).where(t.c.status == "posted")
        conn.execute(sa.delete(m).where(m.c.business_date == day, m.c.summary_key.not_in(posted)))
        if members:
            conn.execute(
                sa.insert(m),
                [
                    {
                        "order_id": member.order_id,
                        "summary_key": member.summary_key,
                        "invoice_no": member.invoice_no,
                        "business_date": member.business_date,
                        "outlet_code": member.outlet_code,
                        "order_invoice_no": member.order_invoice_no,
                        "line_map": dumps(
                            [list(spot) if spot else None for spot in member.line_map]
                        ),
                    }
                    for member in members
                ],
            )
    return len(members)


def members_of(engine: Engine, summary_keys: Iterable[str]) -> list[tuple[str, str]]:
    """(order id, summary key) of each order the summaries carry, by order invoice number."""
    m = tables.summary_members
    keys = sorted(set(summary_keys))
    found: list[Any] = []
    with engine.connect() as conn:
        for start in range(0, len(keys), 500):
            query = sa.select(m.c.order_id, m.c.summary_key, m.c.order_invoice_no).where(
                m.c.summary_key.in_(keys[start : start + 500])
            )
            found.extend(conn.execute(query))
    return [(r.order_id, r.summary_key) for r in sorted(found, key=lambda r: r.order_invoice_no)]
