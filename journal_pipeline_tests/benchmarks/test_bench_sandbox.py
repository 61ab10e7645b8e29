"""The sandbox pieces `make bench` stands on: a demo merchant of more than three outlets
(`--outlets`), and the Jurnal emulator's count of what a credential sent (``/_sandbox/stats``),
over real HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime

import requests
import yaml
from click.testing import CliRunner

from benchmarks.bench.sandbox import bound_seconds, compute_gaps, replay
from journal_pipeline.config import load_config
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox, signed
from journal_sandbox.cli import sandbox
from journal_sandbox.demo_merchant import MODIFIERS, DemoMerchant, demo_outlets
from journal_sandbox.iseller_catalogue import till_catalogue
from journal_sandbox.jurnal_app import STATS_PATH
from journal_sandbox.launch import SandboxOptions, start_sandboxes


def test_ten_outlets_are_the_three_then_copies_in_both_time_zones():
    outlets = demo_outlets(10)
    assert [o.outlet_code for o in outlets] == [
        "JKT", "DPS", "BDG", "JKT2", "DPS2", "BDG2", "JKT3", "DPS3", "BDG3", "JKT4",
    ]  # fmt: skip
    assert outlets[:3] == demo_outlets()
    assert {o.timezone for o in outlets} == {"Asia/Jakarta", "Asia/Makassar"}
    assert outlets[4].outlet_name == "Bali Seminyak 2" and outlets[4].tax_name == "PB1"
    merchant = DemoMerchant(
        start_date=date(2026, 11, 1), orders_per_outlet_per_day=4, outlet_count=10
    )
    orders = merchant.expected_orders("DPS2", date(2026, 11, 2))
    assert orders and {o["outlet_code"] for o in orders} == {"DPS2"}
    assert all(o["order_reference"].startswith("#DPS2-") for o in orders)
    # a copy sells what the outlet it copies sells, and closes a register shift of its own
    skus = {line["sku"] for o in orders for line in o["order_details"]}
    sold_at_dps = {p.sku for p in till_catalogue("DPS")} | {m.key for m in MODIFIERS}
    assert skus <= sold_at_dps
    codes = {
        shift["outlet_code"]
        for shift in merchant.register_shifts(datetime(2026, 11, 3, 12, tzinfo=UTC))
    }
    assert codes == {o.outlet_code for o in outlets}


def test_sandbox_with_ten_outlets_writes_their_config_and_warehouses(tmp_path):
    options = SandboxOptions(
        iseller_port=0,
        jurnal_port=0,
        state_dir=tmp_path / "state",
        orders_per_day=2,
        start_date=date(2026, 11, 1),
        outlets=10,
    )
    iseller, jurnal = start_sandboxes(options)
    try:
        config = load_config(options.demo_config)
        assert len(config.outlets) == 10
        assert config.outlets["DPS3"].warehouse == "Gudang Bali Seminyak 3"
        warehouses = requests.get(
            f"{jurnal.url}/public/jurnal/api/v1/warehouses",
            headers={"apikey": "sandbox-jurnal-apikey"},
            params={"per_page": 100},
            timeout=10,
        ).json()["warehouses"]
        names = {w["name"] for w in warehouses}
        assert {o.warehouse for o in config.outlets.values()} <= names
    finally:
        iseller.stop()
        jurnal.stop()
    # the default is still the three outlets, and the command line has the knob
    assert SandboxOptions().outlets == 3
    result = CliRunner().invoke(
        sandbox, ["--print-env", "--outlets", "10", "--state-dir", str(tmp_path / "s2")]
    )
    assert result.exit_code == 0, result.output
    printed = yaml.safe_load((tmp_path / "s2" / "demo_config.yaml").read_text())
    assert len(printed["outlets"]) == 10


def test_stats_count_each_credentials_requests_and_429s(tmp_path):
    # a minute of Jurnal's clock lasts hours: the five requests fall in one window
    with running_jurnal_sandbox(
        tmp_path / "jurnal", rate_limit_per_minute=3, time_scale=0.001
    ) as handle:
        answers = [
            signed("GET", f"{handle.url}/companies/active", retry_rate_limit=False).status_code
            for _ in range(5)
        ]
        stats = requests.get(f"{handle.server.url}{STATS_PATH}", timeout=10)
    assert answers == [200, 200, 200, 429, 429]
    assert stats.status_code == 200
    traffic = stats.json()["credentials"]
    assert list(traffic) == ["hmac:sandbox-jurnal-client"]
    counted = traffic["hmac:sandbox-jurnal-client"]
    assert counted["requests"] == 5 and counted["rate_limited"] == 2
    assert counted["routes"] == {"GET companies": 5}
    assert "timeline" not in counted and "secret" not in stats.text


def test_replay_sends_no_faster_than_thirty_a_minute_after_the_measured_compute():
    # no compute: thirty at once, the 31st a minute after the first, the 61st after the 31st
    sent = replay([0.0] * 61)
    assert sent[:30] == [0.0] * 30 and sent[30] == 60.0 and sent[60] == 120.0
    # 1 s of compute before each: the 31st waits for the 1st's minute (1 + 60), the 32nd for
    # the 2nd's (2 + 60), and slower compute than the limit is never held back
    sent = replay([1.0] * 32)
    assert sent[29] == 30.0 and sent[30] == 61.0 and sent[31] == 62.0
    assert replay([3.0] * 40)[-1] == 120.0
    # the compute between requests is the time between them less the limiter's waits
    gaps = compute_gaps([100.0, 105.0, 106.0], 90.0, [(104.0, 3.0), (105.5, 0.25)])
    assert gaps == [10.0, 2.0, 0.75]


def test_the_bound_is_the_least_time_from_first_to_last_request_the_limits_allow():
    assert bound_seconds(30) == 0  # the limit lets thirty through at once
    assert bound_seconds(31) == 60 and bound_seconds(60) == 60 and bound_seconds(72) == 120
    assert bound_seconds(1801) == 3600  # 61 minutes' worth by the minute, an hour by the hour
    assert bound_seconds(31, time_scale=4) == 15  # a clock four times faster
