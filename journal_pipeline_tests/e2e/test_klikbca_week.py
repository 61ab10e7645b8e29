"""The demo week reconciled from KlikBCA's export of the bank account (the bank emulator's
``klikbca`` layout: account details and totals around the lines, dates without a year, no
reference column, CR / DB in a column without a name): every settlement the bank paid is
matched by the outlet, day and method its description names, the bank's fee is a line no row
claims, and each clearing account ends at exactly what is still in transit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from journal_pipeline_tests.e2e.test_reconciliation_week import (
    AS_OF,
    WEEK,
    _assert_clearing_is_in_transit,
    _reconcile_week,
    _rows,
    bank_week,
)
from journal_sandbox import bank_feed

pytestmark = pytest.mark.e2e


def test_a_week_reconciled_from_klikbcas_export(tmp_path):
    with bank_week(tmp_path, "klikbca") as bank:
        week, config, assets = bank.week, bank.config, bank.assets
        merchant = week.iseller.merchant
        _reconcile_week(assets, week.resources)
        rows = _rows(week.store)
        by_key = {(r["business_date"], r["outlet_code"], r["payment_method"]): r for r in rows}
        anomalies = bank_feed.anomalies(merchant, WEEK[0])
        odd = {anomalies.late, anomalies.missing, anomalies.short[0] if anomalies.short else None}
        paid = [
            s
            for day in WEEK
            for s in bank_feed.settlements(merchant, day)
            if s.due <= AS_OF and s not in odd
        ]
        assert len(paid) > 40
        for settlement in paid:
            row = by_key[(settlement.takings_date, settlement.outlet_code, settlement.method)]
            assert row["received_date"] == settlement.due, settlement
            assert abs(Decimal(str(row["received"])) - settlement.amount) == 0, settlement
            assert "names the outlet, the day and the method" in row["explanation"]
        fees = [r for r in rows if r["row_kind"] == "unmatched_line"]
        assert {(r["reference"], r["received"]) for r in fees} == {
            ("BIAYA ADM", Decimal("-15000.00"))
        }
        _assert_clearing_is_in_transit(client=week.jurnal.client(), config=config, rows=rows)
