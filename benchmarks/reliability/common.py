"""What every reliability scenario shares: its report section, both sandboxes on free ports,
a day run the way an operator runs it, and the ledger audit.

- `Section`: one scenario's figures, whether it passed, and the command that measured them.
- `running_sandboxes`: the iSeller and Jurnal emulators in this process on free ports, with
  fault specs (``journal_sandbox/faults.py``), a fast Jurnal clock, a counter of the calls each
  one answered, and the pipeline's environment (config copy, SQLite staging, DAGSTER_HOME).
  The emulators' fault injectors stay reachable (``sandboxes.jurnal.faults``) so a scenario
  can change them while the sandboxes run (an outage starts and ends).
- `run_day`: `journal-pipeline sync --date D` in this process (its exit code and what it
  printed); `sync_command` is the same command for a subprocess.
- `audit`: duplicates in Jurnal, completed iSeller orders missing from both Jurnal and the
  holds, and Jurnal's trial balance against the pipeline's canonical journal.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from journal_pipeline.accounting.business_day import business_date
from journal_pipeline.config import MerchantConfig, load_config
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.summary_members import summary_status
from journal_sandbox.defaults import sandbox_env
from journal_sandbox.faults import FaultInjector
from journal_sandbox.http import Request, Response, SandboxServer
from journal_sandbox.iseller_app import ISellerSandbox
from journal_sandbox.jurnal_app import JurnalSandbox
from journal_sandbox.launch import SandboxOptions, write_demo_config

REPO = Path(__file__).resolve().parents[2]
# stock at cost: Jurnal values cost of sales, inventory and stock takes at its own average cost
COST_ROLES = ("cogs", "inventory", "inventory_adjustment")
SALE_DOCUMENT = "sales_invoice"


@dataclass
class Section:
    """One scenario of docs/reliability.md: a figures table and the command behind it."""

    title: str
    command: str
    figures: dict[str, int | float | str]
    passed: bool
    notes: str = ""  # markdown


# -- the sandboxes ----------------------------------------------------------------------------
@dataclass
class Sandboxes:
    """Both emulators serving, and the environment that points the pipeline at them."""

    workdir: Path
    iseller: ISellerSandbox
    jurnal: JurnalSandbox
    servers: list[SandboxServer]
    env: dict[str, str]
    days: list[date]
    calls: Counter = field(default_factory=Counter)  # "iseller" / "jurnal" -> requests

    @property
    def config(self) -> MerchantConfig:
        return load_config(Path(self.env["JOURNAL_PIPELINE_CONFIG"]))

    @property
    def store(self) -> StagingStore:
        return StagingStore(self.env["STAGING_DATABASE_URL"])

    def faults_injected(self) -> dict[str, dict[str, int]]:
        return {
            "iseller": dict(self.iseller.faults.injected),
            "jurnal": dict(self.jurnal.faults.injected),
        }


def _counting(name: str, app: Callable[[Request], Response], calls: Counter):
    def counted(request: Request) -> Response:
        calls[name] += 1
        return app(request)

    return counted


@contextmanager
def scratch_workdir(prefix: str) -> Iterator[Path]:
    """A work directory for one scenario under the temp dir, removed when it ends: its
    figures and notes are what it leaves (each measurement made about 10 MB of databases and
    logs there)."""
    with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as scratch:
        yield Path(scratch) / "run"


@contextmanager
def running_sandboxes(
    workdir: Path,
    *,
    days: int,
    orders_per_outlet_per_day: int,
    iseller_faults: str = "",
    jurnal_faults: str = "",
    seed: int = 7,
    time_scale: float = 600.0,
    posting_mode: str = "per_order",
) -> Iterator[Sandboxes]:
    """Fresh emulators in ``workdir`` whose history is the ``days`` business days before
    yesterday (in the merchant's time zone: each has ended everywhere); faults seeded by
    ``seed``; Jurnal's rate-limit clock ``time_scale`` times faster (the pipeline's limiter
    runs on the same clock); the demo config's ``posting_mode`` set to ``posting_mode``."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    zone = ZoneInfo(load_config(sandbox_env()["JOURNAL_PIPELINE_CONFIG"]).timezone)
    today = datetime.now(zone).date()
    start = today - timedelta(days=days + 1)
    options = SandboxOptions(state_dir=workdir / "sandbox", start_date=start, seed=seed)
    iseller = ISellerSandbox(
        options.state_dir / "iseller",
        seed=seed,
        orders_per_outlet_per_day=orders_per_outlet_per_day,
        history_days=days + 1,
        start_date=start,
        faults=FaultInjector.from_spec(iseller_faults, seed=seed),
    )
    jurnal = JurnalSandbox(
        options.state_dir / "jurnal",
        time_scale=time_scale,
        faults=FaultInjector.from_spec(jurnal_faults, seed=seed),
    )
    calls: Counter = Counter()
    servers = [
        SandboxServer(_counting("iseller", iseller.app, calls)).start(),
        SandboxServer(_counting("jurnal", jurnal.app, calls)).start(),
    ]
    iseller._base_url = servers[0].url
    home = workdir / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {
        **sandbox_env(servers[0].url, servers[1].url),
        "JOURNAL_PIPELINE_CONFIG": str(_in_mode(write_demo_config(options, start), posting_mode)),
        "STAGING_DATABASE_URL": f"sqlite:///{workdir / 'staging.db'}",
        "DAGSTER_HOME": str(home),
        "JURNAL_RATE_LIMIT_WINDOW_SCALE": str(time_scale),
    }
    try:
        yield Sandboxes(
            workdir=workdir,
            iseller=iseller,
            jurnal=jurnal,
            servers=servers,
            env=env,
            days=[start + timedelta(days=n) for n in range(days)],
            calls=calls,
        )
    finally:
        for server in servers:
            server.stop()
        iseller.close()
        jurnal.close()


