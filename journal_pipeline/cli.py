"""`journal-pipeline ...`: sandboxes, development server and headless runs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import click

from journal_pipeline.sandbox import defaults

DEFAULT_STATE_DIR = ".sandbox_state"


@click.group()
def main() -> None:
    """iSeller point-of-sale data to double-entry accounting in Mekari Jurnal."""


def _sandbox_options(func):
    options = [
        click.option(
            "--host", default=defaults.HOST, show_default=True, help="Address to listen on."
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
        click.option("--reset", is_flag=True, help="Delete the saved state and start clean."),
        click.option("--seed", default=7, show_default=True, help="Seed of the demo merchant."),
        click.option(
            "--orders-per-day",
            default=40,
            show_default=True,
            help="Orders per outlet per business day in the demo merchant.",
        ),
        click.option(
            "--history-days",
            default=14,
            show_default=True,
            help="Days of order history before today.",
        ),
        click.option(
            "--time-scale",
            default=1.0,
            show_default=True,
            help="Speed of Jurnal's rate-limit clock (60 = a minute lasts a second).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _start_sandboxes(
    *,
    host: str,
    iseller_port: int,
    jurnal_port: int,
    state_dir: Path,
    reset: bool,
    seed: int,
    orders_per_day: int,
    history_days: int,
    time_scale: float,
):
    from journal_pipeline.sandbox.iseller_app import ISellerSandbox
    from journal_pipeline.sandbox.jurnal_app import JurnalSandbox

    if reset and state_dir.exists():
        shutil.rmtree(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    iseller = ISellerSandbox(
        state_dir / "iseller",
        seed=seed,
        orders_per_outlet_per_day=orders_per_day,
        history_days=history_days,
    ).serve(host, iseller_port)
    jurnal = JurnalSandbox(state_dir / "jurnal", time_scale=time_scale).serve(host, jurnal_port)
    iseller.start()
    jurnal.start()
    return iseller, jurnal


def _print_env(env: dict[str, str]) -> None:
    for name, value in env.items():
        click.echo(f"export {name}={value}")


@main.command()
@_sandbox_options
@click.option(
    "--print-env",
    is_flag=True,
    help="Print `export NAME=value` lines that point the pipeline at the sandboxes, then exit.",
)
def sandbox(print_env: bool, **options):
    """Run local emulators of iSeller and Jurnal with a seeded demo merchant."""
    host, iseller_port, jurnal_port = (
        options["host"],
        options["iseller_port"],
        options["jurnal_port"],
    )
    env = defaults.sandbox_env(f"http://{host}:{iseller_port}", f"http://{host}:{jurnal_port}")
    if print_env:
        _print_env(env)
        return
    servers = _start_sandboxes(**options)
    click.echo(f"iSeller sandbox on {servers[0].url}, Jurnal sandbox on {servers[1].url}")
    click.echo(f"state in {options['state_dir'].resolve()}; point the pipeline at them with:")
    _print_env(env)
    _wait_for_interrupt(servers)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _wait_for_interrupt(servers, process: subprocess.Popen | None = None) -> int:
    """Serve until Ctrl-C or SIGTERM (or the child exits), then stop everything started."""
    code = 0
    signal.signal(signal.SIGINT, _interrupt)  # also when started with SIGINT ignored
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            if process is not None and process.poll() is not None:
                code = process.returncode
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        if process is not None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    finally:
        for server in servers:
            server.stop()
    return code


@main.command()
@_sandbox_options
@click.option("--port", default=3000, show_default=True, help="Port of the Dagster UI.")
def dev(port: int, **options):
    """Sandboxes plus `dagster dev` (UI, schedules, sensors) with DAGSTER_HOME in this folder."""
    servers = _start_sandboxes(**options)
    env = {**os.environ, **defaults.sandbox_env(servers[0].url, servers[1].url)}
    home = Path(env.setdefault("DAGSTER_HOME", str(Path.cwd() / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    instance_yaml = home / "dagster.yaml"
    if not instance_yaml.exists() and Path("dagster.yaml").exists():
        shutil.copy("dagster.yaml", instance_yaml)
    click.echo(f"iSeller sandbox {servers[0].url}, Jurnal sandbox {servers[1].url}")
    click.echo(f"Dagster UI on http://127.0.0.1:{port} (DAGSTER_HOME={home}); Ctrl-C stops all")
    dagster = Path(sys.executable).with_name("dagster")
    process = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)], env=env
    )
    sys.exit(_wait_for_interrupt(servers, process))


_verbose_option = click.option(
    "-v", "--verbose", is_flag=True, help="Show Dagster's step-by-step log."
)


def _log_level(verbose: bool) -> str:
    return "DEBUG" if verbose else "WARNING"


def _run_day(day: date, log_level: str = "WARNING") -> bool:
    import dagster as dg

    from journal_pipeline.definitions import SYNC_JOB, defs

    instance = (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral()
    )
    job = defs.resolve_job_def(SYNC_JOB)
    result = job.execute_in_process(
        partition_key=day.isoformat(),
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        shown = {
            k: v.value
            for k, v in materialization.metadata.items()
            if not isinstance(v.value, str) or len(v.value) < 80
        }
        click.echo(f"{day} {materialization.asset_key.to_user_string()}: {shown}")
    for evaluation in result.get_asset_check_evaluations():
        status = "passed" if evaluation.passed else "FAILED"
        click.echo(f"{day} check {evaluation.check_name}: {status}")
    _print_open_records(day)
    if not result.success:
        for event in result.all_events:
            if event.is_failure and event.step_failure_data:
                click.echo(
                    f"{day} {event.step_key} failed: "
                    f"{event.step_failure_data.error.message.strip()}",
                    err=True,
                )
    return result.success


def _print_open_records(day: date) -> None:
    """Every record of the day that is not in Jurnal, with its reason."""
    from journal_pipeline.storage.store import StagingStore
    from journal_pipeline.sync.outbox import Outbox

    documents = Outbox(StagingStore()).documents(day)
    open_docs = documents[documents["status"].isin(["held", "failed", "pending"])]
    for row in open_docs.itertuples(index=False):
        click.echo(f"{day} {row.status.upper()} {row.doc_key}: {row.reason or ''}")


@main.command()
@click.option(
    "--date",
    "day",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Business date (YYYY-MM-DD) in the merchant's time zone.",
)
@_verbose_option
def sync(day, verbose):
    """Run one business day headless: extract, journal, post to Jurnal."""
    sys.exit(0 if _run_day(day.date(), _log_level(verbose)) else 1)


@main.command()
@click.option("--start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@_verbose_option
def backfill(start, end, verbose):
    """Run every business day from START to END inclusive, in order."""
    day, failures = start.date(), 0
    while day <= end.date():
        failures += 0 if _run_day(day, _log_level(verbose)) else 1
        day += timedelta(days=1)
    if failures:
        click.echo(
            f"{failures} day(s) failed; run them again with `journal-pipeline sync --date`",
            err=True,
        )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
