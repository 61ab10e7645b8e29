"""Sensor: bank statement files dropped in ``reconciliation.statement_folder`` are staged and
the business days they may pay are reconciled again.

The cursor remembers each file by name, modification time, size and a digest of its content,
and the days kept for the next ticks (`journal_pipeline.sync.catch_up`); a new file, or one
whose content changed, is read (a file nobody can read is reported by name, line and fix, and
tried again once changed). A file written again with the same content (a statement
downloaded twice, an export rewriting its folder) is not new: its days are not run again.
Files at the folder's top level are statements of the settlements' bank account (when the
config names one); a folder named after a Jurnal bank account holds that account's files.
"""

import hashlib
import json
from datetime import datetime
from pathlib import Path

import dagster as dg

from journal_pipeline.bank.statements import StatementError
from journal_pipeline.config import MerchantConfig
from journal_pipeline.defs.catch_up import catch_up_requests
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.sync.catch_up import DueRun, dump_runs, load_runs, next_batch
from journal_pipeline.sync.reconciliation import bank_accounts, days_touched, stage_statement_files

SENSOR_NAME = "bank_statement_sensor"
PATTERNS = ("*.csv", "*.CSV", "*.txt")
RECONCILED_BY_STATEMENTS = ("cash_bank_reconciliation", "jurnal_payouts")


def statement_files(folder: Path, config: MerchantConfig) -> dict[Path, str]:
    """Each statement file under ``folder`` → the bank account it is of."""
    accounts = bank_accounts(config)
    found: dict[Path, str] = {}
    if len(accounts) == 1:
        for pattern in PATTERNS:
            found.update({p: accounts[0] for p in folder.glob(pattern) if p.is_file()})
    for account in accounts:
        sub = folder / account
        for pattern in PATTERNS:
            found.update({p: account for p in sub.glob(pattern) if p.is_file()})
    return dict(sorted(found.items()))


def _stamp(path: Path, known: str | None = None) -> str:
    """``<mtime>:<size>:<content digest>``; the content is read only when the modification
    time or size differ from ``known`` (the stamp last seen)."""
    stat = path.stat()
    quick = f"{stat.st_mtime_ns}:{stat.st_size}"
    if known is not None and known.startswith(f"{quick}:"):
        return known
    return f"{quick}:{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"


def _content(stamp: str | None) -> str | None:
    """The content digest of a stamp (None for a stamp of the older form, without one)."""
    parts = (stamp or "").split(":")
    return parts[2] if len(parts) == 3 else None


def _read_cursor(text: str | None) -> tuple[dict[str, str], list[DueRun]]:
    """The files seen (path → stamp) and the runs kept for later ticks. An older cursor was
    the files alone."""
    data = json.loads(text) if text else {}
    if "files" not in data:
        return data, []
    return data["files"], load_runs(data["kept"])


def _write_cursor(seen: dict[str, str], kept: list[DueRun]) -> str:
    return json.dumps({"files": seen, "kept": dump_runs(kept)}, sort_keys=True)


def build_statement_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        job=job,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Stages bank statement files dropped in reconciliation.statement_folder "
        "and reconciles again the days they may settle; at most "
        "automation.max_catch_up_runs days per tick.",
    )
    def bank_statement_sensor(
        context: dg.SensorEvaluationContext,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ):
        """Stages new bank statement files and reconciles the days they may settle, at most
        ``automation.max_catch_up_runs`` days per tick (the rest on the next ticks)."""
        config = merchant.config
        seen, kept = _read_cursor(context.cursor)
        found, why = _new_statements(context, config, staging, seen)
        batch = next_batch(kept, found, config.automation.max_catch_up_runs)
        context.update_cursor(_write_cursor(seen, batch.later))
        if not batch.now:
            return dg.SkipReason(why)
        return catch_up_requests(
            context,
            batch,
            f"{SENSOR_NAME}: days a bank statement may settle",
            RECONCILED_BY_STATEMENTS[0],
            # what a statement changes is the reconciliation, not the day's postings
            [dg.AssetKey(name) for name in RECONCILED_BY_STATEMENTS],
            job_name=job.name,
        )

    return bank_statement_sensor


def _new_statements(
    context: dg.SensorEvaluationContext,
    config: MerchantConfig,
    staging: StagingResource,
    seen: dict[str, str],
) -> tuple[list[DueRun], str]:
    """Stage the new or changed files of the folder (marking them in ``seen``): the runs of
    the days they may settle, and what to say when there are none."""
    folder_name = config.reconciliation.statement_folder
    if not folder_name:
        return [], "reconciliation.statement_folder is not set in the config"
    folder = Path(folder_name)
    if not folder.is_dir():
        return [], f"statement folder {folder} does not exist"
    files = statement_files(folder, config)
    new = {}
    for path, account in files.items():
        known = seen.get(str(path))
        stamp = _stamp(path, known)
        if _content(stamp) != _content(known):
            new[path] = account
        else:
            seen[str(path)] = stamp  # the same content, written again: nothing to read
    if not new:
        return [], f"no new statement file in {folder}"
    readable, lines, refused = {}, [], []
    for path, account in new.items():
        try:
            _, read = stage_statement_files([path], {path: account}, staging.store)
        except StatementError as exc:
            refused.append(str(exc))
            context.log.error(str(exc))
        else:
            readable[path] = account
            lines += read
        seen[str(path)] = _stamp(path)
    today = datetime.now(config.zone).date()
    names = ",".join(sorted(f"{p.name}:{_content(seen[str(p)])}" for p in readable))
    digest = hashlib.sha256(names.encode()).hexdigest()[:12]
    found = [
        DueRun(
            day,
            f"statement-{day.isoformat()}-{digest}",
            {"journal_pipeline/bank_statements": str(len(readable))},
        )
        for day in days_touched(lines, config, today)
    ]
    return found, "; ".join(refused) or "the files hold no line of a day to reconcile"
