"""Start both emulators with one set of options (used by `journal-pipeline sandbox` and `dev`)."""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journal_sandbox import defaults
from journal_sandbox.faults import FaultInjector
from journal_sandbox.http import SandboxServer

if TYPE_CHECKING:
    from journal_sandbox.iseller_app import ISellerSandbox

BANK_REFRESH_SECONDS = 300


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
    bank_layout: str | None = None  # `bank_feed.BankLayout` spec

    @property
    def bank_statement_folder(self) -> Path:
        return self.bank_statements or self.state_dir / "bank_statements"

    @property
    def env(self) -> dict[str, str]:
        """The pipeline's environment variables pointing at these sandboxes (and matching the
        client's rate limiter to the emulator's when they differ from Jurnal's own)."""
        env = defaults.sandbox_env(
            f"http://{self.host}:{self.iseller_port}", f"http://{self.host}:{self.jurnal_port}"
        )
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
    )
    iseller = sandbox.serve(options.host, options.iseller_port)
    jurnal = JurnalSandbox(
        options.state_dir / "jurnal",
        time_scale=options.time_scale,
        rate_limit_per_minute=options.rate_limit_per_minute,
        rate_limit_per_hour=options.rate_limit_per_hour,
        faults=_injector(options.jurnal_faults, options.seed),
    ).serve(options.host, options.jurnal_port)
    iseller.start()
    jurnal.start()
    _keep_bank_statements(sandbox, options)
    return iseller, jurnal


def _keep_bank_statements(sandbox: ISellerSandbox, options: SandboxOptions) -> None:
    """Write the bank statement files up to the clock now, then again every few minutes in a
    daemon thread, so new days appear while the sandbox runs."""
    from journal_sandbox.bank_feed import BankLayout

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
    from journal_sandbox.bank_feed import statement_days, write_bank_statements

    first, last = statement_days(sandbox.merchant, sandbox.now())
    return write_bank_statements(sandbox.merchant, first, last, folder, layout)


def _injector(spec: str | None, seed: int) -> FaultInjector | None:
    """None leaves the emulator to read its own environment variable."""
    return FaultInjector.from_spec(spec, seed=seed) if spec else None
