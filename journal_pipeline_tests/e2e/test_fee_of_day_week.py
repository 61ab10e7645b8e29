"""The demo week reconciled with a bank that takes its card and wallet fees of each day's net
takings (the bank emulator's ``fee_of_day``: sales less refunds and voids, rounded once) and a
config that says so (``fee_basis: day``): every settlement the bank paid on time and in full is
``matched`` to the rupiah, the day's fee entries in Jurnal (each payment's, then the day's
remainder) add up to what the bank kept, each clearing account ends at exactly what is still in
transit, and running the week again posts nothing. Read with the other reading (a fee of each
sale), the same bank shows its card days off by the difference: the check that tells a
misread rule."""

from __future__ import annotations

import pytest

from journal_pipeline.sync.reconciliation import day_expected
from journal_pipeline_tests.e2e.test_reconciliation_week import (
    WEEK,
    _assert_clearing_is_in_transit,
    _posted_now,
    _reconcile_week,
    _rows,
    assert_matched_to_the_rupiah,
    bank_week,
    paid_in_full,
)
from journal_sandbox import bank_feed

pytestmark = pytest.mark.e2e


def test_a_bank_taking_its_fee_of_the_days_takings(tmp_path):
    with bank_week(tmp_path, "fee_of_day", fee_basis="day") as bank:
        week, config, assets = bank.week, bank.config, bank.assets
        merchant = week.iseller.merchant
        results = _reconcile_week(assets, week.resources)
        rows = _rows(week.store)
        paid = paid_in_full(merchant, "day")
        assert_matched_to_the_rupiah(rows, paid)
        # the week has card days whose refunds or fees' rounding the day's fee takes in
        by_sale = {
            (s.takings_date, s.outlet_code, s.method): s.amount
            for day in WEEK
            for s in bank_feed.settlements(merchant, day, "payment")
        }
        moved = [s for s in paid if by_sale[(s.takings_date, s.outlet_code, s.method)] != s.amount]
        assert len(moved) >= 5
        client = week.jurnal.client()
        _assert_clearing_is_in_transit(client, config, rows)
        day_entries = [
            e
            for e in client.iter_list("journal_entries", "journal_entries")
            if str(e.get("custom_id") or "").endswith("/D")
        ]
        assert day_entries and all(e["transaction_no"].startswith("MDR/") for e in day_entries)
        assert len({e["custom_id"] for e in day_entries}) == len(day_entries)  # each once

        again = _reconcile_week(assets, week.resources)
        assert all(_posted_now(r) == 0 for r in again.values())
        assert len(results) == len(again)

        # the same bank read as taking a fee of each sale: each of those days is off
        data = config.model_dump()
        for rule in data["settlements"].values():
            rule["fee_basis"] = "payment"
        per_sale = type(config).model_validate(data)
        misread = {
            (day, r.outlet_code, r.method): r.expected
            for day in WEEK
            for r in day_expected(week.store, per_sale, day)
        }
        for s in moved:
            assert (
                misread[(s.takings_date, s.outlet_code, s.method)]
                == by_sale[(s.takings_date, s.outlet_code, s.method)]
                != s.amount
            )
