"""Idul Adha week 2026 reconciled with a bank closed on Indonesia's holidays: the takings of
Monday 25 May (lag 2) and Tuesday 26 May (lag 1) are due Friday the 29th (the 27th is Idul
Adha, the 28th joint leave), and the bank emulator, closed those two days, pays them then.
With the default holiday calendar every settlement is expected on the day the bank pays it;
with the calendar off the same money would look late."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import pytest
import yaml

from journal_pipeline.config import load_config
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.recon_assets import AS_OF_TAG, build_recon_assets
from journal_pipeline.defs.resources import MerchantConfigResource
from journal_pipeline.defs.statement_sensor import statement_files
from journal_pipeline.storage.reconciliation import read_reconciliation
from journal_pipeline.sync.reconciliation import stage_statement_files
from journal_pipeline_tests.e2e.demo_week import ASSETS, synced_demo_week
from journal_sandbox import bank_feed, bank_files
from journal_sandbox.defaults import DEMO_CONFIG

pytestmark = pytest.mark.e2e

DAYS = [date(2026, 5, 25), date(2026, 5, 26)]  # Monday, Tuesday
CLOSED = [date(2026, 5, 27), date(2026, 5, 28)]  # Idul Adha, its joint leave day
PANCASILA = date(2026, 6, 1)  # Monday: Tuesday's lag-2 money arrives on the 2nd
FRIDAY = date(2026, 5, 29)
NOW = datetime(2026, 5, 29, 22, 30, tzinfo=UTC)  # 05:30 WIB on Saturday the 30th
AS_OF = date(2026, 5, 30)


def _config_path(tmp_path, calendar: str | None):
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["reconciliation"]["statement_folder"] = str(tmp_path / "statements")
    data["reconciliation"]["holiday_calendar"] = calendar
    path = tmp_path / f"merchant-{calendar}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _reconcile(assets, resources, store, path) -> dict[tuple[date, str, str], dict]:
    resources = {**resources, "merchant": MerchantConfigResource(path=str(path))}
    for day in DAYS:
        result = dg.materialize(
            assets,
            selection=["cash_bank_reconciliation"],
            partition_key=day.isoformat(),
            resources=resources,
            tags={AS_OF_TAG: AS_OF.isoformat()},
        )
        assert result.success, day
    return {
        (r["business_date"], r["outlet_code"], r["payment_method"]): r
        for day in DAYS
        for r in read_reconciliation(store, day)
        if r["row_kind"] == "settlement"
    }


def test_settlements_over_idul_adha_are_expected_when_the_bank_pays_them(tmp_path):
    indonesia = _config_path(tmp_path, "ID")
    config = load_config(indonesia)
    assets = [*ASSETS, *build_recon_assets(daily_partitions(config))]
    with synced_demo_week(
        tmp_path,
        DAYS,
        orders_per_outlet_per_day=6,
        now=NOW,
        history_days=5,
        bank_holidays=[*CLOSED, PANCASILA],
    ) as week:
        merchant = week.iseller.merchant
        files = statement_files(tmp_path / "statements", config)
        assert not files
        bank_files.write_bank_statements(merchant, DAYS[0], AS_OF, tmp_path / "statements")
        for path, account in statement_files(tmp_path / "statements", config).items():
            if len(path.read_text(encoding="utf-8").splitlines()) > 1:  # a day with lines
                stage_statement_files([path], {path: account}, week.store)

        rows = _reconcile(assets, week.resources, week.store, indonesia)
        paid = {
            (s.takings_date, s.outlet_code, s.method): s
            for day in DAYS
            for s in bank_feed.settlements(merchant, day)
        }
        anomalies = bank_feed.anomalies(merchant, DAYS[0])  # the week of Monday the 25th
        odd = {anomalies.late, anomalies.missing, anomalies.short[0] if anomalies.short else None}
        assert paid.keys() <= rows.keys()
        for key, settlement in paid.items():
            row = rows[key]
            assert row["expected_date"] == settlement.due, key  # both skip the holidays
            if settlement in odd:
                continue
            if settlement.due <= AS_OF:
                assert (row["status"], row["received_date"]) == ("matched", settlement.due), key
            else:  # after Pancasila day
                assert (row["status"], row["expected_date"]) == ("pending", date(2026, 6, 2))
        over_the_holiday = {k for k, s in paid.items() if s.due == FRIDAY}
        # Monday's cards and GoPay (lag 2), Tuesday's QRIS, debit and cash (lag 1)
        assert {k[2] for k in over_the_holiday if k[0] == DAYS[0]} == {"Kartu Kredit", "GoPay"}
        assert {k[2] for k in over_the_holiday if k[0] == DAYS[1]} >= {"QRIS", "Debit BCA"}

        # without the calendar the same money is expected before the holidays and found late
        plain = _reconcile(assets, week.resources, week.store, _config_path(tmp_path, None))
        for key in over_the_holiday - {
            s and (s.takings_date, s.outlet_code, s.method) for s in odd
        }:
            assert plain[key]["expected_date"] in CLOSED, key
            assert plain[key]["age_days"] > 0, key
