"""A day's run reads staging by index: no query of a run reads every row of a table that grows
with the orders kept (a year of a busy merchant is millions of outbox rows and journal lines),
so an hourly run costs what its day holds, not what the history holds.

The day runs through Dagster on both sandboxes twice (the second rebuilds against what the
first posted), then every sensor and schedule looks once; every SELECT they sent to staging is
then explained by SQLite."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from journal_pipeline.config import load_config
from journal_pipeline.definitions import SYNC_JOB, build_definitions
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.sandbox_resources import sandbox_resources
from journal_sandbox.defaults import DEMO_CONFIG

DAY = date(2026, 11, 19)  # a whole day before the iSeller sandbox's clock
CONFIG = load_config(DEMO_CONFIG)
#: Tables whose rows grow with every order, refund and document kept.
GROWING = {
    t.name
    for t in (
        tables.iseller_orders,
        tables.iseller_refunds,
        tables.outbox,
        tables.outbox_log,
        tables.journal_lines,
        tables.order_revisions,
        tables.summary_members,
    )
}
_SCAN = re.compile(r"^SCAN (\w+)")


@pytest.fixture
def staged_selects(tmp_path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The staging database's path, and every SELECT sent to it (statement → parameters)
    once it is made (its migrations run before)."""
    path = tmp_path / "staging.db"
    StagingStore(f"sqlite:///{path}").engine.dispose()
    selects: dict[str, Any] = {}

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if conn.engine.url.database == str(path) and statement.lstrip().startswith("SELECT"):
            selects.setdefault(statement, parameters)

    event.listen(Engine, "before_cursor_execute", capture)
    try:
        yield path, selects
    finally:
        event.remove(Engine, "before_cursor_execute", capture)


def test_a_days_runs_and_the_sensors_read_no_growing_table_whole(
    iseller_sandbox, jurnal_sandbox, staged_selects
):
    path, selects = staged_selects
    resources = sandbox_resources(
        f"sqlite:///{path}", DEMO_CONFIG, iseller_sandbox.env, jurnal_sandbox.env
    )
    defs = build_definitions(CONFIG, resources)
    job = defs.resolve_job_def(SYNC_JOB)
    with dg.DagsterInstance.ephemeral() as instance:
        for _ in range(2):  # every asset and check of the hourly job
            result = job.execute_in_process(
                partition_key=DAY.isoformat(), instance=instance, raise_on_error=False
            )
            assert result.success
        _evaluate_sensors_and_schedules(defs, instance, resources)
    assert any("FROM outbox" in s for s in selects)  # the run did read staging

    scans: list[str] = []
    with sqlite3.connect(path) as db:
        for statement, parameters in selects.items():
            plan = db.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
            whole = sorted({m[1] for row in plan if (m := _SCAN.match(row[3])) and m[1] in GROWING})
            if whole:
                scans.append(f"{', '.join(whole)}: {' '.join(statement.split())[:300]}")
    assert not scans, "\n".join(scans)


def _evaluate_sensors_and_schedules(
    defs: dg.Definitions, instance: dg.DagsterInstance, resources: dict[str, Any]
) -> None:
    """One tick of every sensor (but those that watch runs) and schedule: they look every
    half minute or hour for as long as the pipeline runs."""
    for sensor in defs.sensors:
        if isinstance(sensor, dg.RunStatusSensorDefinition):
            continue
        with dg.build_sensor_context(
            instance=instance, definitions=defs, resources=resources
        ) as context:
            sensor(context)
    for schedule in defs.schedules:
        moment = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC).replace(hour=6)
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=moment, resources=resources
        ) as context:
            schedule(context)
