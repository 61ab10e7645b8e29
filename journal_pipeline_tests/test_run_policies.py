"""Every run retries and executes alike, whoever starts it: a schedule, a sensor, a backfill or
the UI's Materialize button (which runs the implicit asset job, not ours)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml

from journal_pipeline.definitions import SYNC_JOB, build_definitions
from journal_pipeline.sync.catch_up import CATCH_UP_TAG

REPO = Path(__file__).resolve().parents[1]


def test_the_instance_is_the_one_retry_policy(sandbox_environment, tmp_path):
    (tmp_path / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert instance.run_retries_enabled
        assert instance.run_retries_max_retries >= 1
        # a step that failed on its own (a held record, a failed check) is not run twice
        assert not instance.run_retries_retry_on_asset_or_op_failure
        # and a backfill's days run one at a time, in the order they were queued
        limits = yaml.safe_load((REPO / "dagster.yaml").read_text())["concurrency"]["runs"]
        assert {"key": "dagster/backfill", "limit": 1} in limits["tag_concurrency_limits"]
        # as do the days a sensor catches up on: the tag its requests carry
        caught_up = {"key": CATCH_UP_TAG, "value": "true", "limit": 1}
        assert caught_up in limits["tag_concurrency_limits"]
    finally:
        instance.dispose()

    defs = build_definitions()
    job = defs.resolve_job_def(SYNC_JOB)
    materialize = defs.resolve_implicit_global_asset_job_def()
    # no job-level retry tag that the Materialize button's runs would lack
    assert "dagster/max_retries" not in job.tags
    assert "dagster/max_retries" not in materialize.tags
    assert job.executor_def.name == materialize.executor_def.name == "in_process"
