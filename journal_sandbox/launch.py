"""Start both emulators with one set of options (used by `journal-pipeline sandbox` and `dev`).

The pipeline's config for the sandboxes is a copy of the demo config written into the state
directory with ``start_date`` set to the sandbox's first day of history, so the Dagster UI
shows only the days there is something to run (not every day since the demo config's date).
With ``outlets`` beyond the demo's three, the copy also names the extra outlets (copies of the
three, `demo_merchant.demo_outlets`) with warehouses of their own, which the Jurnal sandbox gets.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journal_sandbox import defaults
from journal_sandbox.faults import FaultInjector
from journal_sandbox.http import SandboxServer

if TYPE_CHECKING:
    from journal_sandbox.iseller_app import ISellerSandbox

BANK_REFRESH_SECONDS = 300
DEMO_CONFIG_COPY = "demo_config.yaml"  # in the state directory
_START_LINE = re.compile(r"^start_date:.*$", re.MULTILINE)
_OUTLETS_BLOCK = re.compile(r"^outlets:[^\n]*\n(?:(?:[ \t]+[^\n]*|[ \t]*)(?:\n|$))*", re.MULTILINE)
DEMO_OUTLETS = 3


@dataclass(frozen=True)
class SandboxOptions:
    host: str = defaults.HOST
    iseller_port: int = defaults.ISELLER_PORT
    jurnal_port: int = defaults.JURNAL_PORT
    state_dir: Path = Path(".sandbox_state")
    reset: bool = False
    seed: int = 7
    orders_per_day: int = 300
    history_days: int = 14
    start_date: date | None = None
    token_ttl_seconds: int = 1209599
    iseller_faults: str | None = None
    iseller_dialect: str | None = None
    jurnal_faults: str | None = None
    time_scale: float = 1.0
    rate_limit_per_minute: int = 30
    rate_limit_per_hour: int = 1800
    bank_statements: Path | None = None  # default: <state_dir>/bank_statements
    bank_layout: str | None = None  # `bank_files.BankLayout` spec
    outlets: int = DEMO_OUTLETS  # more add copies of the three (JKT2, DPS2, BDG2, JKT3, ...)

    @property
    def bank_statement_folder(self) -> Path:
        return self.bank_statements or self.state_dir / "bank_statements"

    @property
    def demo_config(self) -> Path:
        """The demo config starting on the sandbox's first history day (`write_demo_config`)."""
        return (self.state_dir / DEMO_CONFIG_COPY).resolve()

    @property
    def env(self) -> dict[str, str]:
        """The pipeline's environment variables pointing at these sandboxes and the state
        directory's demo config (and matching the client's rate limiter to the emulator's
        when they differ from Jurnal's own)."""
        env = defaults.sandbox_env(
            f"http://{self.host}:{self.iseller_port}", f"http://{self.host}:{self.jurnal_port}"
        )
        env["JOURNAL_PIPELINE_CONFIG"] = str(self.demo_config)
        if self.rate_limit_per_minute != 30:
            env["JURNAL_RATE_LIMIT_PER_MINUTE"] = str(self.rate_limit_per_minute)
        if self.rate_limit_per_hour != 1800:
            env["JURNAL_RATE_LIMIT_PER_HOUR"] = str(self.rate_limit_per_hour)
        if self.time_scale != 1.0:
            env["JURNAL_RATE_LIMIT_WINDOW_SCALE"] = str(self.time_scale)
        return env


def start_sandboxes(options: SandboxOptions) -> tuple[SandboxServer, SandboxServer]:
    """Both emulators serving in background threads; stop them with ``.stop()``."""
    from journal_sandbox.iseller_app import ISellerSandbox
    from journal_sandbox.jurnal_app import JurnalSandbox

    if options.reset and options.state_dir.exists():
        shutil.rmtree(options.state_dir)
    options.state_dir.mkdir(parents=True, exist_ok=True)
    sandbox = ISellerSandbox(
        options.state_dir / "iseller",
        seed=options.seed,
        orders_per_outlet_per_day=options.orders_per_day,
        history_days=options.history_days,
        start_date=options.start_date,
        token_ttl_seconds=options.token_ttl_seconds,
        faults=_injector(options.iseller_faults, options.seed),
        dialect=options.iseller_dialect,
        outlet_count=options.outlets,
    )
    iseller = sandbox.serve(options.host, options.iseller_port)
    company = JurnalSandbox(
        options.state_dir / "jurnal",
        time_scale=options.time_scale,
        rate_limit_per_minute=options.rate_limit_per_minute,
        rate_limit_per_hour=options.rate_limit_per_hour,
        faults=_injector(options.jurnal_faults, options.seed),
    )
    for name, code in extra_warehouses(options.outlets):
        company.ensure_warehouse(name, code)
    jurnal = company.serve(options.host, options.jurnal_port)
    iseller.start()
    jurnal.start()
    write_demo_config(options, sandbox.merchant.start_date)
    _keep_bank_statements(sandbox, options)
    return iseller, jurnal


