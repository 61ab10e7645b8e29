from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from journal_pipeline.definitions import SYNC_JOB, defs

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def(SYNC_JOB)
    assert job.partitions_def is not None


def test_assets_and_checks_are_wired():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {"iseller_orders", "journal_entries", "jurnal_products", "jurnal_sales_invoices"}
    checks = {key.name for key in graph.asset_check_keys}
    assert checks == {
        "journal_entries_balance",
        "every_sale_accounted_for",
        "posted_totals_match_source",
    }
    balance = next(k for k in graph.asset_check_keys if k.name == "journal_entries_balance")
    assert graph.get_check_spec(balance).blocking
    for key in ("jurnal_products", "jurnal_sales_invoices"):
        assert graph.get(dg.AssetKey(key)).pools == {"jurnal_api"}


def test_todays_partition_exists():
    job = defs.resolve_job_def(SYNC_JOB)
    today = datetime.now(JAKARTA).date().isoformat()
    assert today in job.partitions_def.get_partition_keys()


def _schedule(name):
    return next(s for s in defs.schedules if s.name == name)


def test_hourly_schedule_targets_the_local_day_of_the_tick():
    schedule = _schedule("hourly_today_schedule")
    # 23:05 WIB on the 20th is 16:05 UTC: the partition is still the 20th
    tick = datetime(2026, 11, 20, 23, 5, tzinfo=JAKARTA)
    run = schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert run.partition_key == "2026-11-20"
    # 00:05 WIB on the 21st is 17:05 UTC on the 20th: the partition is the 21st
    tick = datetime(2026, 11, 21, 0, 5, tzinfo=JAKARTA)
    run = schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert run.partition_key == "2026-11-21"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_nightly_schedule_finalises_yesterday():
    schedule = _schedule("nightly_finalize_schedule")
    tick = datetime(2026, 11, 21, 2, 30, tzinfo=JAKARTA)
    run = schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert run.partition_key == "2026-11-20"
