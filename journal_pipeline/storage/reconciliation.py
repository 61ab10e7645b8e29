"""The cash/bank reconciliation in staging (table ``cash_bank_reconciliation``, replaced as a
whole per business day) and its CSV file per day for the finance team (``recon_<day>.csv``,
in ``$RECON_EXPORT_DIR``, else ``exports/reconciliation`` beside the staging database)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from journal_pipeline.environment import RECON_EXPORT_DIR_ENV
from journal_pipeline.storage import tables
from journal_pipeline.storage.exports import export_folder, write_day_csv
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.storage.writing import writing

CSV_COLUMNS = (
    "business_date",
    "row_kind",
    "outlet_code",
    "payment_method",
    "bank_account",
    "takings",
    "refunds",
    "mdr",
    "expected",
    "expected_date",
    "received",
    "received_date",
    "variance",
    "status",
    "age_days",
    "reference",
    "explanation",
)
SETTLEMENT = "settlement"


def replace_reconciliation(
    store: StagingStore, day: date, records: Iterable[Mapping[str, Any]], at: datetime
) -> int:
    """Replace the day's rows (`ReconRow.record` dicts) in one transaction."""
    t = tables.cash_bank_reconciliation
    moment = at.astimezone(UTC)
    if store.engine.dialect.name == "sqlite":
        moment = moment.replace(tzinfo=None)
    rows = [{**record, "business_date": day, "reconciled_at": moment} for record in records]
    with writing(store.engine) as conn:
        conn.execute(sa.delete(t).where(t.c.business_date == day))
        if rows:
            conn.execute(sa.insert(t), rows)
    return len(rows)


def read_reconciliation(
    store: StagingStore, day: date, outlet: str | None = None
) -> list[dict[str, Any]]:
    """The day's staged rows: settlements by outlet and method, then unmatched lines."""
    t = tables.cash_bank_reconciliation
    query = sa.select(t).where(t.c.business_date == day)
    if outlet:
        same_outlet = sa.func.upper(sa.func.coalesce(t.c.outlet_code, "")) == outlet.upper()
        query = query.where(same_outlet | (t.c.row_kind == "unmatched_line"))
    query = query.order_by(
        (t.c.row_kind == "unmatched_line"), t.c.outlet_code, t.c.payment_method, t.c.row_key
    )
    with store.engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def clearing_debits(
    store: StagingStore, day: date, entry_prefixes: Sequence[str]
) -> list[tuple[str, str, str, str, int]]:
    """(entry id, outlet, account role, source id, debit) of the day's journal lines booked to a
    payment's clearing account (role ``payment:<method>``) by entries whose id starts with one
    of ``entry_prefixes``: the takings' lines alone, not the day's whole journal. (LIKE finds
    them, without case on SQLite: the caller compares the prefixes again.)"""
    t = tables.journal_lines
    query = sa.select(
        t.c.entry_id, t.c.outlet_code, t.c.account_role, t.c.source_id, t.c.debit
    ).where(
        t.c.business_date == day,
        t.c.account_role.startswith("payment:", autoescape=True),
        sa.or_(*(t.c.entry_id.startswith(p, autoescape=True) for p in entry_prefixes)),
    )
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def claimed_elsewhere(store: StagingStore, day: date) -> set[str]:
    """Statement lines the staged rows of other days matched."""
    t = tables.cash_bank_reconciliation
    query = sa.select(t.c.line_key).where(
        t.c.business_date != day, t.c.row_kind == SETTLEMENT, t.c.line_key.is_not(None)
    )
    with store.engine.connect() as conn:
        return set(conn.execute(query).scalars())


def settlements_around(store: StagingStore, day: date, days: int) -> list[dict[str, Any]]:
    """The staged settlement rows of the ``days`` days either side of ``day`` (not its own)
    that expect money at a bank account."""
    t = tables.cash_bank_reconciliation
    query = sa.select(t).where(
        t.c.business_date.between(day - timedelta(days=days), day + timedelta(days=days)),
        t.c.business_date != day,
        t.c.row_kind == SETTLEMENT,
        t.c.bank_account.is_not(None),
        t.c.expected > 0,
    )
    with store.engine.connect() as conn:
        return [
            dict(row)
            for row in conn.execute(query.order_by(t.c.business_date, t.c.row_key)).mappings()
        ]


def lines_not_yet_whole(store: StagingStore, line_keys: Sequence[str]) -> set[str]:
    """Of ``line_keys`` (money-in statement lines), those whose staged rows' parts do not add
    up to the line yet."""
    if not line_keys:
        return set()
    t, lines = tables.cash_bank_reconciliation, tables.bank_statement_lines
    query = (
        sa.select(lines.c.line_key, lines.c.amount, sa.func.sum(t.c.received))
        .join(t, t.c.line_key == lines.c.line_key)
        .where(lines.c.line_key.in_(list(line_keys)), t.c.row_kind == SETTLEMENT)
        .group_by(lines.c.line_key, lines.c.amount)
    )
    with store.engine.connect() as conn:
        return {
            key
            for key, amount, parts in conn.execute(query)
            if Decimal(str(parts or 0)) != Decimal(str(amount))
        }


def received_on(store: StagingStore, receipt_day: date) -> list[dict[str, Any]]:
    """Matched settlement rows (any business day) whose money arrived on ``receipt_day`` from
    a staged statement file (lines read from Jurnal's own statement are booked already)."""
    t, lines = tables.cash_bank_reconciliation, tables.bank_statement_lines
    query = (
        sa.select(
            t,
            lines.c.source,
            lines.c.reference.label("line_reference"),
            lines.c.amount.label("line_amount"),
        )
        .join(lines, lines.c.line_key == t.c.line_key)
        .where(t.c.row_kind == SETTLEMENT, t.c.received_date == receipt_day)
        .order_by(t.c.line_key)
    )
    with store.engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def receipt_days(store: StagingStore, day: date) -> list[date]:
    """The days the money of ``day``'s matched settlements arrived on."""
    t = tables.cash_bank_reconciliation
    query = (
        sa.select(t.c.received_date)
        .distinct()
        .where(
            t.c.business_date == day,
            t.c.row_kind == SETTLEMENT,
            t.c.received_date.is_not(None),
        )
        .order_by(t.c.received_date)
    )
    with store.engine.connect() as conn:
        return list(conn.execute(query).scalars())


def export_dir(store: StagingStore, env: Mapping[str, str] | None = None) -> Path:
    return export_folder(store, RECON_EXPORT_DIR_ENV, "reconciliation", env)


def write_csv(folder: Path, day: date, rows: Iterable[Mapping[str, Any]]) -> Path:
    """``recon_<day>.csv`` in ``folder`` (created), written whole then renamed into place."""
    path = folder / f"recon_{day.isoformat()}.csv"
    return write_day_csv(path, CSV_COLUMNS, day, rows)
