"""The failed-records sensor: flags each record that becomes held or failed, once, in the UI
(an observation on the asset that posts it) and to the alert channels; runs a day again after
a retryable Jurnal error (5xx, timeout, 429), with a backoff, at most a few times; and runs
the day of a payment held for its invoice once that invoice is posted.

The decisions are `journal_pipeline.sync.failed_records`; this module reads the log, reports
and requests the runs. Its cursor is JSON: the last outbox log id read and the days waiting
for an automatic retry.
"""

import json
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import dagster as dg

from journal_pipeline.accounting.documents import (
    CASH_COUNT,
    JOURNAL_ENTRY,
    OPENING_STOCK,
    PAYMENT_FEE,
    PAYOUT,
    RECEIVE_PAYMENT,
    SALES_INVOICE,
    SALES_RETURN,
    STOCK_ADJUSTMENT,
    WAREHOUSE_TRANSFER,
)
from journal_pipeline.alerts.channels import Channel, deliver
from journal_pipeline.alerts.message import Alert, run_url
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.environment import DAGSTER_WEBSERVER_URL_ENV
from journal_pipeline.sync.failed_records import (
    HELD,
    RETRIES_EXHAUSTED,
    DayRetry,
    Finding,
    RetryPolicy,
    findings,
    plan_retries,
)
from journal_pipeline.sync.outbox_log_reads import last_significant, log_after, payment_days

SENSOR_NAME = "failed_records_sensor"
RETRY_TAG = "journal_pipeline/failed_records_retry"  # the attempt number of an automatic retry
INVOICE_POSTED_TAG = "journal_pipeline/invoice_posted"  # the invoices a held payment waited for
MANUAL_RETRY = "journal-pipeline retry-failed --date {day}"
MANUAL_RESOLVE = 'journal-pipeline resolve {key} --note "what was booked"'

# the asset whose runs post each document type (where the UI shows its observations)
ASSET_OF_DOC_TYPE = {
    SALES_INVOICE: "jurnal_sales_invoices",
    RECEIVE_PAYMENT: "jurnal_sales_invoices",
    SALES_RETURN: "jurnal_sales_returns",
    JOURNAL_ENTRY: "jurnal_sales_returns",
    "reversal": "jurnal_sales_returns",
    WAREHOUSE_TRANSFER: "jurnal_stock_documents",
    STOCK_ADJUSTMENT: "jurnal_stock_documents",
    OPENING_STOCK: "jurnal_opening_stock",
    CASH_COUNT: "jurnal_cash_counts",
    PAYMENT_FEE: "jurnal_payment_fees",
    PAYOUT: "jurnal_payouts",
}
DEFAULT_ASSET = "jurnal_sales_invoices"


def _read_cursor(text: str | None) -> tuple[int, dict[date, DayRetry]]:
    if not text:
        return 0, {}
    data = json.loads(text)
    retries = {date.fromisoformat(d): DayRetry.from_json(v) for d, v in data["retries"].items()}
    return int(data["last_id"]), retries


def _write_cursor(last_id: int, retries: dict[date, DayRetry]) -> str:
    days = {d.isoformat(): r.to_json() for d, r in sorted(retries.items())}
    return json.dumps({"last_id": last_id, "retries": days}, sort_keys=True)


def _observation(finding: Finding) -> dg.AssetObservation:
    entry = finding.entry
    asset = ASSET_OF_DOC_TYPE.get(entry.doc_type, DEFAULT_ASSET)
    metadata: dict[str, str | int] = {
        "status": finding.kind,
        "record": entry.record,
        "doc_key": entry.doc_key,
        "reason": finding.reason,
        "fix": finding.fix,
        "outbox_log_id": entry.id,
    }
    if entry.run_id:
        metadata["run_id"] = entry.run_id
    return dg.AssetObservation(
        asset_key=dg.AssetKey(asset), partition=entry.business_date.isoformat(), metadata=metadata
    )


def _subject(kind: str, count: int, policy: RetryPolicy) -> str:
    records = f"{count} record{'s' if count != 1 else ''}"
    if kind == RETRIES_EXHAUSTED:
        return f"automatic retries used up ({policy.max_retries} of {policy.max_retries})"
    return f"{records} {kind.replace('_', ' ')}"


