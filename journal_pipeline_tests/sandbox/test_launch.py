import os
import socket
from datetime import UTC, date, datetime
from pathlib import Path

import requests
from click.testing import CliRunner

from journal_pipeline.config import load_config
from journal_pipeline.jurnal.client import JurnalClient, JurnalSettings
from journal_sandbox.cli import OPENING_STOCK_MARK, post_demo_opening_stock, sandbox
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.launch import SandboxOptions, history_start, start_sandboxes


def test_both_sandboxes_start_with_their_knobs_and_reset_starts_clean(tmp_path):
    options = SandboxOptions(
        iseller_port=0,
        jurnal_port=0,
        state_dir=tmp_path / "state",
        orders_per_day=5,
        start_date=date(2026, 11, 1),
        jurnal_faults="companies/active:error=1,status=502",
    )
    iseller, jurnal = start_sandboxes(options)
    try:
        token = requests.post(
            f"{iseller.url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox-iseller-client",
                "client_secret": "sandbox-iseller-secret",
            },
            timeout=10,
        )
        assert token.status_code == 200 and token.json()["resource_url"] == iseller.url
        answer = requests.get(
            f"{jurnal.url}/public/jurnal/api/v1/companies/active",
            headers={"apikey": "sandbox-jurnal-apikey"},
            timeout=10,
        )
        assert answer.status_code == 502  # the fault spec reached the Jurnal emulator
    finally:
        iseller.stop()
        jurnal.stop()
    assert (tmp_path / "state" / "iseller").exists()
    marker = tmp_path / "state" / "marker"
    marker.write_text("old state")
    iseller, jurnal = start_sandboxes(
        SandboxOptions(iseller_port=0, jurnal_port=0, state_dir=tmp_path / "state", reset=True)
    )
    iseller.stop()
    jurnal.stop()
    assert not marker.exists()


def _printed(args: list[str]) -> dict[str, str]:
    result = CliRunner().invoke(sandbox, ["--print-env", *args])
    assert result.exit_code == 0, result.output
    return dict(line.removeprefix("export ").split("=", 1) for line in result.output.splitlines())


def test_the_pipeline_starts_on_the_sandboxs_first_day_of_history(tmp_path):
    demo = load_config(DEMO_CONFIG)
    options = SandboxOptions(
        iseller_port=0,
        jurnal_port=0,
        state_dir=tmp_path / "state",
        orders_per_day=5,
        start_date=date(2026, 11, 3),
    )
    iseller, jurnal = start_sandboxes(options)
    iseller.stop()
    jurnal.stop()
    path = Path(options.env["JOURNAL_PIPELINE_CONFIG"])
    assert path == (tmp_path / "state" / "demo_config.yaml").resolve()
    config = load_config(path)
    assert config.start_date == date(2026, 11, 3)  # not the demo config's 2026-01-01
    assert config.model_dump(exclude={"start_date"}) == demo.model_dump(exclude={"start_date"})

    # --print-env names the same file, from the state's saved first day (no --start-date)
    printed = _printed(["--state-dir", str(tmp_path / "state"), "--orders-per-day", "5"])
    assert printed["JOURNAL_PIPELINE_CONFIG"] == str(path)
    assert load_config(path).start_date == date(2026, 11, 3)


def test_print_env_without_a_state_writes_the_first_day_a_new_state_will_have(tmp_path):
    printed = _printed(["--state-dir", str(tmp_path / "new"), "--start-date", "2026-10-20"])
    assert load_config(printed["JOURNAL_PIPELINE_CONFIG"]).start_date == date(2026, 10, 20)
    assert not (tmp_path / "new" / "iseller").exists()  # printing starts no sandbox
    # with --history-days: that many days before today, in the outlets' time zones
    now = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # already the 21st in Jakarta
    options = SandboxOptions(state_dir=tmp_path / "other", history_days=14)
    assert history_start(options, now) == date(2026, 11, 7)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_dev_posts_the_demo_opening_stock_once_before_anything_else(tmp_path):
    options = SandboxOptions(
        iseller_port=_free_port(),
        jurnal_port=_free_port(),
        state_dir=tmp_path / "state",
        orders_per_day=5,
        history_days=3,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    env.pop("STAGING_DATABASE_URL", None)
    env.update(options.env, DAGSTER_HOME=str(tmp_path / "home"))
    servers = start_sandboxes(options)
    try:
        client = JurnalClient(JurnalSettings.from_env(env))

        def adjustments() -> list[str]:
            listed = client.iter_list("stock_adjustments", "stock_adjustments")
            return sorted(a["transaction_no"] for a in listed)

        assert adjustments() == []
        assert post_demo_opening_stock(options, env)
        first = history_start(options).strftime("%Y%m%d")
        # one per outlet's warehouse, on the sandbox's first day
        assert adjustments() == [f"STOCK-INIT/{code}/{first}" for code in ("BDG", "DPS", "JKT")]
        assert (
            (options.state_dir / OPENING_STOCK_MARK)
            .read_text()
            .startswith(history_start(options).isoformat())
        )
        assert post_demo_opening_stock(options, env)  # a later start: nothing sent
        assert len(adjustments()) == 3
    finally:
        for server in servers:
            server.stop()
