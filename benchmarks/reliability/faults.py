"""Faults at scale: every business day synced while both emulators fail more than one call in
ten (5xx answers, time-outs, 429 bursts, answers lost after the write committed); a day that
fails is run again as it is (a plain re-run, counted). Then the audit: no document twice in
Jurnal, no completed order neither posted nor held, Jurnal's ledger equal to the canonical
journal."""

from __future__ import annotations

import time

from benchmarks.reliability.common import (
    Section,
    audit,
    run_until_done,
    running_sandboxes,
    scratch_workdir,
)

TITLE = "Faults at scale"
COMMAND = "python -m benchmarks.reliability --scale {scale} --only faults"
# draws per call, in this order: 5xx, time-out (held 1 s, then dropped), the start of a burst
# of three 429s, an answer lost after the write committed: about 15% of calls of each emulator
# at full size; at CI size (a few dozen Jurnal calls) about 20%, so that over one in ten is
# faulted in a sample that small too
SPECS = {
    "full": "*:error=0.05,timeout=0.02,timeout_s=1,burst429=0.02,burst_len=3,lost=0.04",
    "ci": "*:error=0.08,timeout=0.03,timeout_s=1,burst429=0.03,burst_len=3,lost=0.06",
}
SCALES = {  # business days, orders per outlet per day (three outlets; most orders complete)
    "full": (10, 400),
    "ci": (2, 15),
}
MIN_FAULT_SHARE = 0.10
MAX_RUNS_PER_DAY = 10


def measure(scale: str) -> Section:
    days, per_outlet = SCALES[scale]
    began = time.perf_counter()
    with (
        scratch_workdir("jp-faults-") as workdir,
        running_sandboxes(
            workdir,
            days=days,
            orders_per_outlet_per_day=per_outlet,
            iseller_faults=SPECS[scale],
            jurnal_faults=SPECS[scale],
            seed=11,
        ) as sandboxes,
    ):
        runs = {
            day: run_until_done(sandboxes.env, day, max_runs=MAX_RUNS_PER_DAY)
            for day in sandboxes.days
        }
        injected = sandboxes.faults_injected()
        calls = dict(sandboxes.calls)
        result = audit(sandboxes)
    seconds = time.perf_counter() - began
    unfinished = [day for day, day_runs in runs.items() if not day_runs[-1].ok]
    shares = {
        name: sum(injected[name].values()) / calls[name] if calls.get(name) else 0.0
        for name in ("iseller", "jurnal")
    }
    figures: dict[str, int | float | str] = {
        "business days": days,
        **result.figures(),
        "iSeller calls": calls.get("iseller", 0),
        "Jurnal calls": calls.get("jurnal", 0),
    }
    for name, label in (("iseller", "iSeller"), ("jurnal", "Jurnal")):
        for kind, count in injected[name].items():
            figures[f"{label} faults: {kind}"] = count
        figures[f"{label} calls faulted (%)"] = round(100 * shares[name], 1)
    figures["day runs"] = sum(len(r) for r in runs.values())
    figures["re-runs needed"] = sum(len(r) - 1 for r in runs.values())
    figures["days never completed"] = len(unfinished)
    figures["wall time (s)"] = round(seconds, 1)
    passed = (
        result.ok and not unfinished and all(share >= MIN_FAULT_SHARE for share in shares.values())
    )
    return Section(
        title=TITLE,
        command=COMMAND.format(scale=scale),
        figures=figures,
        passed=passed,
        notes=_notes(SPECS[scale], result, runs, unfinished),
    )


def _notes(spec, result, runs, unfinished) -> str:
    lines = [
        f"Fault spec of both emulators: `{spec}` (seeded; see `journal_sandbox/faults.py`). "
        "Each day runs as `journal-pipeline sync --date D`; a failed day is run again as it "
        f"is, up to {MAX_RUNS_PER_DAY} times. Missing: a completed iSeller order of the "
        "synced days with neither a posted sales invoice nor a hold. Ledger difference: "
        "Jurnal's trial balance against the canonical journal, payment clearing and "
        "receivable accounts each to the rupiah plus revenue, discounts, charges, tax and "
        "rounding together (cost of sales left out: Jurnal books its own).",
    ]
    failures = [
        (day, run.output.strip().splitlines()[0] if run.output.strip() else "")
        for day, day_runs in runs.items()
        for run in day_runs
        if not run.ok
    ]
    if failures:
        lines += ["", "What the failed runs said first (each then re-run):", ""]
        lines += [f"- {day}: {first}" for day, first in failures[:10]]
    if unfinished:
        lines += ["", f"Days that never completed: {', '.join(map(str, unfinished))}."]
    differing = {k: v for k, v in result.account_differences.items() if abs(v) >= 1}
    if result.ledger_difference and differing:
        shown = ", ".join(f"{name} {diff:+}" for name, diff in sorted(differing.items()))
        lines += ["", f"Jurnal less the canonical journal, per account (rupiah): {shown}."]
    if result.unposted:
        lines += ["", f"Outbox records not posted: {result.unposted}."]
    if result.missing:
        lines += ["", f"Missing orders (first ten): {', '.join(result.missing[:10])}."]
    return "\n".join(lines)
