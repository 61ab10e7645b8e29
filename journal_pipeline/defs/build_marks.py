"""A day's journal (its payment fees, its comparison with iSeller's totals) is not built
again while nothing it is built from has changed.

The hourly run asks for today's journal every hour; most hours nothing new arrived. Building
it (frames, posting rules, documents) and queueing it again would give the same lines and the
same documents, so `journal_entries` first compares the day's *inputs* with those of its last
build and, when they are the same, reports that build again (its metadata and its checks,
``rebuilt: False``) instead of building.

The inputs (`journal_inputs`): the business date and whether it is over in the merchant's
time zone (a daily summary is queued once it is), the merchant config (account mapping, tax,
periods, posting mode: all of it), the pipeline's own code, and
`StagingStore.journal_inputs_version`, the version of the staging tables a build reads (orders,
refunds, the outbox, revisions, closed days, summary members): a counter every write that
changes one of them bumps as it commits (`storage.writing`). A new or changed order
or refund, a document posted, held, failed or queued by any run of any day, a revision, a
config edit or a new release each change them, and the next run builds.

`jurnal_payment_fees` does the same with its fee entries (`kept` / `keep`): built and queued
only when the same inputs changed; what is queued is still posted every run. And
`iseller_day_totals` (`day_totals`) fetches iSeller's totals every run but compares the staged
day with them again only when those totals or the same inputs changed (the outlets the
staged orders name, whose totals it asks for, are read from them again only when the same
inputs changed: `OUTLETS_MARK`); and
`cash_bank_reconciliation` (`recon_inputs`) reads Jurnal's bank statement every run but
matches again only when it, the staged bank lines, the day it is made as of or the same
inputs changed (and its CSV file is still there).

A build is remembered (`remember_build`, `keep`) only after it is committed, and only when
the inputs are the same after it as before it: a build that queued new documents, or that ran
while another run wrote to staging, is built once more next time rather than trusted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg

from journal_pipeline.config import MerchantConfig
from journal_pipeline.defs.checks import day_totals_result
from journal_pipeline.storage.store import StagingStore, dumps
from journal_pipeline.sync import completeness
from journal_pipeline.sync.ports import DayTotalsSource
from journal_pipeline.sync.summary_day import is_final

JOURNAL_MARK = "journal_entries"
TOTALS_MARK = "iseller_day_totals"
RECON_MARK = "cash_bank_reconciliation"
OUTLETS_MARK = "staged_outlets"
PACKAGE = Path(__file__).resolve().parents[1]  # journal_pipeline/


def journal_inputs(store: StagingStore, config: MerchantConfig, day: date) -> str:
    """A digest of everything the day's journal is built from."""
    over = is_final(config, day)
    digest = hashlib.sha256()
    for part in (
        day.isoformat(),
        f"over={over}",  # a day in daily-summary mode is queued once it is over
        config.on(day).model_dump_json(),  # the mapping of the day (`config_history`)
        code_version(),
        store.journal_inputs_version(),
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


@cache
def code_version() -> str:
    """A digest of the pipeline's source: a new release builds every day again."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


def same_build(
    store: StagingStore, day: date, inputs: str, name: str = JOURNAL_MARK
) -> dg.MaterializeResult | None:
    """The day's last build, reported again, when it was built from ``inputs``; else None."""
    value = kept(store, name, day, inputs)
    if value is None:
        return None
    checks = [
        dg.AssetCheckResult(
            check_name=check["check_name"],
            passed=check["passed"],
            severity=dg.AssetCheckSeverity(check["severity"]),
            description=check["description"],
            metadata=_thawed(check["metadata"]),
        )
        for check in value["checks"]
    ]
    return dg.MaterializeResult(metadata=value["metadata"], check_results=checks)


def remember_build(
    store: StagingStore,
    day: date,
    inputs: str,
    inputs_after: str,
    result: dg.MaterializeResult,
    name: str = JOURNAL_MARK,
) -> None:
    """Remember the build just committed, if its inputs did not move while it ran
    (``inputs_after``: them computed again after it)."""
    checks = [
        {
            "check_name": check.check_name,
            "passed": bool(check.passed),
            "severity": check.severity.value,
            "description": check.description,
            "metadata": _frozen(check.metadata or {}),
        }
        for check in result.check_results or []
    ]
    keep(store, name, day, inputs, inputs_after, result.metadata or {}, checks=checks)


def journal_built(store: StagingStore, day: date) -> bool:
    """Whether the day's journal was ever built (a build of it kept its mark)."""
    return store.mark(JOURNAL_MARK, day.isoformat()) is not None


def kept(store: StagingStore, name: str, day: date, inputs: str) -> dict[str, Any] | None:
    """What `keep` kept of the day's last build by step ``name`` when it was built from
    ``inputs`` (its ``metadata``, marked ``rebuilt: False``); else None."""
    mark = store.mark(name, day.isoformat())
    if mark is None or mark[0].get("inputs") != inputs:
        return None
    value = mark[0]
    metadata = {**_thawed(value["metadata"]), "rebuilt": False}
    return {**value, "metadata": metadata}


def keep(
    store: StagingStore,
    name: str,
    day: date,
    inputs: str,
    inputs_after: str,
    metadata: Mapping[str, Any],
    **more: Any,
) -> None:
    """After a build by step ``name`` is committed: keep its metadata (and ``more``, JSON)
    under ``inputs``, if ``inputs_after`` (them computed again after the build) are the same;
    else forget the day's last build."""
    if inputs_after != inputs:
        store.clear_mark(name, day.isoformat())
        return
    value = {"inputs": inputs, "metadata": _frozen(metadata), **more}
    store.set_mark(name, day.isoformat(), value)


def _frozen(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata as JSON: Dagster's own serialisation for its metadata values."""
    return {
        key: {"dagster": dg.serialize_value(value)}  # type: ignore[arg-type]
        if isinstance(value, dg.MetadataValue)
        else {"plain": value.item() if hasattr(value, "item") else value}
        for key, value in metadata.items()
    }


def _thawed(frozen: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: dg.deserialize_value(item["dagster"]) if "dagster" in item else item["plain"]
        for key, item in frozen.items()
    }


def day_totals(
    source: DayTotalsSource, store: StagingStore, config: MerchantConfig, day: date
) -> tuple[dg.MaterializeResult, dict[str, int]]:
    """iSeller's totals of the day, fetched and kept (every run: they are the check that
    nothing was missed), and the comparison of the staged day with them, made again only when
    the totals iSeller gave or the staged inputs changed (`completeness.verify_day`, in its
    parts). The comparison as a result to report, and the fetch's counts."""
    outlets, staged = _staged_outlets(store, config, day)
    counts = completeness.fetch_day_totals(source, store, config, day, outlets, datetime.now(UTC))
    inputs = _totals_inputs(store, config, day)
    again = same_build(store, day, inputs, TOTALS_MARK)
    if again is not None:
        return again, counts
    compared = completeness.check_day(store, config, day, staged)
    built: dg.MaterializeResult = dg.MaterializeResult(
        metadata={"complete": compared.complete, "rebuilt": True},
        check_results=[day_totals_result(compared)],
    )
    after = _totals_inputs(store, config, day)
    remember_build(store, day, inputs, after, built, TOTALS_MARK)
    return built, counts


def _staged_outlets(
    store: StagingStore, config: MerchantConfig, day: date
) -> tuple[list[completeness.OutletPair], completeness.StagedDay | None]:
    """The outlets the day's staged orders name, and the staged day when it had to be read
    for it: kept (`OUTLETS_MARK`) with the journal's inputs they were read under, and read
    again only when those changed (reading every staged order of the day is the cost)."""
    inputs = journal_inputs(store, config, day)
    mark = store.mark(OUTLETS_MARK, day.isoformat())
    if mark is not None and mark[0].get("inputs") == inputs:
        return [(code, ident) for code, ident in mark[0]["outlets"]], None
    staged = completeness.staged_day(store, config, day)
    outlets = completeness.staged_outlets(staged.frames)
    if journal_inputs(store, config, day) == inputs:  # not written to while read
        store.set_mark(OUTLETS_MARK, day.isoformat(), {"inputs": inputs, "outlets": outlets})
    return outlets, staged


def _totals_inputs(store: StagingStore, config: MerchantConfig, day: date) -> str:
    """The journal's inputs and the day's totals as iSeller gave them (not when)."""
    kept = [{k: v for k, v in row.items() if k != "fetched_at"} for row in store.day_totals(day)]
    digest = hashlib.sha256(journal_inputs(store, config, day).encode("utf-8"))
    digest.update(dumps(kept).encode("utf-8"))
    return digest.hexdigest()


def recon_inputs(
    store: StagingStore,
    config: MerchantConfig,
    day: date,
    as_of: date,
    jurnal_lines: Sequence[object],
) -> str:
    """What a day's reconciliation is made from: the journal's inputs, the day it is made as
    of (ages and statuses move with it), the money-in lines read from Jurnal this run, and
    `StagingStore.reconciliation_inputs_version`."""
    digest = hashlib.sha256(journal_inputs(store, config, day).encode("utf-8"))
    digest.update(as_of.isoformat().encode("utf-8"))
    digest.update(repr(sorted(repr(line) for line in jurnal_lines)).encode("utf-8"))
    digest.update(store.reconciliation_inputs_version(day).encode("utf-8"))
    return digest.hexdigest()


def files_kept(result: dg.MaterializeResult) -> bool:
    """Every file a kept result names (its path metadata) is still there."""
    paths = [
        v.path for v in (result.metadata or {}).values() if isinstance(v, dg.PathMetadataValue)
    ]
    return all(path is not None and Path(path).is_file() for path in paths)
