"""A snapshot of the Dagster graph: a change to assets, checks, jobs, schedules or sensors
shows up in review as a change to ``snapshots/definitions.json``.

After an intended change: ``UPDATE_SNAPSHOTS=1 make test PYTEST_ARGS=-k snapshot``, then
review and commit the JSON.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from journal_pipeline.config import load_config
from journal_pipeline.definitions import build_definitions
from journal_sandbox.defaults import DEMO_CONFIG

SNAPSHOT = Path(__file__).with_name("snapshots") / "definitions.json"


def _partitions(partitions_def) -> dict | None:
    if partitions_def is None:
        return None
    shape = {"type": type(partitions_def).__name__}
    if isinstance(partitions_def, dg.TimeWindowPartitionsDefinition):
        shape.update(
            cron=partitions_def.cron_schedule,
            start=partitions_def.start.isoformat(),
            timezone=partitions_def.timezone,
            end_offset=partitions_def.end_offset,
            fmt=partitions_def.fmt,
        )
    return shape


def graph_snapshot(defs: dg.Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "partitions": _partitions(node.partitions_def),
            "pools": sorted(node.pools or []),
            "kinds": sorted(node.kinds),
        }
    checks = {
        f"{k.asset_key.to_user_string()}:{k.name}": {
            "blocking": graph.get_check_spec(k).blocking,
            "partitions": _partitions(graph.get_check_spec(k).partitions_def),
        }
        for k in sorted(
            graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)
        )
    }
    jobs = {}
    for job in defs.resolve_all_job_defs():
        if job.name.startswith("__"):
            continue  # Dagster's implicit asset job
        jobs[job.name] = {
            "assets": sorted(k.to_user_string() for k in job.asset_layer.selected_asset_keys),
            "partitions": _partitions(job.partitions_def),
            "tags": dict(sorted(job.tags.items())),
        }
    schedules = {
        s.name: {
            "cron": s.cron_schedule,
            "timezone": s.execution_timezone,
            "job": s.job_name,
            "default_status": s.default_status.value,
        }
        for s in sorted(defs.schedules, key=lambda s: s.name)
    }
    sensors = {
        s.name: {
            "job": s.job_name if s.has_jobs else None,  # a run-failure sensor targets none
            "minimum_interval_seconds": s.minimum_interval_seconds,
            "default_status": s.default_status.value,
        }
        for s in sorted(defs.sensors, key=lambda s: s.name)
    }
    return {
        "assets": assets,
        "checks": checks,
        "jobs": jobs,
        "schedules": schedules,
        "sensors": sensors,
        "resources": sorted(defs.resources),
    }


def test_the_graph_matches_its_snapshot(sandbox_environment):
    defs = build_definitions(load_config(DEMO_CONFIG))
    current = graph_snapshot(defs)
    text = json.dumps(current, indent=2, sort_keys=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(text, encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == expected, (
        "The Dagster graph changed. If intended, run "
        f"`UPDATE_SNAPSHOTS=1 make test PYTEST_ARGS=-k snapshot` and commit {SNAPSHOT.name}"
    )