def _in_mode(config: Path, posting_mode: str) -> Path:
    text = config.read_text(encoding="utf-8")
    moded, count = re.subn(
        r"^posting_mode:.*$", f"posting_mode: {posting_mode}", text, count=1, flags=re.M
    )
    if count != 1:
        raise ValueError(f"{config} has no top-level posting_mode line to set")
    config.write_text(moded, encoding="utf-8")
    return config


# -- a day run --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DayRun:
    day: date
    ok: bool
    output: str  # what the command printed (stdout and stderr)
    seconds: float


def sync_command(day: date) -> list[str]:
    """`journal-pipeline sync --date D` for a subprocess (give it ``Sandboxes.env``)."""
    return [
        str(Path(sys.executable).with_name("journal-pipeline")),
        "sync",
        "--date",
        day.isoformat(),
    ]


def run_day(env: dict[str, str], day: date) -> DayRun:
    """`journal-pipeline sync --date D` in this process, as an operator runs it."""
    from click.testing import CliRunner

    from journal_pipeline.cli import main

    began = time.perf_counter()
    result = CliRunner().invoke(main, ["sync", "--date", day.isoformat()], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return DayRun(day, result.exit_code == 0, result.output, time.perf_counter() - began)


def run_until_done(env: dict[str, str], day: date, *, max_runs: int = 10) -> list[DayRun]:
    """Run the day, then plain re-runs while it fails (what an operator does), up to
    ``max_runs``; the list of runs (the last succeeded unless it is ``max_runs`` long)."""
    runs = [run_day(env, day)]
    while not runs[-1].ok and len(runs) < max_runs:
        runs.append(run_day(env, day))
    return runs


# -- the audit --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Audit:
    documents: int  # in Jurnal, of the kinds the pipeline posts
    duplicates: int  # extra copies of one custom_id / transaction_no of a kind
    completed_orders: int  # iSeller's, closed on the audited days
    posted_orders: int
    held_orders: int
    missing: list[str]  # order references neither posted nor held
    unposted: dict[str, int]  # outbox records of the days failed or pending, by status
    ledger_difference: Decimal  # rupiah, |money accounts| + |everything else together|
    account_differences: dict[str, Decimal]

    @property
    def ok(self) -> bool:
        return self.duplicates == 0 and not self.missing and self.ledger_difference == 0

    def figures(self) -> dict[str, int | float | str]:
        return {
            "completed orders (iSeller)": self.completed_orders,
            "sales invoices posted": self.posted_orders,
            "orders held (with a reason)": self.held_orders,
            "documents in Jurnal": self.documents,
            "duplicates in Jurnal": self.duplicates,
            "missing orders": len(self.missing),
            "outbox records failed (Jurnal refused them)": self.unposted.get("failed", 0),
            "outbox records still pending": self.unposted.get("pending", 0),
            "ledger difference (rupiah)": int(self.ledger_difference),
        }


def jurnal_duplicates(jurnal: JurnalSandbox) -> tuple[int, int]:
    """(documents, extra copies) among Jurnal's records that carry a custom_id or
    transaction_no: a key seen n times in one kind counts n - 1."""
    with sqlite3.connect(f"file:{jurnal.store.path}?mode=ro", uri=True) as db:
        documents = db.execute(
            "SELECT COUNT(*) FROM records WHERE custom_id IS NOT NULL OR transaction_no IS NOT NULL"
        ).fetchone()[0]
        extra = 0
        for column in ("custom_id", "transaction_no"):
            extra += db.execute(
                f"SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM records "
                f"WHERE {column} IS NOT NULL AND {column} != '' GROUP BY kind, {column})"
            ).fetchone()[0]
    return documents, extra


def completed_orders(
    iseller: ISellerSandbox, config: MerchantConfig, days: Iterable[date]
) -> dict[str, str]:
    """order_id -> reference of iSeller's completed orders whose business date is one of
    ``days`` (closed date in the outlet's time zone and day cut-off)."""
    wanted = set(days)
    orders = {}
    for order in iseller.served_orders():
        if order["status"] != "completed" or not order.get("closed_date"):
            continue
        closed = datetime.fromisoformat(order["closed_date"]).replace(tzinfo=ZoneInfo("UTC"))
        timezone, cutoff = config.outlet_zone(order.get("outlet_code"))
        if business_date(closed, timezone, cutoff) in wanted:
            orders[order["order_id"]] = order.get("order_reference") or order["order_id"]
    return orders


def sale_statuses(store: StagingStore) -> dict[str, str]:
    """order id -> status of its sales invoice in the outbox (posted wins over the rest)."""
    t = tables.outbox
    query = sa.select(t.c.source_id, t.c.status).where(t.c.doc_type == SALE_DOCUMENT)
    statuses: dict[str, str] = {}
    with store.engine.connect() as conn:
        for source_id, status in conn.execute(query):
            if statuses.get(source_id) != "posted":
                statuses[source_id] = status
    return statuses


def unposted_records(store: StagingStore, days: Iterable[date]) -> dict[str, int]:
    """How many outbox records of ``days`` are failed or still pending, by status."""
    t = tables.outbox
    query = (
        sa.select(t.c.status, sa.func.count())
        .where(t.c.business_date.in_(list(days)), t.c.status.in_(("failed", "pending")))
        .group_by(t.c.status)
    )
    with store.engine.connect() as conn:
        return {status: count for status, count in conn.execute(query)}


def jurnal_movements(env: dict[str, str], start: date, end: date) -> dict[str, Decimal]:
    """Net debit - credit per account name in Jurnal's trial balance from ``start`` to ``end``."""
    client = JurnalClient(JurnalSettings.from_env(env))
    window = {"start_date": start.strftime("%d/%m/%Y"), "end_date": end.strftime("%d/%m/%Y")}
    report = client.get("trial_balance", window)["trial_balance"]
    movements = {}
    for group, rows in report.items():
        if not group.endswith("_accounts"):
            continue
        for row in rows:
            account = row["account"]
            movement = account["movement"]
            net = Decimal(str(movement["debit_raw"])) - Decimal(str(movement["credit_raw"]))
            if net:
                movements[account["name"]] = net
    return movements


def journal_movements(store: StagingStore, days: Iterable[date]) -> dict[str, Decimal]:
    """Net debit - credit per account name in the canonical journal of ``days``, without the
    cost estimates (Jurnal books its own cost)."""
    totals: Counter = Counter()
    for day in days:
        journal = store.read_journal(day)
        if journal.empty:
            continue
        journal = journal[~journal["is_estimate"].astype(bool)]
        net = (journal["debit"] - journal["credit"]).groupby(journal["account_name"]).sum()
        for name, value in net.items():
            totals[name] += int(value)
    return {name: Decimal(value) for name, value in totals.items() if value}


@dataclass(frozen=True)
class LedgerComparison:
    """Jurnal's movements against the canonical journal's (see test_ledger_ties_out.py).

    Stock at cost (`COST_ROLES`) is left out: Jurnal values it at its own average cost.
    ``money``: clearing and receivable accounts, each right to the rupiah;
    ``rest``: revenue, discounts, charges, tax and rounding together, right to the rupiah;
    ``tax`` / ``rounding``: per-account differences that only move cents between them
    (Jurnal keeps cents of tax where iSeller rounds each line; a negative cash rounding
    shows as invoice discount)."""

    money: dict[str, Decimal]
    rest: Decimal
    by_account: dict[str, Decimal]

    @property
    def difference(self) -> Decimal:
        return sum((abs(v) for v in self.money.values()), Decimal(0)) + abs(self.rest)


def compare_ledgers(
    in_jurnal: dict[str, Decimal], ours: dict[str, Decimal], config: MerchantConfig
) -> LedgerComparison:
    at_cost = {config.accounts[role] for role in COST_ROLES if role in config.accounts}
    accounts = (set(ours) | set(in_jurnal)) - at_cost
    by_account = {
        name: in_jurnal.get(name, Decimal(0)) - ours.get(name, Decimal(0)) for name in accounts
    }
    money = set(config.payment_methods.values()) | {config.accounts["receivable"]}
    return LedgerComparison(
        money={name: by_account[name] for name in money & accounts if by_account[name]},
        rest=sum((by_account[name] for name in accounts - money), Decimal(0)),
        by_account={name: diff for name, diff in by_account.items() if diff},
    )


def audit(sandboxes: Sandboxes, days: list[date] | None = None) -> Audit:
    """Duplicates, missing orders and the ledger comparison over ``days`` (default: all)."""
    days = days or sandboxes.days
    config = sandboxes.config
    store = sandboxes.store
    documents, duplicates = jurnal_duplicates(sandboxes.jurnal)
    orders = completed_orders(sandboxes.iseller, config, days)
    statuses = sale_statuses(store)
    # in daily-summary mode an order is in Jurnal on the summary invoice that carries it
    carried = summary_status(store.engine, [o for o in orders if statuses.get(o) != "posted"])
    statuses.update(carried)
    posted = [o for o in orders if statuses.get(o) == "posted"]
    held = [o for o in orders if statuses.get(o) == "held"]
    missing = [ref for o, ref in orders.items() if statuses.get(o) not in ("posted", "held")]
    ledger = compare_ledgers(
        jurnal_movements(sandboxes.env, min(days), max(days)),
        journal_movements(store, days),
        config,
    )
    return Audit(
        documents=documents,
        duplicates=duplicates,
        completed_orders=len(orders),
        posted_orders=len(posted),
        held_orders=len(held),
        missing=missing,
        unposted=unposted_records(store, days),
        ledger_difference=ledger.difference,
        account_differences=ledger.by_account,
    )


def machine() -> dict[str, Any]:
    """CPU count, RAM, Python and Dagster versions of this machine."""
    import os
    import platform

    import dagster

    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "CPUs": os.cpu_count() or 0,
        "RAM (GiB)": round(ram, 1),
        "Python": platform.python_version(),
        "Dagster": dagster.__version__,
        "platform": platform.platform(),
    }
