"""A demo week reconciled with its bank: the bank's statement files dropped in the statement
folder and staged, each day's reconciliation run as of the Monday after. The dataset has
matched, short, pending and overdue settlements (each checked against the bank emulator's own
settlements), every settlement received is one bank transfer from clearing to the bank in
Jurnal, running the week again posts nothing, and each clearing account in Jurnal ends at
exactly what the dataset says is still in transit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import dagster as dg
import pytest
import yaml

from journal_pipeline.accounting.day_sales import outlet_business_date
from journal_pipeline.bank.statements import StatementError
from journal_pipeline.config import load_config
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.recon_assets import AS_OF_TAG, build_recon_assets
from journal_pipeline.defs.resources import MerchantConfigResource
from journal_pipeline.defs.statement_sensor import statement_files
from journal_pipeline.storage.reconciliation import read_reconciliation
from journal_pipeline.sync.reconciliation import stage_statement_files
from journal_pipeline_tests.e2e.demo_week import ASSETS, CONFIG, synced_demo_week
from journal_pipeline_tests.e2e.test_dialects_week import _trial_balance
from journal_sandbox import bank_feed, bank_files
from journal_sandbox.defaults import DEMO_CONFIG

pytestmark = pytest.mark.e2e

WEEK = [date(2026, 11, 16) + timedelta(days=n) for n in range(7)]  # Monday to Sunday
# 05:30 WIB on Monday the 23rd: the week's takings are all in, Monday's bank lines are known
FIXED_NOW = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)
AS_OF = date(2026, 11, 23)
PAYOUTS = ("cash_bank_reconciliation", "jurnal_payouts")
OVERDUE_AFTER = 1


def _config_path(tmp_path, fee_basis: str | None = None):
    """The demo config with the statement folder in the test's own directory (and, given
    ``fee_basis``, each percentage fee taken as it says)."""
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    for rule in data["settlements"].values():
        if fee_basis and rule.get("mdr_percent") is not None:
            rule["fee_basis"] = fee_basis
    data["reconciliation"]["statement_folder"] = str(tmp_path / "statements")
    # overdue after one open day of the bank: by Monday the week's late and missing money
    # (due Wednesday to Friday) is overdue, Thursday's and Friday's takings are not
    data["reconciliation"]["overdue_after_days"] = OVERDUE_AFTER
    path = tmp_path / "merchant.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _reconcile_week(assets, resources) -> dict[date, dg.ExecuteInProcessResult]:
    results = {}
    for day in WEEK:
        result = dg.materialize(
            assets,
            selection=list(PAYOUTS),
            partition_key=day.isoformat(),
            resources=resources,
            tags={AS_OF_TAG: AS_OF.isoformat()},
        )
        assert result.success, day
        results[day] = result
    return results


def _stage(files: dict, store) -> int:
    """Stage each file as the statement sensor does; a day without any movement is a
    header-only file, which the reader refuses (and the sensor reports)."""
    staged = 0
    for path, account in files.items():
        try:
            counts, _ = stage_statement_files([path], {path: account}, store)
        except StatementError:
            assert len(path.read_text(encoding="utf-8").splitlines()) == 1, path
            continue
        staged += counts["staged"]
    return staged


def _posted_now(result) -> int:
    return result.asset_materializations_for_node("jurnal_payouts")[0].metadata["posted_now"].value


@contextmanager
def bank_week(
    tmp_path, bank_layout: str | None = None, fee_basis: str | None = None
) -> Iterator[SimpleNamespace]:
    """The demo week synced, its bank's statement files (in ``bank_layout``) written up to
    the Monday after and staged: ``week`` (`synced_demo_week`), ``config`` (percentage fees
    taken as ``fee_basis`` says, else the demo's), ``assets``."""
    path = _config_path(tmp_path, fee_basis)
    config = load_config(path)
    assets = [*ASSETS, *build_recon_assets(daily_partitions(config))]

    def use_config_copy(resources: dict) -> None:
        resources["merchant"] = MerchantConfigResource(path=str(path))

    with synced_demo_week(
        tmp_path,
        WEEK,
        orders_per_outlet_per_day=8,
        now=FIXED_NOW,
        before_first_day=use_config_copy,
    ) as week:
        folder = tmp_path / "statements"
        written = bank_files.write_bank_statements(
            week.iseller.merchant, WEEK[0], AS_OF, folder, bank_layout
        )
        files = statement_files(folder, config)
        assert sorted(files) == sorted(written)
        assert _stage(files, week.store) > 0
        yield SimpleNamespace(week=week, config=config, assets=assets)


def test_a_week_reconciled_with_its_bank(tmp_path):
    with bank_week(tmp_path) as bank:
        week, config, assets = bank.week, bank.config, bank.assets
        merchant = week.iseller.merchant
        results = _reconcile_week(assets, week.resources)
        rows = _rows(week.store)
        by_key = {(r["business_date"], r["outlet_code"], r["payment_method"]): r for r in rows}
        statuses = {r["status"] for r in rows}
        assert {"matched", "short", "pending", "overdue"} <= statuses, statuses
        for day, result in results.items():
            (takings,) = [
                c
                for c in result.get_asset_check_evaluations()
                if c.check_name == ("takings_match_journal")
            ]
            assert takings.passed, (day, takings.metadata)

        # one of each, by hand from what the emulators serve
        matched = by_key[(WEEK[0], "JKT", "QRIS")]
        served = week.iseller.served_orders()
        sold, back, mdr = _served(served, WEEK[0], "JKT", "QRIS")
        assert (matched["takings"], matched["refunds"], matched["mdr"]) == (sold, back, mdr)
        (line,) = [
            x
            for x in bank_feed.bank_statement_lines(merchant, WEEK[0], AS_OF)
            if x["description"] == f"ISELLER PAY PAYOUT JKT {WEEK[0]:%Y%m%d}"
        ]
        assert matched["status"] == "matched"
        assert matched["expected"] == sold - back - mdr == line["amount"] == matched["received"]
        assert matched["received_date"] == line["date"] == date(2026, 11, 17)  # next business day
        # the bank takes a card's fee of each sale, as the demo config reads it: to the rupiah
        assert_matched_to_the_rupiah(rows, paid_in_full(merchant, "payment"))

        anomalies = bank_feed.anomalies(merchant, WEEK[0])
        settled, lacking = anomalies.short
        short = by_key[(settled.takings_date, settled.outlet_code, settled.method)]
        assert short["status"] == "short"
        assert short["expected"] == settled.amount
        assert short["received"] == settled.amount - lacking and short["variance"] == -lacking
        for late in (anomalies.late, anomalies.missing):  # neither had arrived by Monday
            overdue = by_key[(late.takings_date, late.outlet_code, late.method)]
            assert (overdue["status"], overdue["received"]) == ("overdue", None)
            assert overdue["expected"] == late.amount and overdue["expected_date"] == late.due
            assert overdue["age_days"] == (AS_OF - late.due).days
            assert config.reconciliation.calendar.open_days_after(late.due, AS_OF) > OVERDUE_AFTER
        friday = [s for s in bank_feed.settlements(merchant, WEEK[4]) if s.due > AS_OF]
        assert friday  # the card and GoPay takings of Friday are due on Tuesday
        for due_later in friday:
            pending = by_key[(WEEK[4], due_later.outlet_code, due_later.method)]
            assert (pending["status"], pending["received"]) == ("pending", None)
            sold, back, mdr = _served(served, WEEK[4], due_later.outlet_code, due_later.method)
            assert pending["expected"] == sold - back - mdr
            assert pending["expected"] == due_later.amount  # each sale's fee, as the bank

        # every settlement received is one bank transfer from clearing to the bank, and what
        # a day's refunds above its takings left owing one from the bank back into clearing
        client = week.jurnal.client()
        received = [r for r in rows if r["received"] is not None and r["row_kind"] == "settlement"]
        transfers = _transfers(client)
        assert sum(_posted_now(r) for r in results.values()) == len(transfers) == len(received)
        assert sorted(_signed(t) for t in transfers.values()) == sorted(
            Decimal(str(r["received"])) for r in received
        )
        owed = [s for day in WEEK for s in bank_feed.settlements(merchant, day) if s.amount < 0]
        assert owed  # the week has a day whose refunds were above its takings
        for settlement in owed:
            row = by_key[(settlement.takings_date, settlement.outlet_code, settlement.method)]
            assert (row["status"], row["received"]) == ("matched", settlement.amount)
        card = transfers[f"PAYOUT/{settled.due:%Y%m%d}/{_reference(settled)}"]
        assert Decimal(card["transfer_amount"]) == settled.amount - lacking
        assert card["refund_from"]["name"] == config.payment_account(settled.method, None, "JKT")
        assert card["deposit_to"]["name"] == "Rekening Bank"

        # each clearing account holds exactly what is still in transit
        _assert_clearing_is_in_transit(client, config, rows)

        # the week again: the same dataset, nothing new reaches Jurnal
        again = _reconcile_week(assets, week.resources)
        assert all(_posted_now(r) == 0 for r in again.values())
        assert _transfers(client).keys() == transfers.keys()
        assert _statuses(_rows(week.store)) == _statuses(rows)
        _assert_clearing_is_in_transit(client, config, rows)


def paid_in_full(merchant, fees: str) -> list[bank_feed.Settlement]:
    """The week's settlements through a gateway or card terminal (cash is counted, not
    charged) the bank paid by the Monday after, on time and in full."""
    anomalies = bank_feed.anomalies(merchant, WEEK[0], fees)
    odd = {anomalies.late, anomalies.missing, anomalies.short[0] if anomalies.short else None}
    return [
        s
        for day in WEEK
        for s in bank_feed.settlements(merchant, day, fees)
        if s.due <= AS_OF and s not in odd and s.method in bank_feed.RULES_BY_METHOD
    ]


def assert_matched_to_the_rupiah(rows: list[dict], paid: list[bank_feed.Settlement]) -> None:
    by_key = {(r["business_date"], r["outlet_code"], r["payment_method"]): r for r in rows}
    assert len(paid) > 30
    assert {s.method for s in paid} >= {"Debit BCA", "Kartu Kredit", "GoPay"}
    for settlement in paid:
        row = by_key[(settlement.takings_date, settlement.outlet_code, settlement.method)]
        assert (row["status"], row["expected"]) == ("matched", settlement.amount), settlement
        assert Decimal(str(row["received"])) == settlement.amount, settlement


def _rows(store) -> list[dict]:
    return [r for day in WEEK for r in read_reconciliation(store, day)]


def _statuses(rows) -> dict:
    return {(r["business_date"], r["row_key"]): (r["status"], r["received"]) for r in rows}


def _reference(settlement) -> str:
    return f"{settlement.rule.code}{settlement.takings_date:%Y%m%d}{settlement.outlet_code}"


def _signed(transfer: dict) -> Decimal:
    """A bank transfer's amount, negative when it left the bank (money taken back)."""
    amount = Decimal(transfer["transfer_amount"])
    return -amount if transfer["refund_from"]["name"] == "Rekening Bank" else amount


def _transfers(client) -> dict[str, dict]:
    return {t["transaction_no"]: t for t in client.iter_list("bank_transfers", "bank_transfers")}


def _served(orders: list[dict], day: date, outlet: str, method: str) -> tuple[int, int, int]:
    """A payment method's sales, refunds and voids, and MDR (iSeller's, else the settlement
    rule's percentage of each sale, half-up) of an outlet's business day, summed from the
    served orders."""
    percent = CONFIG.settlement(method, None).mdr_percent
    sold = back = mdr = 0
    for order in orders:
        if order["outlet_code"] != outlet:
            continue
        for t in order["transactions"]:
            when = outlet_business_date(parse_utc(t["transaction_date"]), outlet, CONFIG)
            if t["payment_type_name"] != method or t["status"] != "success" or when != day:
                continue
            if t["type"] != "sale":
                back += int(t["amount"])
                continue
            sold += int(t["amount"])
            reported = sum(int(m["payment_method_fee"]) for m in t.get("mdr") or [])
            if reported or percent is None:
                mdr += reported
            else:
                fee = Decimal(int(t["amount"])) * Decimal(str(percent)) / 100
                mdr += int(fee.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return sold, back, mdr


def _assert_clearing_is_in_transit(client, config, rows) -> None:
    """Jurnal's balance of each settled method's clearing account = Σ (expected − received)
    of its rows: sales in, refunds, fees and payouts out leave only what has not arrived (or
    arrived short). Cash is not counted at shift close in this week (no jurnal_cash_counts),
    so Kas too holds its shortfalls."""
    balances = _trial_balance(client, WEEK[0], AS_OF)
    transit: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["row_kind"] != "settlement" or r["bank_account"] is None:
            continue
        account = config.payment_account(r["payment_method"], None, r["outlet_code"])
        paid = r["status"] in ("matched", "short", "over")  # a suggestion moves nothing
        transit[account] += Decimal(r["expected"]) - Decimal(str(r["received"] if paid else 0))
    assert set(transit) == {
        "Kas",
        "Kliring EDC",
        "Kliring Kartu Kredit",
        "Kliring QRIS iSeller Pay",
        "Kliring GoPay",
    }
    assert {a: balances.get(a, Decimal(0)) for a in transit} == dict(transit)
    assert all(transit.values())  # each holds something: pending, overdue or short money
