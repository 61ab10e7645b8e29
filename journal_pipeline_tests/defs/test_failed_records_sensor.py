from datetime import UTC, date, datetime, timedelta

import dagster as dg

from journal_pipeline.accounting.documents import SALES_INVOICE
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.alerts.channels import WebhookChannel
from journal_pipeline.defs.failed_records_sensor import build_failed_records_sensor
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.sync.failed_records import RetryPolicy
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.alerts.receivers import webhook_receiver
from journal_sandbox.defaults import DEMO_CONFIG

DAY = date(2026, 11, 20)
JOB = dg.define_asset_job("iseller_to_jurnal_job")


class Clock:
    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self):
        return self.now


def _held(reference):
    return Hold(
        "order", f"o-{reference}", reference, "JKT", DAY, f"Order {reference}: no tax. Map it."
    )


def _tick(sensor, instance, staging, cursor):
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"staging": staging, "merchant": MerchantConfigResource(path=str(DEMO_CONFIG))},
    )
    result = sensor(context)
    return result, result.cursor


def _observations(instance):
    records = instance.fetch_observations(dg.AssetKey("jurnal_sales_invoices"), limit=100).records
    return sorted(
        (
            r.asset_observation.metadata["status"].value,
            r.asset_observation.metadata["doc_key"].value,
        )
        for r in records
    )


def test_held_failed_and_retryable_records_are_reported_once_and_retried_up_to_n(tmp_path):
    staging = StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}")
    outbox = Outbox(staging.store, run_id="run-1")
    outbox.enqueue(DAY, [], [_held("#101"), _held("#102"), _held("#103")])
    outbox._mark(f"{SALES_INVOICE}:o-#102", "failed", "Jurnal refused #102: date", "failed")
    outbox._log_many([f"{SALES_INVOICE}:o-#103"], "retry", "JurnalRetryableError: HTTP 503")
    clock = Clock()
    instance = dg.DagsterInstance.ephemeral()

    with webhook_receiver() as (url, posted):
        sensor = build_failed_records_sensor(
            JOB,
            RetryPolicy(max_retries=2, backoff=timedelta(minutes=10)),
            channels=[WebhookChannel(url)],
            clock=clock,
        )
        result, cursor = _tick(sensor, instance, staging, None)
        assert not result.run_requests  # the backoff has not passed
        assert _observations(instance) == [
            ("failed", "sales_invoice:o-#102"),
            ("held", "sales_invoice:o-#101"),
            ("held", "sales_invoice:o-#102"),  # held first, then refused: both are news
            ("held", "sales_invoice:o-#103"),
            ("retryable", "sales_invoice:o-#103"),
        ]
        texts = [p["text"] for p in posted]
        assert any("record failed" in t and "Jurnal refused #102" in t for t in texts)
        assert any("3 records held" in t and "Map it." in t for t in texts)
        held = next(t for t in texts if "3 records held" in t)
        assert 'journal-pipeline resolve sales_invoice:o-#101 --note "what was booked"' in held
        failed = next(t for t in texts if "record failed" in t)
        assert "journal-pipeline resolve" not in failed  # Jurnal refused it: fix and retry
        assert all("/runs/run-1" in t for t in texts)

        # a second tick reports nothing
        count = len(posted)
        result, cursor = _tick(sensor, instance, staging, cursor)
        assert not result.run_requests and len(posted) == count
        assert len(_observations(instance)) == 5

        # after the backoff the day runs again, then again after a longer one, then no more
        for attempt in (1, 2):
            clock.now += timedelta(minutes=10 * 2 ** (attempt - 1))
            result, cursor = _tick(sensor, instance, staging, cursor)
            assert [r.partition_key for r in result.run_requests] == [DAY.isoformat()]
            assert result.run_requests[0].tags["journal_pipeline/failed_records_retry"] == (
                f"{attempt} of 2"
            )
            outbox._log_many([f"{SALES_INVOICE}:o-#103"], "retry", "JurnalRateLimited: 429")
            result, cursor = _tick(sensor, instance, staging, cursor)
            assert not result.run_requests
        clock.now += timedelta(hours=2)
        result, cursor = _tick(sensor, instance, staging, cursor)
        assert not result.run_requests
        assert "automatic retries used up" in posted[-1]["text"]
        assert "retry-failed --date 2026-11-20" in posted[-1]["text"]

        # a record that posts is reported as recovered
        outbox._mark(f"{SALES_INVOICE}:o-#101", "posted", "Jurnal id 7", "posted")
        result, cursor = _tick(sensor, instance, staging, cursor)
        assert "1 record recovered" in posted[-1]["text"]
        assert ("recovered", "sales_invoice:o-#101") in _observations(instance)


def _one_held_day(tmp_path):
    staging = StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}")
    Outbox(staging.store, run_id="run-1").enqueue(DAY, [], [_held("#101")])
    return staging


def test_a_malformed_smtp_port_leaves_out_email_only_and_is_logged_once(
    tmp_path, monkeypatch, capfd
):
    staging = _one_held_day(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    sensor = build_failed_records_sensor(JOB, RetryPolicy(max_retries=2))
    with webhook_receiver() as (url, posted):
        monkeypatch.setenv("ALERT_WEBHOOK_URL", url)
        monkeypatch.setenv("ALERT_SMTP_HOST", "smtp.toko.test")
        monkeypatch.setenv("ALERT_SMTP_PORT", "smtps")
        monkeypatch.setenv("ALERT_EMAIL_TO", "finance@toko.test")
        result, cursor = _tick(sensor, instance, staging, None)

    # the tick went through: the record is reported, on the webhook and as an observation
    assert cursor is not None and not result.run_requests
    assert [p["text"].splitlines()[0] for p in posted] == [
        "[Toko Demo Nusantara] 2026-11-20: 1 record held"
    ]
    assert _observations(instance) == [("held", "sales_invoice:o-#101")]
    logged = capfd.readouterr().err  # the sensor's log (Dagster's console logger)
    warnings = [line for line in logged.splitlines() if "ALERT_SMTP_PORT" in line]
    assert len(warnings) == 1, logged
    assert "WARNING - alert channel left out" in warnings[0]
    assert "'smtps'" in warnings[0] and "e-mail alerts are off" in warnings[0]
    assert "Set ALERT_SMTP_PORT to" in warnings[0] and "587" in warnings[0]


def test_a_refused_webhook_is_logged_by_host_and_status_never_by_its_url(
    tmp_path, monkeypatch, capfd
):
    secret = "XXXXWEBHOOKSECRET0123"
    staging = _one_held_day(tmp_path)
    sensor = build_failed_records_sensor(JOB, RetryPolicy(max_retries=2))
    with webhook_receiver(status=404) as (url, posted):
        monkeypatch.setenv("ALERT_WEBHOOK_URL", f"{url}/services/T000/B000/{secret}")
        _tick(sensor, dg.DagsterInstance.ephemeral(), staging, None)

    assert len(posted) == 1  # the webhook was called, and refused it
    logged = capfd.readouterr().err  # the sensor's log (Dagster's console logger)
    assert "alert not delivered: webhook: DeliveryError: HTTP 404 from 127.0.0.1" in logged
    assert secret not in logged and "/services/" not in logged
