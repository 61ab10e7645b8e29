from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
import sqlalchemy as sa

from journal_pipeline.alerts.channels import WebhookChannel
from journal_pipeline.defs.alert_sensors import build_run_failure_alert_sensor, will_be_retried
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.storage import tables
from journal_pipeline.sync.quota import QUOTA_EVENT, quota_stop
from journal_pipeline_tests.alerts.receivers import webhook_receiver
from journal_pipeline_tests.databases import postgres_schema_url
from journal_sandbox.defaults import DEMO_CONFIG


@dg.op
def post_day():
    raise RuntimeError("Jurnal answered 500 for ISL/JKT-000101 (customer budi@example.com)")


@dg.job(tags={"dagster/partition": "2026-11-20"})
def failing_job():
    post_day()


@dg.op
def post_day_over_quota():
    raise dg.Failure(
        description="Posting stopped early, 3 invoice(s) left pending for the next run: "
        + quota_stop("quota: Kuota transaksi bulan ini sudah habis")
    )


@dg.job(tags={"dagster/partition": "2026-11-20"})
def quota_job():
    post_day_over_quota()


@pytest.fixture(params=["sqlite", "postgresql"])
def staging(request, tmp_path):
    """The staging database the sensor reads the outbox log from, in each kind."""
    if request.param == "sqlite":
        yield _migrated(StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}"))
        return
    with postgres_schema_url() as url:
        resource = _migrated(StagingResource(url=url))
        yield resource
        resource.store.engine.dispose()


def _migrated(resource: StagingResource) -> StagingResource:
    assert resource.store.engine is not None  # opening the store migrates it
    return resource


def _failed_run(instance, tags=None, job=failing_job):
    result = job.execute_in_process(instance=instance, raise_on_error=False, tags=tags)
    event = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    return instance.get_run_by_id(result.run_id), event


def _evaluate(sensor, instance, run, event, staging):
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=event,
        resources={"merchant": MerchantConfigResource(path=str(DEMO_CONFIG)), "staging": staging},
    ).for_run_failure()
    sensor(context)


def test_one_alert_per_failed_run_naming_merchant_day_error_and_link(staging):
    instance = dg.DagsterInstance.ephemeral()
    with webhook_receiver() as (url, posted):
        sensor = build_run_failure_alert_sensor(channels=[WebhookChannel(url)])
        run, event = _failed_run(instance)
        _evaluate(sensor, instance, run, event, staging)
        (alert,) = [p["text"] for p in posted]
        assert alert.startswith("[Toko Demo Nusantara] 2026-11-20: run of failing_job failed")
        assert "Step post_day: RuntimeError: Jurnal answered 500 for ISL/JKT-000101" in alert
        assert f"http://127.0.0.1:3000/runs/{run.run_id}" in alert
        assert "budi@example.com" not in alert

        # a run Dagster will retry is not alerted on
        retried, event = _failed_run(instance, tags={"dagster/will_retry": "true"})
        _evaluate(sensor, instance, retried, event, staging)
        assert len(posted) == 1


def test_whether_dagster_retries_a_run():
    assert will_be_retried({"dagster/will_retry": "true"}, True)
    assert not will_be_retried({"dagster/will_retry": "false", "dagster/max_retries": "3"}, True)
    # no verdict yet: the retry number against the limit, when the instance retries runs
    assert will_be_retried({"dagster/max_retries": "1"}, True)
    assert not will_be_retried({"dagster/max_retries": "1", "dagster/retry_number": "1"}, True)
    assert not will_be_retried({"dagster/max_retries": "1"}, False)


def _log(staging, run_id: str, event: str, minutes_ago: int, doc: str = "sales_invoice:ORD-1"):
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    row = {"doc_key": doc, "at": at, "event": event, "message": "…", "run_id": run_id}
    with staging.store.engine.begin() as conn:
        conn.execute(sa.insert(tables.outbox_log), row)


def test_a_quota_used_up_is_alerted_once_until_jurnal_has_room_again(staging):
    """The quota stays used up for the rest of the month and stops every hourly run: the
    first stop is alerted, the next ones are not, until a stopped document posts (more quota
    bought) and the quota is met again."""
    instance = dg.DagsterInstance.ephemeral()
    with webhook_receiver() as (url, posted):
        sensor = build_run_failure_alert_sensor(channels=[WebhookChannel(url)])
        first, event = _failed_run(instance, job=quota_job)
        _log(staging, first.run_id, QUOTA_EVENT, 2)
        _evaluate(sensor, instance, first, event, staging)
        assert len(posted) == 1 and "transaction quota is used up" in posted[0]["text"]

        again, event = _failed_run(instance, job=quota_job)
        _log(staging, again.run_id, QUOTA_EVENT, 1)
        _evaluate(sensor, instance, again, event, staging)
        assert len(posted) == 1  # the same quota, still used up

        _log(staging, "bought-more", "posted", 0)  # the stopped invoice went through
        later, event = _failed_run(instance, job=quota_job)
        _log(staging, later.run_id, QUOTA_EVENT, -1)
        _evaluate(sensor, instance, later, event, staging)
        assert len(posted) == 2  # used up again after Jurnal had room: news

        other, event = _failed_run(instance)  # any other failure is alerted as ever
        _evaluate(sensor, instance, other, event, staging)
        assert len(posted) == 3
