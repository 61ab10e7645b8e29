import dagster as dg

from journal_pipeline.alerts.channels import WebhookChannel
from journal_pipeline.defs.alert_sensors import build_run_failure_alert_sensor, will_be_retried
from journal_pipeline.defs.resources import MerchantConfigResource
from journal_pipeline_tests.alerts.receivers import webhook_receiver
from journal_sandbox.defaults import DEMO_CONFIG


@dg.op
def post_day():
    raise RuntimeError("Jurnal answered 500 for ISL/JKT-000101 (customer budi@example.com)")


@dg.job(tags={"dagster/partition": "2026-11-20"})
def failing_job():
    post_day()


def _failed_run(instance, tags=None):
    result = failing_job.execute_in_process(instance=instance, raise_on_error=False, tags=tags)
    event = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    return instance.get_run_by_id(result.run_id), event


def _evaluate(sensor, instance, run, event):
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=event,
        resources={"merchant": MerchantConfigResource(path=str(DEMO_CONFIG))},
    ).for_run_failure()
    sensor(context)


def test_one_alert_per_failed_run_naming_merchant_day_error_and_link():
    instance = dg.DagsterInstance.ephemeral()
    with webhook_receiver() as (url, posted):
        sensor = build_run_failure_alert_sensor(channels=[WebhookChannel(url)])
        run, event = _failed_run(instance)
        _evaluate(sensor, instance, run, event)
        (alert,) = [p["text"] for p in posted]
        assert alert.startswith("[Toko Demo Nusantara] 2026-11-20: run of failing_job failed")
        assert "Step post_day: RuntimeError: Jurnal answered 500 for ISL/JKT-000101" in alert
        assert f"http://127.0.0.1:3000/runs/{run.run_id}" in alert
        assert "budi@example.com" not in alert

        # a run Dagster will retry is not alerted on
        retried, event = _failed_run(instance, tags={"dagster/will_retry": "true"})
        _evaluate(sensor, instance, retried, event)
        assert len(posted) == 1


def test_whether_dagster_retries_a_run():
    assert will_be_retried({"dagster/will_retry": "true"}, True)
    assert not will_be_retried({"dagster/will_retry": "false", "dagster/max_retries": "3"}, True)
    # no verdict yet: the retry number against the limit, when the instance retries runs
    assert will_be_retried({"dagster/max_retries": "1"}, True)
    assert not will_be_retried({"dagster/max_retries": "1", "dagster/retry_number": "1"}, True)
    assert not will_be_retried({"dagster/max_retries": "1"}, False)
