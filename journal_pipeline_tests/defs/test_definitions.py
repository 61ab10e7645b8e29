from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from journal_pipeline.definitions import SYNC_JOB, build_definitions
from journal_pipeline.definitions import defs as lazy_defs
from journal_pipeline.defs.schedules import finalize_hour
from journal_pipeline.sync.summary_day import is_final
from journal_pipeline_tests.e2e.demo_week import CONFIG

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def defs(sandbox_environment):
    return build_definitions()


def test_definitions_load(defs):
    dg.Definitions.validate_loadable(lazy_defs())
    job = defs.resolve_job_def(SYNC_JOB)
    assert job.partitions_def is not None
    in_job = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert {"jurnal_stock_documents", "stock_comparison"} <= in_job
    assert "jurnal_opening_stock" not in in_job  # materialized by hand for a chosen date


def test_assets_and_checks_are_wired(defs):
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {
        "iseller_orders",
        "iseller_day_totals",
        "journal_entries",
        "jurnal_products",
        "jurnal_customers",
        "jurnal_sales_invoices",
        "jurnal_sales_returns",
        "iseller_stock_documents",
        "jurnal_stock_documents",
        "stock_comparison",
        "jurnal_opening_stock",
        "iseller_register_shifts",
        "jurnal_cash_counts",
        "jurnal_payment_fees",
        "cash_bank_reconciliation",
        "jurnal_payouts",
    }
    checks = {key.name for key in graph.asset_check_keys}
    assert checks == {
        "staged_day_matches_iseller_totals",
        "journal_entries_balance",
        "every_sale_accounted_for",
        "posted_totals_match_source",
        "posted_tax_matches_source",
        "every_record_posted",
        "every_stock_document_posted",
        "stock_matches_jurnal",
        "takings_match_journal",
        "settlements_overdue",
        "cash_differences_within_tolerance",
    }
    cash = next(k for k in graph.asset_check_keys if k.name == "cash_differences_within_tolerance")
    assert cash.asset_key == dg.AssetKey("jurnal_cash_counts")
    assert not graph.get_check_spec(cash).blocking  # booked as counted all the same
    for name in ("journal_entries_balance", "staged_day_matches_iseller_totals"):
        check = next(k for k in graph.asset_check_keys if k.name == name)
        assert graph.get_check_spec(check).blocking, name
    totals = graph.get(dg.AssetKey("iseller_day_totals"))
    assert totals.group_name == "iseller"
    assert totals.parent_keys == {dg.AssetKey("iseller_orders")}
    journal = graph.get(dg.AssetKey("journal_entries"))
    assert dg.AssetKey("iseller_day_totals") in journal.parent_keys  # built after the check
    for key in (
        "jurnal_products",
        "jurnal_customers",
        "jurnal_sales_invoices",
        "jurnal_sales_returns",
    ):
        assert graph.get(dg.AssetKey(key)).pools == {"jurnal_api"}
    invoices = graph.get(dg.AssetKey("jurnal_sales_invoices"))
    assert dg.AssetKey("jurnal_customers") in invoices.parent_keys  # customers first
    returns = graph.get(dg.AssetKey("jurnal_sales_returns"))
    assert returns.parent_keys == {dg.AssetKey("jurnal_sales_invoices")}  # invoices first
    assert {k.asset_key.to_user_string() for k in returns.check_keys} == {"jurnal_sales_returns"}
    # every posting asset warns of the day's held, failed or pending records
    warned = {
        k.asset_key.to_user_string()
        for k in graph.asset_check_keys
        if k.name == "every_record_posted"
    }
    assert warned == {
        "jurnal_sales_invoices",
        "jurnal_sales_returns",
        "jurnal_cash_counts",
        "jurnal_payment_fees",
        "jurnal_payouts",
    }
    for key in graph.asset_check_keys:
        if key.name == "every_record_posted":
            assert not graph.get_check_spec(key).blocking, key  # the day posts on


def test_every_check_is_described_and_partitioned_like_its_asset(defs):
    graph = defs.resolve_asset_graph()
    for key in graph.asset_check_keys:
        spec = graph.get_check_spec(key)
        assert (spec.description or "").strip(), key
        # the UI shows each result against the day that was run
        assert spec.partitions_def == graph.get(key.asset_key).partitions_def, key


def test_every_schedule_is_described(defs):
    for schedule in defs.schedules:
        assert (schedule.description or "").strip(), schedule.name


def test_every_sensor_is_described(defs):
    for sensor in defs.sensors:
        assert (sensor.description or "").strip(), sensor.name


def test_todays_partition_exists(defs):
    job = defs.resolve_job_def(SYNC_JOB)
    today = datetime.now(JAKARTA).date().isoformat()
    assert today in job.partitions_def.get_partition_keys()


def _schedule(defs, name):
    return next(s for s in defs.schedules if s.name == name)


def test_hourly_schedule_targets_the_local_day_of_the_tick(defs):
    schedule = _schedule(defs, "hourly_today_schedule")
    # 23:05 WIB on the 20th is 16:05 UTC: the partition is still the 20th
    tick = datetime(2026, 11, 20, 23, 5, tzinfo=JAKARTA)
    run = schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert run.partition_key == "2026-11-20"
    # 00:05 WIB on the 21st is 17:05 UTC on the 20th: the partition is the 21st
    tick = datetime(2026, 11, 21, 0, 5, tzinfo=JAKARTA)
    run = schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert run.partition_key == "2026-11-21"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_nightly_schedule_finalises_yesterday(defs):
    schedule = _schedule(defs, "nightly_finalize_schedule")
    # the demo's Bali outlet ends its business day at 03:00 WITA (02:00 WIB), settled at
    # 03:00 WIB: the nightly run comes after, so yesterday is over at every outlet
    assert schedule.cron_schedule == "30 4 * * *"
    tick = datetime(2026, 11, 21, 4, 30, tzinfo=JAKARTA)
    run = schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert run.partition_key == "2026-11-20"
    assert is_final(CONFIG, date(2026, 11, 20), tick)
    assert not is_final(CONFIG, date(2026, 11, 20), datetime(2026, 11, 21, 2, 30, tzinfo=JAKARTA))


def test_the_nightly_hour_follows_the_latest_outlet_cut_off():
    plain = CONFIG.model_copy(deep=True)
    for outlet in plain.outlets.values():
        outlet.timezone, outlet.cutoff_hour = "Asia/Jakarta", 0
    assert finalize_hour(plain) == 2  # 02:30: as ever
    plain.outlets["DPS"].cutoff_hour = 6  # a club open until 06:00 WIB
    assert finalize_hour(plain) == 8


def test_sensors_are_wired_running_and_described(defs):
    sensors = {s.name: s for s in defs.sensors}
    assert "failed_records_sensor" in sensors
    failed = sensors["failed_records_sensor"]
    assert failed.job_name == SYNC_JOB  # its retries run the day's sync
    assert failed.default_status == dg.DefaultSensorStatus.RUNNING
    assert "held or failed" in failed.description
