"""A day's run reads staging by index: no query of a run reads every row of a table that grows
with the orders kept (a year of a busy merchant is millions of outbox rows and journal lines),
so an hourly run costs what its day holds, not what the history holds.

The day runs through Dagster on both sandboxes twice (the second rebuilds against what the
first posted), then every sensor and schedule looks once; every SELECT they sent to staging is
then explained by the database itself: SQLite (`EXPLAIN QUERY PLAN`: no ``SCAN`` of a growing
table) and PostgreSQL, the production staging (`EXPLAIN` with sequential scans priced out, so
that the planner takes any index that serves the query even on a test's few rows: a
``Seq Scan`` left on a growing table is one no index serves)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from journal_pipeline.config import load_config
from journal_pipeline.definitions import SYNC_JOB, build_definitions
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.databases import postgres_schema_url
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


@pytest.fixture(params=["sqlite", "postgresql"])
def staged_selects(request, tmp_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """A staging database's URL, and every SELECT sent to it (statement → parameters) once it
    is made (its migrations run before)."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'staging.db'}"
        else:
            url = stack.enter_context(postgres_schema_url())
        StagingStore(url).engine.dispose()
        ours = make_url(url)
        selects: dict[str, Any] = {}

        def capture(conn, cursor, statement, parameters, context, executemany) -> None:
            if conn.engine.url == ours and statement.lstrip().startswith("SELECT"):
                selects.setdefault(statement, parameters)

        event.listen(Engine, "before_cursor_execute", capture)
        stack.callback(event.remove, Engine, "before_cursor_execute", capture)
        yield url, selects


def test_a_days_runs_and_the_sensors_read_no_growing_table_whole(
    iseller_sandbox, jurnal_sandbox, staged_selects
):
    url, selects = staged_selects
    resources = sandbox_resources(url, DEMO_CONFIG, iseller_sandbox.env, jurnal_sandbox.env)
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

    whole_reads = _sqlite_whole_reads if url.startswith("sqlite") else _postgres_whole_reads
    scans = [
        f"{', '.join(whole)}: {' '.join(statement.split())[:300]}"
        for statement, whole in whole_reads(url, selects)
        if whole
    ]
    assert not scans, "\n".join(scans)


def _sqlite_whole_reads(url: str, selects: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """Each statement, and the growing tables SQLite's plan for it scans."""
    with sqlite3.connect(make_url(url).database or "") as db:
        for statement, parameters in selects.items():
            plan = db.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
            yield (
                statement,
                sorted({m[1] for row in plan if (m := _SCAN.match(row[3])) and m[1] in GROWING}),
            )


def _postgres_whole_reads(url: str, selects: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """Each statement, and the growing tables PostgreSQL cannot read for it but whole.

    On a test's few rows the planner reads a table whole because that is cheapest, whatever
    indexes there are; priced by its rows in production it would not. So sequential scans are
    priced out (``enable_seqscan = off``), and while the plan walks an index of a growing table
    from end to end (no condition on its first column), that index is dropped and the
    statement planned again (all in a transaction rolled back). What is left is read whole
    however big the table: by a ``Seq Scan``, as no index serves the statement."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            indexes = {name: (table, column) for name, table, column in conn.execute(_INDEXES)}
            conn.exec_driver_sql("SET enable_seqscan = off")
            cursor = conn.connection.dbapi_connection.cursor()
            for statement, parameters in selects.items():
                cursor.execute("SAVEPOINT planning")
                try:
                    yield statement, _whole_reads(cursor, statement, parameters, indexes)
                finally:
                    cursor.execute("ROLLBACK TO SAVEPOINT planning")
    finally:
        engine.dispose()


#: Each index of the schema: its table and its first column.
_INDEXES = sa.text(
    """
    SELECT c.relname, t.relname, a.attname FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE c.relnamespace = current_schema()::regnamespace
    """
)


def _whole_reads(
    cursor: Any, statement: str, parameters: Any, indexes: dict[str, tuple[str, str]]
) -> list[str]:
    """The growing tables the statement reads whole (`_postgres_whole_reads`); ``indexes``:
    the schema's, by name (table, first column). Drops indexes: run in a savepoint."""
    while True:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        nodes = list(_nodes(cursor.fetchone()[0][0]["Plan"]))
        walked = {
            index
            for node in nodes
            if (index := node.get("Index Name")) in indexes  # not the catalog's
            and indexes[index][0] in GROWING
            and not _searches(node.get("Index Cond", ""), indexes[index][1])
        }
        if not walked:
            return sorted(
                {
                    node["Relation Name"]
                    for node in nodes
                    if node["Node Type"] == "Seq Scan" and node["Relation Name"] in GROWING
                }
            )
        for index in walked:
            cursor.execute("SAVEPOINT dropping")
            try:
                cursor.execute(f'DROP INDEX "{index}"')
            except Exception:  # the index of a key: its constraint goes with it
                cursor.execute("ROLLBACK TO SAVEPOINT dropping")
                table = indexes[index][0]
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{index}" CASCADE')


def _searches(condition: str, column: str) -> bool:
    """Whether an index condition bounds the index's first column (``IS NOT NULL`` does not:
    it walks every row that has one)."""
    named = re.sub(rf"\b{re.escape(column)} IS NOT NULL", "", condition)
    return re.search(rf"\b{re.escape(column)}\b", named) is not None


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


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
