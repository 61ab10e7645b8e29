"""Whether today's hourly run could do anything: the hourly schedule skips a tick only when
it is sure nothing would.

A run with nothing new still costs Dagster's own overhead of ~15 steps and their checks, and
leaves an empty run in the UI every hour. Before it asks for a run, the schedule looks, in
this order (the cheap reads first, iSeller last), and asks for the run at the first sign of
work or of doubt:

1. the day's last run of the job, in the Dagster instance: none yet, one that did not
   succeed (failed, cancelled, still queued or running), or one that started
   `STALE_AFTER` or longer ago. The bound gives its turn to everything the look below cannot
   see cheaply: the bank statement read from Jurnal (`cash_bank_reconciliation`), the stock
   comparison with Jurnal, iSeller's stock documents (transfers, stock takes), customers and
   products changed in iSeller without an order, and a late order whose modified date lies
   under the day's mark (`sync.order_marks`' overlap);
2. the staging database: not there yet (SQLite), or no order mark for the day, or a mark
   under which the next run would fetch the whole day (`order_marks.plan_fetch`: its config
   windows changed, its last full fetch too old, the day over since);
3. the outbox, every day: a document queued (``pending``, which is also where a retryable
   Jurnal error leaves it) or a payment held waiting for its invoice;
4. the day's journal inputs (`defs.build_marks.journal_inputs`: staging, the merchant
   config and the pipeline's code) against those of its last build: any difference, or no
   build kept;
5. iSeller's GetOrders for orders modified since the moment the next run would ask from
   (the day's mark less the overlap) and created before the end of the day's windows (a
   superset of what the run would fetch), order headers only, in one page sized to the
   orders staged since that moment plus one: an order that is not staged, or staged with
   another modified date, is new.

A register shift closed in iSeller is run by the shift-close sensor and a bank statement
file by the statement sensor, not by this schedule. Any error of the look (iSeller
unreachable, a database error) asks for the run. iSeller is asked with a short timeout and
no retry: a tick must not wait on a slow store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter

from journal_pipeline.accounting.business_day import extraction_windows
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.order_changes import changed_at
from journal_pipeline.core.timestamps import as_utc
from journal_pipeline.iseller.paging import EPOCH
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.order_marks import FULL_EVERY, plan_fetch

STALE_AFTER = FULL_EVERY  # a day runs at least this often, new or not
TIMEOUT_SECONDS = (2.0, 5.0)  # connect, read: a tick, not a run
MAX_PAGE = 500  # the page's size at most (a busier overlap is read in more pages)
WAITING = "% waits for its invoice %"  # `sync.waiting_payments.waiting_reason`


class OrderSource(Protocol):
    def get_orders(self, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class LastRun:
    """The day's last run of the job: when it started (None while queued) and its status."""

    started: datetime | None
    status: str

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCESS"


@dataclass(frozen=True)
class Verdict:
    """Skip the tick (``reason`` says why nothing would happen) or run (``reason`` says
    what may need the run)."""

    skip: bool
    reason: str


def run(reason: str) -> Verdict:
    return Verdict(False, reason)


def hurried_session() -> requests.Session:
    """A session for the look: a short timeout, no retry (the run retries, not the tick)."""
    session = _Hurried()
    adapter = HTTPAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _Hurried(requests.Session):
    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = TIMEOUT_SECONDS
        return super().request(method, url, *args, **kwargs)


