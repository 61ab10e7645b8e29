"""Jurnal's monthly transaction quota (J-58): what a refusal for it does to posting.

A plan's quota counts the transactions created in a month. A document refused because the
quota is used up is right as it is: it stays ``pending`` (logged ``quota``, never ``failed``),
posting stops for the run, and the run fails with the fix. The next run after Jurnal has room
again (more quota bought, or the next month) posts what is left exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

import sqlalchemy as sa

from journal_pipeline.jurnal.errors import mentions_quota
from journal_pipeline.jurnal.quota import TransactionQuota
from journal_pipeline.storage import tables

QUOTA_EVENT = "quota"  # outbox log event of a document refused for the quota
USED_UP = "transaction quota is used up"  # in every message of a stop for the quota


def is_quota_refusal(errors: Mapping[str, Any] | None) -> bool:
    """Whether a batch item's refusal is the quota's rather than the document's."""
    return bool(errors) and mentions_quota(errors)


def quota_stop(detail: str) -> str:
    """Why posting stopped, and what to do (the run's failure and each document's log)."""
    return (
        f"Jurnal's {USED_UP} ({detail}): nothing more is posted until it has "
        "room again. Buy more quota in Jurnal (or wait for the next month; "
        "`posting_mode: daily_summary` posts one invoice per outlet and day instead of one per "
        "order), then run the day again: what is left is posted once, nothing twice. "
        "`journal-pipeline check` shows the quota left."
    )


def quota_notes(
    quota: TransactionQuota | None, mode: str, orders_seen: int, outlets: int, days: int
) -> list[str]:
    """What `journal-pipeline check` says of the quota: what is left, and whether per-order
    posting fits it (from the orders iSeller was paid for in the last ``days`` days)."""
    if quota is None or not quota.limited:
        return []  # no quota served, or none set: nothing to say
    lines = [quota.describe()]
    if quota.remaining == 0:
        lines.append(
            "the quota is used up: Jurnal refuses new documents until it has room again "
            "(buy more in Jurnal, or wait for the next month); runs stop and keep them pending"
        )
    monthly, summaries = orders_seen * 30 // max(days, 1), outlets * 30
    if mode == "daily_summary" and quota.total is not None and summaries > quota.total:
        lines.append(
            f"posting_mode daily_summary posts about {summaries:,} sales invoices a month (one "
            f"per outlet and day), more than the quota of {quota.total:,}: buy more quota in "
            "Jurnal"
        )
    if mode == "per_order" and quota.total is not None and monthly > quota.total:
        lines.append(
            f"posting_mode per_order posts at least {monthly:,} sales invoices a month (one per "
            f"order iSeller was paid for in the last {days} days), more than the quota of "
            f"{quota.total:,}: set `posting_mode: daily_summary` (about {summaries:,} a "
            "month, one per outlet and day) or buy more quota in Jurnal"
        )
    return lines


def quota_stop_is_news(engine: sa.Engine, run_id: str, now: datetime, zone: tzinfo) -> bool:
    """Whether a run's stop for the quota is news: no other run met the quota this month
    since Jurnal last had room (a document once stopped by it posted). A quota used up for
    the rest of the month stops every hourly run; people are told once."""
    local = now.astimezone(zone)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    log = tables.outbox_log
    stopped = sa.select(log.c.doc_key).where(log.c.event == QUOTA_EVENT, log.c.at >= month_start)
    room_again = (
        sa.select(sa.func.max(log.c.at))
        .where(log.c.event.in_(("posted", "duplicate")), log.c.doc_key.in_(stopped))
        .scalar_subquery()
    )
    earlier = (
        sa.select(sa.func.count())
        .select_from(log)
        .where(
            log.c.event == QUOTA_EVENT,
            log.c.run_id != run_id,
            log.c.at >= month_start,
            log.c.at > sa.func.coalesce(room_again, sa.literal(month_start, log.c.at.type)),
        )
    )
    with engine.connect() as conn:
        return not conn.execute(earlier).scalar()
