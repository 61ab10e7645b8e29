"""Jurnal's tax of the day's posted sales invoices against iSeller's tax of the same sales.

Jurnal computes an invoice's tax itself, from its lines, their discounts and the invoice
discount (J-6); the canonical journal books iSeller's (each line's ``tax_amount`` and the
service charge's). The invoice totals can agree while the tax does not (a discount Jurnal
shares over lines of different tax, a line percentage Jurnal reads otherwise than we do), so
the posted tax is compared too: each per-order invoice with its order's ``sale:`` entry, each
outlet-day's summary invoices together with their member orders' entries.

A document's tolerance is `accounting.tax_tolerance`'s. Documents changed after posting, not
posted, or posted before Jurnal's tax was kept are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa

from journal_pipeline.accounting.daily_summary import is_summary_id
from journal_pipeline.accounting.documents import SALES_INVOICE
from journal_pipeline.accounting.tax_tolerance import lines_reach, orders_reach
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore, loads

CENT = Decimal("0.01")
_GROUP = re.compile(r":\d+$")  # a summary's further tax-treatment invoice: `…:<k>`


@dataclass
class TaxComparison:
    compared: int = 0  # documents compared
    jurnal_tax: Decimal = Decimal(0)
    iseller_tax: int = 0
    off: list[tuple[str, Decimal, int, Decimal]] = field(default_factory=list)
    # (document, Jurnal's tax, iSeller's, tolerance) of each beyond its tolerance


def compare_posted_tax(store: StagingStore, day: date, documents: pd.DataFrame) -> TaxComparison:
    """The day's posted sales invoices (``documents``: the outbox's rows of the day)."""
    posted = documents[
        (documents["doc_type"] == SALES_INVOICE)
        & (documents["status"] == "posted")
        & documents["posted_tax_cents"].notna()
        & ~documents["changed_after_posting"].fillna(False).astype(bool)
    ]
    result = TaxComparison()
    if posted.empty:
        return result
    taxes = _sale_taxes(store, day)
    groups: dict[str, list[Any]] = {}
    summaries: set[str] = set()
    for row in posted.itertuples(index=False):
        key = row.doc_key
        if is_summary_id(row.source_id):
            key = _GROUP.sub("", key)
            summaries.add(key)
        groups.setdefault(key, []).append(row)
    members = _members(store, sorted(summaries))
    beyond: list[tuple[str, list[Any], Decimal, int, Decimal]] = []
    for key, rows in groups.items():
        summary = key in members
        if summary and len(rows) != _invoices_of(documents, key):
            continue  # a treatment's invoice not posted yet: compared once all are
        orders = members.get(key) or [key.removeprefix(f"{SALES_INVOICE}:")]
        if not summary and f"sale:{orders[0]}" not in taxes:
            continue  # no sale entry of this day for it (held since, or another day's)
        jurnal = sum((Decimal(int(r.posted_tax_cents)) * CENT for r in rows), Decimal(0))
        booked = [taxes.get(f"sale:{order}", (0, 0)) for order in orders]
        iseller = sum(tax for tax, _ in booked)
        base = orders_reach(rounding for _, rounding in booked)
        result.compared += len(rows)
        result.jurnal_tax += jurnal
        result.iseller_tax += iseller
        if abs(jurnal - iseller) > base:  # beyond what the orders allow: read the lines too
            beyond.append((key, rows, jurnal, iseller, base))
    payloads = _payloads(store, [row.doc_key for _, rows, *_ in beyond for row in rows])
    for key, rows, jurnal, iseller, base in beyond:
        tolerance = base + sum((lines_reach(payloads.get(r.doc_key)) for r in rows), Decimal(0))
        if abs(jurnal - iseller) > tolerance:
            result.off.append((key, jurnal, iseller, tolerance))
    return result


def _sale_taxes(store: StagingStore, day: date) -> dict[str, tuple[int, int]]:
    """Each ``sale:`` entry of the day by id: the tax it credits and the size of its rounding
    (one query, summed)."""
    t = tables.journal_lines
    is_tax = t.c.account_role.like("tax:%")
    net = t.c.credit - t.c.debit
    query = (
        sa.select(
            t.c.entry_id,
            sa.func.sum(sa.case((is_tax, net), else_=0)),
            sa.func.sum(sa.case((is_tax, 0), else_=net)),
        )
        .where(
            t.c.business_date == day,
            t.c.entry_id.like("sale:%"),
            is_tax | (t.c.account_role == "rounding"),
        )
        .group_by(t.c.entry_id)
    )
    with store.engine.connect() as conn:
        return {
            entry: (int(tax or 0), abs(int(rounding or 0)))
            for entry, tax, rounding in conn.execute(query)
        }


def _members(store: StagingStore, keys: list[str]) -> dict[str, list[str]]:
    """Summary key → the orders its invoices carry."""
    if not keys:
        return {}
    t = tables.summary_members
    query = sa.select(t.c.summary_key, t.c.order_id).where(t.c.summary_key.in_(keys))
    found: dict[str, list[str]] = {}
    with store.engine.connect() as conn:
        for summary_key, order_id in conn.execute(query):
            found.setdefault(summary_key, []).append(order_id)
    return found


def _invoices_of(documents: pd.DataFrame, key: str) -> int:
    invoices = documents[documents["doc_type"] == SALES_INVOICE]["doc_key"]
    return sum(1 for doc_key in invoices if _GROUP.sub("", doc_key) == key)


def _payloads(store: StagingStore, keys: list[str]) -> dict[str, dict[str, Any]]:
    t = tables.outbox
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.doc_key, t.c.payload).where(t.c.doc_key.in_(keys)))
        return {key: loads(payload) for key, payload in rows if payload}
