"""Sensor: bank statement files dropped in ``reconciliation.statement_folder`` are staged and
the business days they may pay are reconciled again.

The cursor remembers each file by name, modification time and size; a new or changed file is
read (a file nobody can read is reported by name, line and fix, and tried again once changed).
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
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.sync.reconciliation import bank_accounts, days_touched, stage_statement_files

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


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def build_statement_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(job=job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.RUNNING)
    def bank_statement_sensor(
        context: dg.SensorEvaluationContext,
        staging: StagingResource,
        merchant: MerchantConfigResource,
    ):
        """Stages new bank statement files and reconciles the days they may settle."""
        config = merchant.config
        folder_name = config.reconciliation.statement_folder
        if not folder_name:
            return dg.SkipReason("reconciliation.statement_folder is not set in the config")
        folder = Path(folder_name)
        if not folder.is_dir():
            return dg.SkipReason(f"statement folder {folder} does not exist")
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        files = statement_files(folder, config)
        new = {p: a for p, a in files.items() if seen.get(str(p)) != _stamp(p)}
        if not new:
            return dg.SkipReason(f"no new statement file in {folder}")
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
        context.update_cursor(json.dumps(seen, sort_keys=True))
        today = datetime.now(config.zone).date()
        names = ",".join(sorted(f"{p.name}:{seen[str(p)]}" for p in readable))
        digest = hashlib.sha256(names.encode()).hexdigest()[:12]
        requests = [
            dg.RunRequest(
                partition_key=day.isoformat(),
                run_key=f"statement-{day.isoformat()}-{digest}",
                tags={"journal_pipeline/bank_statements": str(len(readable))},
                # what a statement changes is the reconciliation, not the day's postings
                asset_selection=[dg.AssetKey(name) for name in RECONCILED_BY_STATEMENTS],
            )
            for day in days_touched(lines, config, today)
        ]
        if not requests:
            why = "; ".join(refused) or "the files hold no line of a day to reconcile"
            return dg.SkipReason(why)
        return requests

    return bank_statement_sensor
