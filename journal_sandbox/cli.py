"""`journal-pipeline sandbox` and `journal-pipeline dev`: the emulators, and Dagster on them.

These commands reach `journal-pipeline` through the ``journal_pipeline.commands`` entry-point
group, so the product never imports the emulators. `dev` starts both emulators and then
`dagster dev` with the environment `sandbox --print-env` prints: the pipeline finds the
sandboxes the way it finds real accounts, through its variables. The config they name is the
demo config starting on the sandbox's first day of history (`launch.write_demo_config`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from journal_sandbox import defaults
from journal_sandbox.launch import (
    SandboxOptions,
    history_start,
    start_sandboxes,
    write_demo_config,
)

DEFAULT_STATE_DIR = ".sandbox_state"
OPENING_STOCK_MARK = "opening_stock_posted"  # in the state dir: `dev` posted it once


def _sandbox_options(func):
    """Every knob of the two emulators, collected into one ``options`` argument."""
    options = [
        click.option(
            "--host",
            default=defaults.HOST,
            show_default=True,
            help="Address both emulators listen on.",
        ),
        click.option(
            "--iseller-port",
            default=defaults.ISELLER_PORT,
            show_default=True,
            help="Port of the iSeller emulator.",
        ),
        click.option(
            "--jurnal-port",
            default=defaults.JURNAL_PORT,
            show_default=True,
            help="Port of the Jurnal emulator.",
        ),
        click.option(
            "--state-dir",
            default=DEFAULT_STATE_DIR,
            show_default=True,
            type=click.Path(file_okay=False, path_type=Path),
            help="Where both emulators keep their state between restarts.",
        ),
        click.option(
            "--reset",
            is_flag=True,
            help="Delete the saved state and start clean (needed after changing "
            "--seed, --orders-per-day or --start-date).",
        ),
        click.option(
            "--seed",
            default=7,
            show_default=True,
            help="Seed of the demo merchant: the same seed gives the same store, "
            "catalogue and orders.",
        ),
        click.option(
            "--orders-per-day",
            default=300,
            show_default=True,
            help="Average orders per outlet per business day (±20% day to day).",
        ),
        click.option(
            "--history-days",
            default=14,
            show_default=True,
            help="Days of order history before today when the state is new.",
        ),
        click.option(
            "--start-date",
            type=click.DateTime(["%Y-%m-%d"]),
            default=None,
            help="First business day of the history; overrides --history-days.",
        ),
        click.option(
            "--token-ttl",
            "token_ttl_seconds",
            default=1209599,
            show_default=True,
            help="Lifetime of iSeller access tokens in seconds (0: born expired).",
        ),
        click.option(
            "--iseller-faults",
            envvar="SANDBOX_ISELLER_FAULTS",
            default=None,
            help="Faults of the iSeller emulator, e.g. "
            "'GetOrders:error=0.1,latency=200;*:burst429=0.01' (keys: error, status, "
            "latency, timeout, timeout_s, burst429, burst_len, lost). "
            "[env: SANDBOX_ISELLER_FAULTS]",
        ),
        click.option(
            "--iseller-dialect",
            envvar="SANDBOX_ISELLER_DIALECT",
            default=None,
            help="How the iSeller emulator reads what its document leaves open, e.g. "
            "'loose,page_base=0,service_charge=gross' (keys: page_base, service_charge, "
            "fulfilment, order_ids, timezone_param, bounds=inclusive|exclusive_end, "
            "money_format=number|string, date_format=space|iso, rounding_sign=added|subtracted, "
            "cogs_price=unit|total, refund_sign=positive|negative, "
            "void_shape=transaction|status_only, order_discounts=order_level|with_lines, "
            "output_zone=requested|store, shift_cash=documented|actual|none, "
            "ppn_stated=charged|nominal, sets=composite|comboset, "
            "next_flag=everywhere|orders_only, shift_bound=both|modified_date, "
            "order_modified=field|absent, shift_outlet=given|absent, order_bound=created|either, "
            "modifier_sku=own|parent; "
            "presets: documented, loose). "
            "[env: SANDBOX_ISELLER_DIALECT]",
        ),
        click.option(
            "--jurnal-faults",
            envvar="SANDBOX_JURNAL_FAULTS",
            default=None,
            help="Faults of the Jurnal emulator, same syntax, e.g. "
            "'batch_create:lost=0.2'. [env: SANDBOX_JURNAL_FAULTS]",
        ),
        click.option(
            "--rate-limit-per-minute",
            default=30,
            show_default=True,
            help="Jurnal requests allowed per credential per minute.",
        ),
        click.option(
            "--rate-limit-per-hour",
            default=1800,
            show_default=True,
            help="Jurnal requests allowed per credential per hour.",
        ),
        click.option(
            "--bank-statements",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Folder the bank statement CSVs of 'Rekening Bank' are written to, one per "
            "day up to the clock (default: <state dir>/bank_statements); point the config's "
            "reconciliation.statement_folder at it.",
        ),
        click.option(
            "--bank-layout",
            default=None,
            help="Layout of the bank statement CSVs, e.g. 'debit_credit,dates=iso' (keys: "
            "columns=mutasi|debit_credit|klikbca, dates=dmy|iso, "
            "amounts=comma_thousands|plain|dot_thousands, delimiter=comma|semicolon, "
            "iseller_pay=per_outlet|all_outlets|all_outlets_netted, days=apart|together, "
            "fees=payment|day, outlets=codes|merchant_ids; presets: documented, "
            "debit_credit, iso_dates, plain_amounts, european, klikbca, one_iseller_payout, "
            "one_iseller_payout_netted, weekend_together, fee_of_day, merchant_ids).",
        ),
        click.option(
            "--time-scale",
            default=1.0,
            show_default=True,
            help="Speed of Jurnal's rate-limit clock (60: a minute lasts a second).",
        ),
        click.option(
            "--outlets",
            default=3,
            show_default=True,
            type=click.IntRange(min=3),
            help="Outlets of the demo merchant: beyond its three, copies of them (JKT2, DPS2, "
            "BDG2, JKT3...) with warehouses of their own in Jurnal and in the config copy.",
        ),
    ]
    for option in reversed(options):
        func = option(func)

    @functools.wraps(func)
    def wrapper(**kwargs):
        fields = {f.name for f in dataclasses.fields(SandboxOptions)}
        chosen = {k: kwargs.pop(k) for k in list(kwargs) if k in fields}
        if chosen.get("start_date") is not None:
            chosen["start_date"] = chosen["start_date"].date()
        return func(options=SandboxOptions(**chosen), **kwargs)

    return wrapper


def _print_env(env: dict[str, str]) -> None:
    for name, value in env.items():
        click.echo(f"export {name}={value}")


@click.command()
@_sandbox_options
@click.option(
    "--print-env",
    is_flag=True,
    help="Print `export NAME=value` lines that point the pipeline at the sandboxes, then exit.",
)
def sandbox(options: SandboxOptions, print_env: bool):
    """Run local emulators of iSeller and Jurnal with a seeded demo merchant.

    With SANDBOX_ISELLER_ROTATE_REFRESH_TOKENS=1 the iSeller emulator rotates refresh tokens:
    each refresh grant returns a new one and refuses the one used from then on.

    The Jurnal emulator reads more of what Jurnal's document leaves open from the environment
    (docs/assumptions/jurnal.md): SANDBOX_JURNAL_STATEMENT_STYLE (plain, report, iso),
    SANDBOX_JURNAL_STOCK_KEYS (echoed, documented: stock documents answered without
    custom_id), SANDBOX_JURNAL_RETURN_KEYS (echoed, documented: sales returns' keys ignored),
    SANDBOX_JURNAL_TRANSFER_BATCH (per_item, documented: a bank-transfer batch answered by
    echoing its items) and SANDBOX_JURNAL_INVOICE_QUOTA (a monthly transaction quota).
    """
    if print_env:
        # the config the variables name: the demo config from the sandbox's first day
        write_demo_config(options, history_start(options))
        _print_env(options.env)
        return
    servers = start_sandboxes(options)
    click.echo(f"iSeller sandbox on {servers[0].url}, Jurnal sandbox on {servers[1].url}")
    click.echo(f"bank statements in {options.bank_statement_folder.resolve()}")
    click.echo(f"state in {options.state_dir.resolve()}; point the pipeline at them with:")
    _print_env(options.env)
    _wait_for_interrupt(servers)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _catch_interrupts() -> None:
    """Ctrl-C and SIGTERM raise KeyboardInterrupt, also when this process was started with
    SIGINT ignored (in the background); children started afterwards get the default action."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)


def _wait_for_interrupt(servers, process: subprocess.Popen | None = None) -> int:
    """Serve until Ctrl-C or SIGTERM (or the child exits), then stop everything started.

    The child runs in its own process group: on Ctrl-C the whole group (dagster dev, its
    webserver, daemon and code server) gets SIGINT, and SIGKILL if still there after 30 s,
    so nothing is left behind holding a port.
    """
    code = 0
    _catch_interrupts()
    try:
        while True:
            if process is not None and process.poll() is not None:
                code = process.returncode
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        if process is not None:
            _signal_group(process, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
    finally:
        for server in servers:
            server.stop()
    return code


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


@click.command()
@_sandbox_options
@click.option("--port", default=3000, show_default=True, help="Port of the Dagster UI.")
def dev(options: SandboxOptions, port: int):
    """Sandboxes plus `dagster dev` (UI, schedules, sensors) with DAGSTER_HOME in this folder."""
    servers = start_sandboxes(options)
    env = {**os.environ, **options.env}
    home = Path(env.setdefault("DAGSTER_HOME", str(Path.cwd() / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    instance_yaml = home / "dagster.yaml"
    if not instance_yaml.exists() and Path("dagster.yaml").exists():
        shutil.copy("dagster.yaml", instance_yaml)
    click.echo(f"iSeller sandbox {servers[0].url}, Jurnal sandbox {servers[1].url}")
    post_demo_opening_stock(options, env)
    click.echo(f"Dagster UI on http://127.0.0.1:{port} (DAGSTER_HOME={home}); Ctrl-C stops all")
    dagster = Path(sys.executable).with_name("dagster")
    _catch_interrupts()  # before the child starts, so it inherits SIGINT's default action
    process = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        env=env,
        start_new_session=True,
    )
    sys.exit(_wait_for_interrupt(servers, process))


def post_demo_opening_stock(options: SandboxOptions, env: dict[str, str]) -> bool:
    """Once per sandbox state, before anything is posted: the demo merchant's opening stock in
    Jurnal on its first day, as a merchant starting out does (`journal-pipeline stock init`),
    so that the daily stock comparison has something to compare with. True when it is in
    Jurnal (now or from an earlier start); a refusal is printed and the UI starts anyway (the
    comparison's check then says what to run)."""
    mark = options.state_dir / OPENING_STOCK_MARK
    if mark.exists():
        return True
    first = history_start(options).isoformat()
    click.echo(f"Posting the demo's opening stock of {first} (`journal-pipeline stock init`) …")
    command = [str(Path(sys.executable).with_name("journal-pipeline")), "stock", "init"]
    command += ["--date", first, "--yes"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    last = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode != 0:
        click.echo(done.stdout + done.stderr, err=True)
        click.echo(
            f"The opening stock of {first} was not posted (above); run it yourself.", err=True
        )
        return False
    mark.write_text(f"{first}\n{last}\n", encoding="utf-8")
    click.echo(last)
    return True
