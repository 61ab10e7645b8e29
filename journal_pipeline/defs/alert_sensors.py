"""The run-failure alert: one alert per failed run, to every configured channel, except runs
Dagster is about to retry (their retry alerts if it fails too) and runs stopped again by
Jurnal's transaction quota once it was alerted on this month (`sync.quota`)."""

import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import dagster as dg
from dagster._core.execution.plan.objects import StepFailureData

from journal_pipeline.alerts.channels import Channel, deliver
from journal_pipeline.alerts.message import Alert, run_url
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.environment import DAGSTER_WEBSERVER_URL_ENV
from journal_pipeline.sync.quota import USED_UP, quota_stop_is_news

SENSOR_NAME = "run_failure_alert_sensor"
WILL_RETRY_TAG = "dagster/will_retry"  # set on a failed run when instance run retries are on
MAX_RETRIES_TAG = "dagster/max_retries"
RETRY_NUMBER_TAG = "dagster/retry_number"
PARTITION_TAG = "dagster/partition"
MAX_MESSAGE = 300  # characters of an error shown in an alert; the run's page has the rest


def will_be_retried(tags: Mapping[str, str], run_retries_enabled: bool) -> bool:
    """Whether Dagster will run this failed run again: its own verdict when it gave one
    (``dagster/will_retry``), else its retry number against ``dagster/max_retries``."""
    verdict = tags.get(WILL_RETRY_TAG)
    if verdict is not None:
        return verdict.lower() == "true"
    if not run_retries_enabled:
        return False
    retry_number = int(tags.get(RETRY_NUMBER_TAG, "0") or 0)
    return retry_number < int(tags.get(MAX_RETRIES_TAG, "0") or 0)


def _short(message: str | None) -> str:
    first = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    return first if len(first) <= MAX_MESSAGE else first[: MAX_MESSAGE - 1] + "…"


def _step_errors(context: dg.RunFailureSensorContext) -> list[tuple[str, str]]:
    """(step, its error's message past Dagster's wrappers) of each failed step."""
    found = []
    for step in context.get_step_failure_events():
        data = step.event_specific_data
        error = data.error if isinstance(data, StepFailureData) else None
        while error is not None and error.cause is not None:  # past Dagster's wrapper
            error = error.cause
        found.append((str(step.step_key), error.message if error else (step.message or "")))
    return found


def stopped_by_quota(context: dg.RunFailureSensorContext) -> bool:
    """Whether every step failed because Jurnal's transaction quota is used up."""
    errors = _step_errors(context)
    return bool(errors) and all(USED_UP in message for _, message in errors)


def failure_alert(context: dg.RunFailureSensorContext, merchant: str) -> Alert:
    run = context.dagster_run
    lines = [f"Run {run.run_id} of {run.job_name}: {_short(context.failure_event.message)}"]
    for step, message in _step_errors(context):
        lines.append(f"Step {step}: {_short(message)}")
    retry = run.tags.get(RETRY_NUMBER_TAG)
    if retry:
        lines.append(f"This was retry {retry} of {run.tags.get(MAX_RETRIES_TAG, '?')}.")
    return Alert(
        merchant=merchant,
        subject=f"run of {run.job_name} failed",
        day=run.tags.get(PARTITION_TAG),
        lines=lines,
        link=run_url(run.run_id, os.environ.get(DAGSTER_WEBSERVER_URL_ENV)),
    )


def build_run_failure_alert_sensor(
    channels: Sequence[Channel] | None = None,
) -> dg.SensorDefinition:
    """``channels`` default to the environment's (``ALERT_*``) at each failure."""

    @dg.run_failure_sensor(
        name=SENSOR_NAME,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Sends one alert per failed run (merchant, day, the error, a link to the run) to "
            "every configured channel; a run Dagster will retry is skipped, and so is a run "
            "stopped again by Jurnal's transaction quota once it was alerted on this month."
        ),
    )
    def run_failure_alert_sensor(
        context: dg.RunFailureSensorContext,
        merchant: MerchantConfigResource,
        staging: StagingResource,
    ):
        run = context.dagster_run
        if will_be_retried(run.tags, context.instance.run_retries_enabled):
            context.log.info(f"run {run.run_id} will be retried: no alert")
            return
        if stopped_by_quota(context) and not quota_stop_is_news(
            staging.store.engine, run.run_id, datetime.now(UTC), merchant.config.zone
        ):
            context.log.info(f"run {run.run_id} met the quota already alerted on: no alert")
            return
        alert = failure_alert(context, merchant.config.name)
        deliver([alert], channels, context.log.warning)

    return run_failure_alert_sensor
