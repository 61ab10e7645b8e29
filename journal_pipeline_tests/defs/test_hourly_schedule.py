"""The hourly tick skips when nothing is new (`sync.hourly_probe`), and asks for the run at
any sign of work or doubt: an order changed in iSeller, a document queued for Jurnal, no
mark for the day, iSeller unreachable, a failed last run, the staleness bound.

Both sandboxes over HTTP, a real SQLite staging database, the day's runs executed in process
on a Dagster instance the tick reads.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from journal_pipeline.definitions import SYNC_JOB, build_definitions
from journal_pipeline.defs.resources import ISellerResource
from journal_pipeline.defs.schedules import build_schedules, hourly_probe
from journal_pipeline.storage import tables
from journal_pipeline.sync.hourly_probe import STALE_AFTER
from journal_pipeline.sync.order_marks import ORDERS_MARK
from journal_pipeline_tests.sync.test_noop_extraction import (
    ASSETS,
    CONFIG,
    DAY,
    Shop,
    local,
    noop_shop,
)

TICK = local(DAY, 13, 5)  # five past one in Jakarta, on the synced day


@dataclass
class Ticking:
    """A synced day, its job and instance, and the hourly schedule with its look."""

    shop: Shop
    job: dg.JobDefinition
    instance: dg.DagsterInstance

    def run(self, *, succeed: bool = True) -> dg.ExecuteInProcessResult:
        result = self.job.execute_in_process(
            partition_key=DAY.isoformat(), instance=self.instance, raise_on_error=False
        )
        assert result.success is succeed
        return result

    def tick(self, resources: dict | None = None, clock=None) -> dg.RunRequest | dg.SkipReason:
        probe = hourly_probe(resources or self.shop.resources, SYNC_JOB, clock)
        schedule = build_schedules(self.job, CONFIG.timezone, probe)[0]
        # closed here: the instance it opens from its reference is set as Dagster's current one
        with dg.build_schedule_context(
            instance=self.instance, scheduled_execution_time=TICK
        ) as context:
            return schedule(context)

    def why(self, resources: dict | None = None, clock=None) -> str:
        """The reason the look gives (for a run as for a skip)."""
        probe = hourly_probe(resources or self.shop.resources, SYNC_JOB, clock)
        return probe(DAY, self.instance).reason

    def settle(self) -> dg.SkipReason:
        """Runs of the day until the tick skips (the first queues and posts, the next sees what
        was posted and keeps its build)."""
        for _ in range(3):
            self.run()
            answer = self.tick()
            if isinstance(answer, dg.SkipReason):
                return answer
        raise AssertionError(f"the tick never skipped: {self.why()}")


def instance_in(home: Path) -> dg.DagsterInstance:
    home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.local_temp(str(home))


@contextmanager
def ticking(base: Path) -> Iterator[Ticking]:
    with noop_shop(base) as shop:
        shop.at(local(DAY, 12))
        defs = dg.Definitions(
            assets=ASSETS,
            jobs=[dg.define_asset_job(SYNC_JOB, executor_def=dg.in_process_executor)],
            resources=shop.resources,
        )
        # an instance on disk: the tick's context opens it again from its reference
        with instance_in(base / "dagster") as instance:
            yield Ticking(shop, defs.resolve_job_def(SYNC_JOB), instance)


def test_a_synced_day_with_nothing_new_skips_and_any_change_runs(tmp_path):
    with ticking(tmp_path) as day:
        skipped = day.settle()
        assert skipped.skip_message and skipped.skip_message.startswith("nothing new since ")
        assert "no order changed in iSeller" in skipped.skip_message
        assert "the next run is at the latest" in skipped.skip_message

        # six hours after the last run: it runs anyway (bank statements, stock, retries)
        later = datetime.now(UTC) + STALE_AFTER
        assert isinstance(day.tick(clock=lambda: later), dg.RunRequest)
        assert "or more ago" in day.why(clock=lambda: later)

        # a document queued for Jurnal (as a retryable error leaves it), of any day
        o = tables.outbox
        with day.shop.store.engine.begin() as conn:
            key = conn.execute(
                sa.select(o.c.doc_key).where(o.c.status == "posted").limit(1)
            ).scalar_one()
            conn.execute(sa.update(o).where(o.c.doc_key == key).values(status="pending"))
        assert isinstance(day.tick(), dg.RunRequest)
        assert day.why().startswith("documents waiting for Jurnal: 1 of ")
        day.settle()

        # the afternoon's sales reach iSeller: the orders modified since the mark run
        day.shop.at(local(DAY, 18))
        assert isinstance(day.tick(), dg.RunRequest)
        assert "changed in iSeller since" in day.why()
        day.settle()


def test_no_mark_unreachable_iseller_or_a_failed_run_runs(tmp_path):
    with ticking(tmp_path) as day:
        day.settle()
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
        unreachable = {
            **day.shop.resources,
            "iseller": ISellerResource(
                token_url=f"http://127.0.0.1:{port}/oauth/token",
                client_id="sandbox-iseller-client",
                client_secret="sandbox-iseller-secret",
            ),
        }
        assert isinstance(day.tick(unreachable), dg.RunRequest)

        kept = day.shop.store.mark(ORDERS_MARK, DAY.isoformat())
        assert kept is not None
        day.shop.store.clear_mark(ORDERS_MARK, DAY.isoformat())
        assert isinstance(day.tick(), dg.RunRequest)
        assert day.why() == "the next fetch is whole (full: first fetch of the day)"
        day.shop.store.set_mark(ORDERS_MARK, DAY.isoformat(), kept[0])
        assert isinstance(day.tick(), dg.SkipReason)

        day.shop.iseller.inject_fault("GetOrders", status=400, times=50)  # refused, no retry
        day.run(succeed=False)
        day.shop.iseller.faults.clear()
        assert isinstance(day.tick(), dg.RunRequest)
        assert day.why() == f"the last run of {DAY.isoformat()} is failure"


def test_the_definitions_tick_runs_without_a_staging_database(sandbox_environment, tmp_path):
    defs = build_definitions()
    schedule = next(s for s in defs.schedules if s.name == "hourly_today_schedule")
    with instance_in(tmp_path / "dagster") as instance:
        tick = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)
        with dg.build_schedule_context(instance=instance, scheduled_execution_time=tick) as context:
            answer = schedule(context)
    assert isinstance(answer, dg.RunRequest) and answer.partition_key == "2026-11-20"