def history_start(options: SandboxOptions, now: datetime | None = None) -> date:
    """The iSeller sandbox's first day of history: the one its saved state keeps, else the
    one a new state will get (``start_date``, or ``history_days`` before today)."""
    from journal_sandbox.demo_merchant import DemoMerchant
    from journal_sandbox.iseller_app import STATE_FILE

    state = options.state_dir / "iseller" / STATE_FILE
    if state.is_file() and not options.reset:
        with sqlite3.connect(f"file:{state}?mode=ro", uri=True) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'start_date'").fetchone()
        if row is not None:
            return date.fromisoformat(row[0])
    if options.start_date is not None:
        return options.start_date
    return DemoMerchant.start_date_for(now or datetime.now(UTC), options.history_days)


def write_demo_config(options: SandboxOptions, start: date) -> Path:
    """Write the demo config with ``start_date: start`` to ``options.demo_config``."""
    text = defaults.DEMO_CONFIG.read_text(encoding="utf-8")
    line = (
        f"start_date: {start.isoformat()}          # the sandbox's first day of history "
        f"(a copy of {defaults.DEMO_CONFIG.name} written by `journal-pipeline sandbox`)"
    )
    copied, count = _START_LINE.subn(line, text, count=1)
    if count != 1:
        raise ValueError(f"{defaults.DEMO_CONFIG} has no top-level start_date line to replace")
    if options.outlets > DEMO_OUTLETS:
        copied = with_extra_outlets(copied, options.outlets)
    options.state_dir.mkdir(parents=True, exist_ok=True)
    options.demo_config.write_text(copied, encoding="utf-8")
    return options.demo_config


def _extra_outlet_entries(outlet_count: int) -> list[tuple[str, dict[str, Any]]]:
    """(code, config entry) of each outlet beyond the demo's three: its template's entry in the
    demo config with the copy's name and a warehouse of its own."""
    from journal_sandbox.demo_merchant import demo_outlets, template_code

    demo = _demo_outlet_entries(defaults.DEMO_CONFIG.read_text(encoding="utf-8"))
    entries = []
    for outlet in demo_outlets(outlet_count)[DEMO_OUTLETS:]:
        code = outlet.outlet_code
        entry = dict(demo[template_code(code)])
        number = code[len(template_code(code)) :]
        entry["name"] = outlet.outlet_name
        entry["warehouse"] = f"{entry['warehouse']} {number}"
        entries.append((code, entry))
    return entries


def _demo_outlet_entries(config_text: str) -> dict[str, dict[str, str]]:
    """The demo config's ``outlets:`` block as code -> {key: value} (values as written, without
    comments: the block is flat, two levels of plain scalars)."""
    block = _OUTLETS_BLOCK.search(config_text)
    if block is None:
        raise ValueError(f"{defaults.DEMO_CONFIG} has no top-level outlets block")
    entries: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in block.group(0).splitlines()[1:]:
        text = line.split("#", 1)[0].rstrip()
        if not text.strip():
            continue
        key, _, value = text.strip().partition(":")
        if not line.startswith("    "):
            current = entries.setdefault(key, {})
        else:
            current[key] = value.strip()
    return entries


def extra_warehouses(outlet_count: int) -> list[tuple[str, str]]:
    """(name, code) of the Jurnal warehouses of the outlets beyond the demo's three."""
    return [(entry["warehouse"], code) for code, entry in _extra_outlet_entries(outlet_count)]


def with_extra_outlets(config_text: str, outlet_count: int) -> str:
    """The demo config's text with the outlets beyond its three added to ``outlets:``."""
    lines = []
    for code, entry in _extra_outlet_entries(outlet_count):
        lines.append(f"  {code}:")
        lines += [f"    {key}: {value}" for key, value in entry.items()]
    block = _OUTLETS_BLOCK.search(config_text)
    if block is None:
        raise ValueError(f"{defaults.DEMO_CONFIG} has no top-level outlets block")
    body = block.group(0).rstrip("\n")
    added = body + "\n" + "\n".join(lines) + "\n"
    rest = config_text[block.end() :]
    return config_text[: block.start()] + added + ("\n" + rest if rest else "")


def _keep_bank_statements(sandbox: ISellerSandbox, options: SandboxOptions) -> None:
    """Write the bank statement files up to the clock now, then again every few minutes in a
    daemon thread, so new days appear while the sandbox runs."""
    from journal_sandbox.bank_files import BankLayout

    layout = BankLayout.from_spec(options.bank_layout)  # a bad spec fails before serving
    folder = options.bank_statement_folder
    write_statements_until_now(sandbox, folder, layout)

    def refresh() -> None:
        while True:
            time.sleep(BANK_REFRESH_SECONDS)
            write_statements_until_now(sandbox, folder, layout)

    threading.Thread(target=refresh, name="bank-statements", daemon=True).start()


def write_statements_until_now(sandbox: ISellerSandbox, folder: Path, layout: Any) -> list[Path]:
    """The bank statement files of every day from the merchant's first day to the clock's."""
    from journal_sandbox.bank_feed import statement_days
    from journal_sandbox.bank_files import write_bank_statements

    first, last = statement_days(sandbox.merchant, sandbox.now())
    return write_bank_statements(sandbox.merchant, first, last, folder, layout)


def _injector(spec: str | None, seed: int) -> FaultInjector | None:
    """None leaves the emulator to read its own environment variable."""
    return FaultInjector.from_spec(spec, seed=seed) if spec else None
