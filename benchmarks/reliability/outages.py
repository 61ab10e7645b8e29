"""Outages: Jurnal answers 503 to every call for a simulated hour, then iSeller is down.

Jurnal down: the day's run fails with one clear message (the first line of
`journal-pipeline sync`, no stack trace), its outbox records stay pending (none failed for
good), the run-failure alert sensor sends exactly one alert (to a local webhook), and when
Jurnal answers again one plain re-run posts everything exactly once.

iSeller down (every call 503, then every call timing out): the day's run fails at extraction
and posts nothing (no day reported complete from a partial read); when iSeller answers again
a re-run posts the day.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import date

import dagster as dg
import sqlalchemy as sa

from benchmarks.reliability.common import (
    DayRun,
    Sandboxes,
    Section,
    audit,
    jurnal_duplicates,
    run_day,
    running_sandboxes,
    scratch_workdir,
)
from journal_pipeline.alerts.channels import WebhookChannel
from journal_pipeline.defs.alert_sensors import build_run_failure_alert_sensor
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.storage import tables
from journal_pipeline_tests.alerts.receivers import webhook_receiver
from journal_sandbox.faults import parse_spec

TITLE = "Outages"
COMMAND = "python -m benchmarks.reliability --scale {scale} --only outages"
TIME_SCALE = 600.0  # Jurnal's clock: a simulated hour lasts six seconds
SIMULATED_HOUR = 3600 / TIME_SCALE
SCALES = {"full": 100, "ci": 10}  # orders per outlet per day; three days
JURNAL_DOWN = "*:error=1.0,status=503"
ISELLER_DOWN = ("*:error=1.0,status=503", "*:timeout=1.0,timeout_s=1")


def measure(scale: str) -> Section:
    """Full: Jurnal down on the first day, iSeller down (503, then time-outs) on the second,
    the third day as usual. CI: one day; iSeller down (503) after Jurnal's outage ends and
    before the re-run that posts the day."""
    full = scale == "full"
    began = time.perf_counter()
    with (
        scratch_workdir("jp-outages-") as workdir,
        running_sandboxes(
            workdir,
            days=3 if full else 1,
            orders_per_outlet_per_day=SCALES[scale],
            time_scale=TIME_SCALE,
        ) as sandboxes,
        webhook_receiver() as (hook, alerts),
    ):
        first = sandboxes.days[0]
        iseller: dict = {}

        def iseller_down(day: date, specs: tuple[str, ...]) -> None:
            iseller["figures"], iseller["notes"], iseller["ok"] = _iseller_down(
                sandboxes, day, specs, rerun=full
            )

        figures, notes, ok_jurnal = _jurnal_down(
            sandboxes,
            first,
            hook,
            alerts,
            between=None if full else lambda: iseller_down(first, ISELLER_DOWN[:1]),
            again=full,
        )
        if full:
            iseller_down(sandboxes.days[1], ISELLER_DOWN)
            last = run_day(sandboxes.env, sandboxes.days[2])  # and the next day as usual
            iseller["figures"]["next day synced as usual"] = "yes" if last.ok else "no"
            iseller["ok"] = iseller["ok"] and last.ok
        figures.update(iseller["figures"])
        notes += iseller["notes"]
        result = audit(sandboxes)
    figures.update(
        {
            "duplicates in Jurnal": result.duplicates,
            "missing orders": len(result.missing),
            "ledger difference (rupiah)": int(result.ledger_difference),
            "wall time (s)": round(time.perf_counter() - began, 1),
        }
    )
    return Section(
        title=TITLE,
        command=COMMAND.format(scale=scale),
        figures=figures,
        passed=ok_jurnal and iseller["ok"] and result.ok,
        notes="\n".join(notes),
    )


def _jurnal_down(
    sandboxes: Sandboxes,
    day: date,
    hook: str,
    alerts: list[dict],
    *,
    between: Callable[[], None] | None,
    again: bool,
):
    sensor = build_run_failure_alert_sensor(channels=[WebhookChannel(hook)])
    faults = sandboxes.jurnal.faults
    outage_began = time.perf_counter()
    faults.rules = parse_spec(JURNAL_DOWN)
    down = run_day(sandboxes.env, day)
    statuses_down = _outbox_statuses(sandboxes, day)
    _evaluate_alerts(sensor, sandboxes)
    sent = len(alerts)
    # the outage lasts a simulated hour on Jurnal's clock, then every call answers again
    time.sleep(max(0.0, SIMULATED_HOUR - (time.perf_counter() - outage_began)))
    outage_minutes = (time.perf_counter() - outage_began) * TIME_SCALE / 60
    faults.rules = []
    faults.clear()
    if between is not None:
        between()
    back = run_day(sandboxes.env, day)
    statuses_back = _outbox_statuses(sandboxes, day)
    documents_before, _ = jurnal_duplicates(sandboxes.jurnal)
    rerun = run_day(sandboxes.env, day) if again else back  # once more: nothing new
    documents_after, duplicates = jurnal_duplicates(sandboxes.jurnal)
    message = _message(down)
    figures: dict[str, int | float | str] = {
        "Jurnal outage (simulated minutes)": round(outage_minutes),
        "Jurnal calls answered 503": faults.injected["error"],
        "run during the outage": "failed" if not down.ok else "succeeded",
        "stack traces in its output": down.output.count("Traceback"),
        "records pending after it": statuses_down.get("pending", 0),
        "records failed for good after it": statuses_down.get("failed", 0),
        "records posted during the outage": statuses_down.get("posted", 0),
        "alerts sent": sent,
        "re-run after Jurnal returned": "succeeded" if back.ok else "failed",
        "records posted by it": statuses_back.get("posted", 0),
        "records left pending or failed": statuses_back.get("pending", 0)
        + statuses_back.get("failed", 0),
        "documents created by a further re-run": documents_after - documents_before,
    }
    ok = (
        not down.ok
        and "Traceback" not in down.output
        and statuses_down.get("pending", 0) > 0
        and not statuses_down.get("failed")
        and not statuses_down.get("posted")
        and sent == 1
        and back.ok
        and rerun.ok
        and statuses_back.get("posted", 0) == sum(statuses_back.values())
        and duplicates == 0
        and documents_after == documents_before
    )
    notes = [
        f"Jurnal down: every call answered 503 (`{JURNAL_DOWN}`) for a simulated hour "
        f"(Jurnal's clock runs {TIME_SCALE:.0f}× faster). What `journal-pipeline sync` said:",
        "",
        f"> {message}",
        "",
        f"The alert (run-failure sensor evaluated once per failed run, webhook): "
        f"`{_first_alert(alerts)}`",
        "",
    ]
    return figures, notes, ok


def _iseller_down(sandboxes: Sandboxes, day: date, specs: tuple[str, ...], *, rerun: bool):
    figures: dict[str, int | float | str] = {}
    notes = []
    ok = True
    faults = sandboxes.iseller.faults
    for spec in specs:
        kind = "503" if "error" in spec else "time-out"
        faults.rules = parse_spec(spec)
        documents_before, _ = jurnal_duplicates(sandboxes.jurnal)
        down = run_day(sandboxes.env, day)
        documents_after, _ = jurnal_duplicates(sandboxes.jurnal)
        statuses = _outbox_statuses(sandboxes, day)
        figures[f"iSeller down ({kind}): run"] = "failed" if not down.ok else "succeeded"
        figures[f"iSeller down ({kind}): documents posted"] = documents_after - documents_before
        figures[f"iSeller down ({kind}): records of the day posted"] = statuses.get("posted", 0)
        notes += [f"iSeller down (`{spec}`): `{_message(down)}`", ""]
        ok = ok and not down.ok and documents_after == documents_before
        ok = ok and not statuses.get("posted")
    faults.rules = []
    faults.clear()
    if not rerun:  # the day's re-run comes after (it posts the Jurnal outage's day too)
        return figures, notes, ok
    back = run_day(sandboxes.env, day)
    statuses = _outbox_statuses(sandboxes, day)
    figures["re-run after iSeller returned"] = "succeeded" if back.ok else "failed"
    figures["records of that day posted by it"] = statuses.get("posted", 0)
    return figures, notes, ok and back.ok and statuses.get("posted", 0) > 0


def _outbox_statuses(sandboxes: Sandboxes, day: date) -> Counter:
    t = tables.outbox
    query = (
        sa.select(t.c.status, sa.func.count()).where(t.c.business_date == day).group_by(t.c.status)
    )
    with sandboxes.store.engine.connect() as conn:
        return Counter(dict(conn.execute(query).all()))


def _evaluate_alerts(sensor: dg.SensorDefinition, sandboxes: Sandboxes) -> None:
    """Evaluate the run-failure alert sensor once for each failed run of the instance, as the
    daemon does."""
    with _instance(sandboxes) as instance:
        failed = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        for run in failed:
            records = instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE
            ).records
            for record in records:
                context = dg.build_run_status_sensor_context(
                    sensor_name=sensor.name,
                    dagster_instance=instance,
                    dagster_run=run,
                    dagster_event=record.event_log_entry.dagster_event,
                    resources={
                        "merchant": MerchantConfigResource(
                            path=sandboxes.env["JOURNAL_PIPELINE_CONFIG"]
                        ),
                        "staging": StagingResource(url=sandboxes.env["STAGING_DATABASE_URL"]),
                    },
                ).for_run_failure()
                sensor(context)


def _instance(sandboxes: Sandboxes) -> dg.DagsterInstance:
    from dagster._core.instance import InstanceRef

    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(sandboxes.env["DAGSTER_HOME"]))


def _message(run: DayRun) -> str:
    lines = run.output.strip().splitlines()
    return lines[0] if lines else "(nothing printed)"


def _first_alert(alerts: list[dict]) -> str:
    if not alerts:
        return "(none)"
    return " ".join(str(alerts[0].get("text", alerts[0])).split())[:400]