def staging_exists(url: str) -> bool:
    """False for a SQLite file not created yet (opening it would create it); True for
    any other database, whose absence the look meets as an error."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return True
    return Path(parsed.database).is_file()


def look(
    *,
    store: Callable[[], StagingStore],
    config: MerchantConfig,
    day: date,
    last: LastRun | None,
    journal_current: Callable[[StagingStore], bool],
    orders: Callable[[], OrderSource],
    now: datetime | None = None,
) -> Verdict:
    """Whether today's run of ``day`` could do anything (the module's steps, in order)."""
    now = now or datetime.now(UTC)
    zone = config.zone
    if last is None:
        return run(f"no run of {day.isoformat()} yet")
    if not last.succeeded:
        return run(f"the last run of {day.isoformat()} is {last.status.lower()}")
    if last.started is None or now - last.started >= STALE_AFTER:
        return run(f"the last run of {day.isoformat()} started {STALE_AFTER} or more ago")
    staging = store()
    fetch = plan_fetch(staging, config, day, now)
    if fetch.since is None:
        return run(f"the next fetch is whole ({fetch.why})")
    waiting = open_documents(staging)
    if waiting:
        return run(f"documents waiting for Jurnal: {_days(waiting)}")
    if not journal_current(staging):
        return run("the journal's inputs changed since its last build")
    created_before = max(end for _, end in extraction_windows(day, config.zones()).values())
    changed = changed_orders(orders(), staging, fetch.since, created_before)
    if changed:
        since = _clock(fetch.since, zone, now)
        return run(f"{changed} order(s) changed in iSeller since {since}")
    return Verdict(
        True,
        f"nothing new since {_clock(last.started, zone, now)}: no order changed in iSeller, "
        "nothing queued for Jurnal, the journal's inputs unchanged; the next run is at the "
        f"latest {_clock(last.started + STALE_AFTER, zone, now)}",
    )


def open_documents(store: StagingStore) -> dict[date, int]:
    """Documents of any day queued for Jurnal (pending) or held waiting for their invoice,
    by business date."""
    t = tables.outbox
    query = (
        sa.select(t.c.business_date, sa.func.count())
        .where(
            sa.or_(
                t.c.status == "pending",
                sa.and_(t.c.status == "held", t.c.reason.like(WAITING)),
            )
        )
        .group_by(t.c.business_date)
    )
    with store.engine.connect() as conn:
        return {row[0]: int(row[1]) for row in conn.execute(query)}


def changed_orders(
    source: OrderSource, store: StagingStore, since: datetime, created_before: datetime
) -> int:
    """How many orders iSeller holds modified from ``since`` on, created before the end of
    the day's windows (what the day's run would fetch, and the older orders it would not),
    that are not staged as they are (the staged ones sent again by the inclusive bound and
    the overlap are not new)."""
    t = tables.iseller_orders
    with store.engine.connect() as conn:
        staged_since = conn.execute(
            sa.select(sa.func.count()).where(t.c.modified_at >= _db_time(store, since))
        ).scalar_one()
    size = min(MAX_PAGE, int(staged_since) + 1)
    batch = source.get_orders(
        created_after=EPOCH,
        created_before=created_before,
        modified_after=since,
        includes=(),
        page_size=size,
    )
    sent = {str(o.get("order_id")): changed_at(o) for o in batch.orders}
    if batch.conflicts:  # an order sent twice, differently: the run holds it, so run
        return max(len(sent), 1)
    staged = _staged_modified(store, sent)
    return sum(1 for key, moment in sent.items() if moment is None or staged.get(key) != moment)


def _staged_modified(store: StagingStore, ids: Iterable[str]) -> dict[str, datetime | None]:
    t = tables.iseller_orders
    wanted = sorted(set(ids))
    found: dict[str, datetime | None] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            query = sa.select(t.c.order_id, t.c.modified_at).where(
                t.c.order_id.in_(wanted[start : start + 500])
            )
            found.update({row.order_id: as_utc(row.modified_at) for row in conn.execute(query)})
    return found


def _db_time(store: StagingStore, moment: datetime) -> datetime:
    # as the store writes it: naive UTC in SQLite (compared as text), aware elsewhere
    moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None) if store.engine.dialect.name == "sqlite" else moment


def _days(counts: dict[date, int]) -> str:
    return ", ".join(f"{n} of {day.isoformat()}" for day, n in sorted(counts.items()))


def _clock(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """``HH:MM`` in the merchant's zone, with the date when it is not ``now``'s."""
    local = moment.astimezone(zone)
    same_day = local.date() == now.astimezone(zone).date()
    return f"{local:%H:%M}" if same_day else f"{local:%Y-%m-%d %H:%M}"
