"""The demo week reconciled with a bank that names each outlet by the merchant id it gave it
(the bank emulator's ``merchant_ids``: ``BCA EDC SETTLEMENT MID 8850001001 20261120``), which the
config's ``reconciliation.statement_names`` reads as the outlet: every settlement paid on time
and in full is matched to the rupiah by the outlet, day and method its line names, as with
outlet codes, and each clearing account ends at exactly what is still in transit."""

from __future__ import annotations

import pytest

from journal_pipeline_tests.e2e.test_reconciliation_week import (
    WEEK,
    _assert_clearing_is_in_transit,
    _reconcile_week,
    _rows,
    assert_matched_to_the_rupiah,
    bank_week,
    paid_in_full,
)
from journal_sandbox import bank_feed

pytestmark = pytest.mark.e2e


def test_a_bank_naming_outlets_by_merchant_id(tmp_path):
    with bank_week(tmp_path, "merchant_ids") as bank:
        week, config, assets = bank.week, bank.config, bank.assets
        merchant = week.iseller.merchant
        feed = bank_feed.bank_statement_lines(merchant, WEEK[0], WEEK[-1], outlets="merchant_ids")
        named = [x for x in feed if x["outlet_code"]]
        assert named and all("MID 88500010" in x["description"] for x in named)
        assert not any(code in x["description"].split() for x in named for code in config.outlets)

        _reconcile_week(assets, week.resources)
        rows = _rows(week.store)
        paid = paid_in_full(merchant, "payment")
        assert_matched_to_the_rupiah(rows, paid)
        by_key = {(r["business_date"], r["outlet_code"], r["payment_method"]): r for r in rows}
        for settlement in paid:
            row = by_key[(settlement.takings_date, settlement.outlet_code, settlement.method)]
            assert "names the outlet, the day and the method" in row["explanation"], settlement
        _assert_clearing_is_in_transit(week.jurnal.client(), config, rows)
