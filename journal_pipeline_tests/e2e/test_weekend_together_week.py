"""A demo week reconciled with a bank that pays a weekend's money of each outlet and method in
one Monday line naming no day (the bank emulator's ``weekend_together``): Friday's, Saturday's
and Sunday's rows are each paid their own part of that line, whichever day is reconciled first,
each part is its own bank transfer out of clearing, and each clearing account ends at exactly
what is still in transit."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from journal_pipeline_tests.e2e.test_reconciliation_week import (
    AS_OF,
    WEEK,
    _assert_clearing_is_in_transit,
    _posted_now,
    _reconcile_week,
    _rows,
    _signed,
    _transfers,
    bank_week,
)
from journal_sandbox import bank_feed

pytestmark = pytest.mark.e2e
PAID = ("matched", "short", "over")


def test_a_weekend_in_one_line_pays_each_days_row(tmp_path):
    with bank_week(tmp_path, "weekend_together") as bank:
        week, config, assets = bank.week, bank.config, bank.assets
        feed = bank_feed.bank_statement_lines(
            week.iseller.merchant, WEEK[0], AS_OF, days="together"
        )
        together = [x for x in feed if x.get("takings_dates")]
        assert together and all(len(x["takings_dates"]) > 1 for x in together)
        assert {x["date"] for x in together} == {AS_OF}  # Monday: Friday to Sunday's lag-1

        results = _reconcile_week(assets, week.resources)
        rows = [r for r in _rows(week.store) if r["row_kind"] == "settlement"]
        by_key = {(r["business_date"], r["outlet_code"], r["payment_method"]): r for r in rows}
        by_line: dict[tuple, list[dict]] = defaultdict(list)
        for row in rows:
            if row["status"] in PAID:
                by_line[(row["received_date"], row["reference"])].append(row)
        matched = []
        for line in together:
            parts = [
                by_key[(day, line["outlet_code"], line["method"])] for day in line["takings_dates"]
            ]
            if abs(sum(p["expected"] for p in parts) - line["amount"]) > len(parts):
                # the bank's card fee is off sales less refunds, the pipeline's off each sale:
                # a line naming no day that far from the rows is left to a person
                assert {p["received"] for p in parts} == {None}, line["description"]
                continue
            assert {(p["received_date"], p["reference"]) for p in parts} == {
                (line["date"], line["reference"])
            }, line["description"]
            assert sum(Decimal(str(p["received"])) for p in parts) == line["amount"]
            assert len(by_line[(line["date"], line["reference"])]) == len(parts)
            for p in parts:  # each its own amount; only fee rounding on the largest
                assert abs(Decimal(str(p["received"])) - p["expected"]) <= len(parts)
                assert p["status"] in ("matched", "over", "short")
            matched.append(line)
        assert {x["method"] for x in matched} >= {"QRIS", "Cash"}
        weekend = {date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)}
        assert any(weekend <= set(x["takings_dates"]) for x in matched)

        client = week.jurnal.client()
        transfers = _transfers(client)
        # a suggestion (a line near a row's amount, for a person to confirm) moves nothing
        received = [r for r in rows if r["status"] in PAID]
        assert sum(_posted_now(r) for r in results.values()) == len(transfers) == len(received)
        assert sorted(_signed(t) for t in transfers.values()) == sorted(
            Decimal(str(r["received"])) for r in received
        )
        _assert_clearing_is_in_transit(client, config, rows)

        again = _reconcile_week(assets, week.resources)
        assert all(_posted_now(r) == 0 for r in again.values())
        assert _transfers(client).keys() == transfers.keys()
