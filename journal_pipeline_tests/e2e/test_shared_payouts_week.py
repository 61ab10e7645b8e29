"""A demo week reconciled with a bank where iSeller Pay pays all outlets' QRIS takings of a day
in one transfer naming the day but no outlet (docs/assumptions/bank.md B-6 (b), the bank
emulator's ``one_iseller_payout``): each outlet's row is paid its own part of that line, a
row whose money came late or not at all stays open, each part is its own bank transfer out of
clearing in Jurnal, and each clearing account ends at exactly what is still in transit. An
outlet-day owing money back is debited apart, or (``one_iseller_payout_netted``) taken off the
day's transfer, its part then a transfer from the bank back into clearing."""

from __future__ import annotations

from collections import defaultdict
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


@pytest.mark.parametrize("iseller_pay", ["all_outlets", "all_outlets_netted"])
def test_one_iseller_pay_transfer_a_day_for_every_outlet(tmp_path, iseller_pay):
    netted = iseller_pay == "all_outlets_netted"
    with bank_week(tmp_path, f"iseller_pay={iseller_pay}") as bank:
        week, config, assets = bank.week, bank.config, bank.assets
        merchant = week.iseller.merchant
        feed = bank_feed.bank_statement_lines(merchant, WEEK[0], AS_OF, iseller_pay)
        shared = [x for x in feed if x["method"] == "QRIS" and x["direction"] == "CR"]
        assert shared and all(x["outlet_code"] is None for x in shared)
        assert any(len(x["outlets"]) > 1 for x in shared)

        results = _reconcile_week(assets, week.resources)
        rows = [r for r in _rows(week.store) if r["row_kind"] == "settlement"]
        qris = {
            (r["business_date"], r["outlet_code"]): r for r in rows if r["payment_method"] == "QRIS"
        }
        by_line: dict[tuple, list[dict]] = defaultdict(list)
        for row in qris.values():
            if row["received"] is not None and (row["expected"] > 0 or netted):
                by_line[(row["received_date"], row["reference"])].append(row)
        paid = {(x["date"], x["reference"]): x for x in shared}
        assert by_line.keys() == paid.keys()  # every transfer paid rows, no other line did
        for key, line in paid.items():
            parts = by_line[key]
            assert sorted(r["outlet_code"] for r in parts) == sorted(line["outlets"]), key
            assert sum(Decimal(str(r["received"])) for r in parts) == line["amount"], key
            assert len({r["line_key"] for r in parts}) == 1, key
            largest = max(parts, key=lambda r: (r["expected"], r["row_key"]))
            for r in parts:  # each its own amount, a difference only on the largest
                assert r is largest or Decimal(str(r["received"])) == r["expected"], key
                assert r["status"] in ("matched", "short", "over"), key

        anomalies = bank_feed.anomalies(merchant, WEEK[0])
        for settlement in [s for day in WEEK for s in bank_feed.settlements(merchant, day)]:
            if settlement.method != "QRIS" or settlement.due > AS_OF:
                continue
            row = qris[(settlement.takings_date, settlement.outlet_code)]
            if settlement in (anomalies.late, anomalies.missing):
                assert (row["status"], row["received"]) == ("overdue", None)
            elif settlement.amount < 0:  # refunds above the takings: taken back
                assert (row["status"], row["received"]) == ("matched", settlement.amount)
                owed = [x for x in feed if settlement.outlet_code in x.get("outlets", ())]
                assert (
                    bool([x for x in owed if x["takings_date"] == row["business_date"]]) == netted
                )
            else:
                assert row["received_date"] == settlement.due, settlement

        # each outlet's part is one bank transfer; together they are the bank's line
        client = week.jurnal.client()
        transfers = _transfers(client)
        received = [r for r in rows if r["received"] is not None]
        assert sum(_posted_now(r) for r in results.values()) == len(transfers) == len(received)
        for (day, reference), line in paid.items():
            number = f"PAYOUT/{day:%Y%m%d}/{reference}"
            mine = {n: t for n, t in transfers.items() if n.split("/")[:3] == number.split("/")}
            if len(line["outlets"]) > 1:
                outlets = [n.split("/")[3].split("-")[0] for n in mine]  # …/<outlet>-<digest>
                assert sorted(outlets) == sorted(line["outlets"])
            assert sum(_signed(t) for t in mine.values()) == line["amount"]
        _assert_clearing_is_in_transit(client, config, rows)

        # the week again: the same dataset, nothing new reaches Jurnal
        again = _reconcile_week(assets, week.resources)
        assert all(_posted_now(r) == 0 for r in again.values())
        assert _transfers(client).keys() == transfers.keys()