def alerts_for(
    found: Sequence[Finding], merchant: str, policy: RetryPolicy, webserver_url: str | None
) -> list[Alert]:
    """One alert per day and kind of finding, each record with its reason and fix."""
    groups: dict[tuple[date, str], list[Finding]] = defaultdict(list)
    for finding in found:
        groups[(finding.day, finding.kind)].append(finding)
    alerts = []
    for (day, kind), group in sorted(groups.items()):
        lines = [f"{f.entry.record}: {f.reason} Fix: {f.fix}" for f in group]
        if kind == RETRIES_EXHAUSTED:
            lines.append(f"Retry by hand: {MANUAL_RETRY.format(day=day.isoformat())}")
        if kind == HELD:
            more = " …" if len(group) > 1 else ""
            lines.append(
                "Booked by hand in Jurnal instead: "
                f"{MANUAL_RESOLVE.format(key=group[0].entry.doc_key)}{more} (every key: "
                f"journal-pipeline status --date {day.isoformat()} --records)"
            )
        run_id = next((f.entry.run_id for f in group if f.entry.run_id), None)
        alerts.append(
            Alert(
                merchant=merchant,
                subject=_subject(kind, len(group), policy),
                day=day.isoformat(),
                lines=lines,
                link=run_url(run_id, webserver_url) if run_id else None,
            )
        )
    return alerts


def build_failed_records_sensor(
    job,
    policy: RetryPolicy | None = None,
    channels: Sequence[Channel] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> dg.SensorDefinition:
    """The sensor over the outbox log; ``channels`` default to the environment's (``ALERT_*``)
    at each tick, ``clock`` to the current time."""
    policy = policy or RetryPolicy()

    @dg.sensor(
        name=SENSOR_NAME,
        job=job,
        minimum_interval_seconds=120,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Flags each record that becomes held or failed in Jurnal posting (once, as an "
            "observation on the asset that posts it, and as an alert), reports records that "
            f"recover, and runs a day again after a retryable Jurnal error, at most "
            f"{policy.max_retries} times with a backoff starting at {policy.backoff}; runs the "
            "day of a payment held for its invoice once the invoice is posted."
        ),
    )
    def failed_records_sensor(
        context: dg.SensorEvaluationContext,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ):
        last_id, retries = _read_cursor(context.cursor)
        store = staging.store
        entries = log_after(store, last_id)
        previous = last_significant(store, {e.doc_key for e in entries}, last_id)
        found = findings(entries, previous)
        now = clock() if clock else datetime.now(UTC)
        plan = plan_retries(retries, entries, now, policy)
        found += [Finding(RETRIES_EXHAUSTED, entry) for entry in plan.exhausted]

        for finding in found:
            context.instance.report_runless_asset_event(_observation(finding))
        webserver = os.environ.get(DAGSTER_WEBSERVER_URL_ENV)
        alerts = alerts_for(found, merchant.config.name, policy, webserver)
        for alert in alerts:
            context.log.info(alert.text)
        deliver(alerts, channels, context.log.warning)

        requests = [
            dg.RunRequest(
                partition_key=day.isoformat(),
                run_key=f"failed-records-retry-{day.isoformat()}-{attempt}-{since_id}",
                tags={RETRY_TAG: f"{attempt} of {policy.max_retries}"},
            )
            for day, attempt, since_id in plan.run_now
        ]
        # a payment held for its invoice posts on the next run of its own day
        for due in payment_days(store, entries):
            context.log.info(
                f"{len(due.payments)} held payment(s) of {due.day.isoformat()} can post now: "
                f"invoice(s) {', '.join(due.invoices)} posted"
            )
            requests.append(
                dg.RunRequest(
                    partition_key=due.day.isoformat(),
                    run_key=f"invoice-posted-{due.day.isoformat()}-{due.posting_id}",
                    tags={INVOICE_POSTED_TAG: ", ".join(due.invoices)[:200]},
                )
            )
        cursor = _write_cursor(entries[-1].id if entries else last_id, plan.state)
        if requests:
            return dg.SensorResult(run_requests=requests, cursor=cursor)
        waiting = ", ".join(
            f"{d.isoformat()} at {r.due:%H:%M} UTC" for d, r in sorted(plan.state.items()) if r.due
        )
        reason = f"{len(found)} finding(s) reported" + (
            f"; retries due: {waiting}" if waiting else ""
        )
        return dg.SensorResult(skip_reason=reason, cursor=cursor)

    return failed_records_sensor
