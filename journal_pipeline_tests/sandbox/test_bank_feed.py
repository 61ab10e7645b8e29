"""The bank feed of "Rekening Bank" (journal_sandbox/bank_feed.py, docs/assumptions/bank.md):
each settlement equals what the iSeller emulator serves for its outlet-day (QRIS: sales −
refunds/voids − iSeller's MDR; cards and GoPay: net of their fee, of each sale or of the day's
net takings; cash: the shift's counted cash less its float), a week has its four anomalies, and
every CSV layout reads back to the same lines."""

from __future__ import annotations

import csv
import itertools
import os
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from journal_pipeline.bank.statements import read_statement_file
from journal_pipeline_tests.iseller_fixtures import (
    ISellerSandboxHandle,
    read_all,
    running_iseller_sandbox,
)
from journal_sandbox.bank_feed import bank_statement_lines
from journal_sandbox.bank_files import LAYOUT_PRESETS, BankLayout, write_bank_statements
from journal_sandbox.launch import write_statements_until_now

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)  # Friday 22:00 in Jakarta
START = date(2026, 11, 9)  # a Monday
LAST_KNOWN_TAKINGS = date(2026, 11, 19)  # every transaction of these days is served at NOW
OFFSET_HOURS = {"JKT": 7, "BDG": 7, "DPS": 8}
CUTOFF_HOURS = 3
FEES = {"Debit BCA": Decimal(1), "Kartu Kredit": Decimal(2), "GoPay": Decimal("0.7")}
DESCRIPTIONS = {
    "QRIS": "ISELLER PAY PAYOUT",
    "Debit BCA": "BCA EDC SETTLEMENT",
    "Kartu Kredit": "BCA CC SETTLEMENT",
    "GoPay": "GOPAY SETTLEMENT",
    "Cash": "SETORAN TUNAI",
}
LAGS = {"QRIS": 1, "Debit BCA": 1, "Kartu Kredit": 2, "GoPay": 2, "Cash": 1}
WINDOW = {"time_zone": 0, "created_after": "2026-01-01", "page_size": 1000}


@pytest.fixture(scope="module")
def iseller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ISellerSandboxHandle]:
    with running_iseller_sandbox(
        tmp_path_factory.mktemp("bank-feed"),
        orders_per_outlet_per_day=40,
        start_date=START,
        now=lambda: NOW,
    ) as handle:
        yield handle


def _all(handle: ISellerSandboxHandle, name: str, key: str, **params: Any) -> list[Any]:
    return read_all(handle, name, key, **{**WINDOW, **params})


def _business_days_after(day: date, count: int) -> date:
    while count:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


def _rupiah(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.fixture(scope="module")
def served(iseller: ISellerSandboxHandle) -> dict[tuple[str, date, str], tuple[int, date]]:
    """(outlet, takings day, method) → (net amount, due date), from what the API serves; a
    percentage fee taken of each sale, rounded (the bank's default, ``fees=payment``)."""
    return _served(iseller, "payment")


@pytest.fixture(scope="module")
def served_fee_of_day(
    iseller: ISellerSandboxHandle,
) -> dict[tuple[str, date, str], tuple[int, date]]:
    """As `served`, the fee taken of the day's net takings, rounded once (``fees=day``)."""
    return _served(iseller, "day")


def _served(
    iseller: ISellerSandboxHandle, fees: str
) -> dict[tuple[str, date, str], tuple[int, date]]:
    orders = _all(iseller, "GetOrders", "orders")
    outlet_of = {o["order_id"]: o["outlet_code"] for o in orders}
    gross: dict[tuple[str, date, str], int] = defaultdict(int)
    mdr: dict[tuple[str, date, str], int] = defaultdict(int)
    per_sale: dict[tuple[str, date, str], int] = defaultdict(int)
    for t in _all(iseller, "GetTransactions", "transactions", includes="MDR"):
        outlet = outlet_of[t["order_id"]]
        at = datetime.strptime(t["transaction_date"], "%Y-%m-%d %H:%M:%S")
        day = (at + timedelta(hours=OFFSET_HOURS[outlet] - CUTOFF_HOURS)).date()
        key = (outlet, day, t["payment_type_name"])
        if t["payment_type_name"] not in DESCRIPTIONS or day > LAST_KNOWN_TAKINGS:
            continue
        sign = 1 if t["type"] == "sale" else -1
        gross[key] += sign * int(t["amount"])
        mdr[key] += sum(int(m["payment_method_fee"]) for m in t["mdr"] or [])
        if t["type"] == "sale" and t["payment_type_name"] in FEES:
            per_sale[key] += _rupiah(int(t["amount"]) * FEES[t["payment_type_name"]] / 100)
    expected = {}
    for key, amount in gross.items():
        method = key[2]
        if method == "Cash":
            continue
        if method == "QRIS":
            fee = mdr[key]
        else:
            fee = per_sale[key] if fees == "payment" else _rupiah(amount * FEES[method] / 100)
        if amount - fee:
            expected[key] = (amount - fee, _business_days_after(key[1], LAGS[method]))
    for shift in _all(iseller, "GetRegisterShifts", "register_shifts", time_zone=7):
        day = date.fromisoformat(shift["open_date"][:10])
        if shift["counted_cash"] is None or day > LAST_KNOWN_TAKINGS:
            continue
        deposit = int(shift["counted_cash"]) - int(shift["starting_cash"])
        expected[(shift["outlet_code"], day, "Cash")] = (deposit, _business_days_after(day, 1))
    return expected


def _settles(line: dict[str, Any]) -> tuple[str, date, str] | None:
    for method, text in DESCRIPTIONS.items():
        if line["description"].startswith(text + " "):
            _, outlet, stamp = line["description"].rsplit(" ", 2)
            return outlet, datetime.strptime(stamp, "%Y%m%d").date(), method
    return None


@pytest.mark.parametrize("fees", ["payment", "day"])
def test_settlements_equal_what_iseller_serves(
    iseller: ISellerSandboxHandle,
    served: dict[tuple[str, date, str], tuple[int, date]],
    served_fee_of_day: dict[tuple[str, date, str], tuple[int, date]],
    fees: str,
) -> None:
    merchant = iseller.sandbox.merchant
    lines = bank_statement_lines(merchant, START, date(2026, 11, 27), fees=fees)
    served = served if fees == "payment" else served_fee_of_day
    found = {key: line for line in lines if (key := _settles(line)) in served}
    assert {key[2] for key in served} == set(DESCRIPTIONS)
    # QRIS payouts are the served sales − refunds − MDR; every other method too, less its fee
    for key, line in found.items():
        amount, due = served[key]
        assert line["expected_amount"] == amount and line["expected_date"] == due, key
    exact = [k for k, line in found.items() if line["amount"] == served[k][0]]
    on_time = [k for k, line in found.items() if line["date"] == served[k][1]]
    assert len(exact) >= len(found) - 2 and len(on_time) >= len(found) - 2
    qris = [k for k in exact if k[2] == "QRIS" and k in on_time]
    assert len(qris) >= 3 * 10
    # the two readings differ where a card day had refunds, or its fees' rounding adds up
    other = bank_statement_lines(
        merchant, START, date(2026, 11, 27), fees="day" if fees == "payment" else "payment"
    )
    differ = {
        key
        for line in other
        if (key := _settles(line)) in found and line["expected_amount"] != served[key][0]
    }
    assert differ and all(key[2] in FEES for key in differ)


def test_a_demo_week_has_its_anomalies(
    iseller: ISellerSandboxHandle, served: dict[tuple[str, date, str], tuple[int, date]]
) -> None:
    week = [k for k in served if START <= k[1] < START + timedelta(days=7) and k[2] != "Cash"]
    lines = bank_statement_lines(iseller.sandbox.merchant, START, date(2026, 11, 27))
    by_key = {key: line for line in lines if (key := _settles(line))}
    missing = [k for k in week if k not in by_key]
    short = [k for k in week if k in by_key and by_key[k]["amount"] < served[k][0]]
    late = [k for k in week if k in by_key and by_key[k]["date"] > served[k][1]]
    assert len(missing) == len(short) == len(late) == 1
    lacking = served[short[0]][0] - by_key[short[0]]["amount"]
    assert 2_000 <= lacking <= 9_500
    assert by_key[late[0]]["date"] == _business_days_after(served[late[0]][1], 4)
    unrelated = [line for line in lines if _settles(line) is None and line["date"] < NOW.date()]
    assert [(u["description"], u["direction"]) for u in unrelated] == [("BIAYA ADM", "DB")]
    # the balance runs over every line
    for before, after in itertools.pairwise(lines):
        signed = after["amount"] if after["direction"] == "CR" else -after["amount"]
        assert after["balance"] == before["balance"] + signed


def _parse_amount(text: str, amounts: str) -> Decimal:
    if amounts == "dot_thousands":
        return Decimal(text.replace(".", "").replace(",", "."))
    return Decimal(text.replace(",", ""))


def _read(path: Path, spec: dict[str, str]) -> list[tuple[Any, ...]]:
    """A reader of each documented layout, independent of the writer (KlikBCA's: the
    pipeline's own reader, which the bank tests hold to a hand-written file)."""
    if spec.get("columns") == "klikbca":
        return [
            (x.line_date, x.description, x.reference, x.amount, x.direction, x.balance)
            for x in read_statement_file(path, "Rekening Bank")
        ]
    delimiter = ";" if spec.get("delimiter") == "semicolon" else ","
    amounts = spec.get("amounts", "comma_thousands")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter=delimiter))
    out = []
    for row in rows:
        if spec.get("dates") == "iso":
            day = date.fromisoformat(row["Tanggal"])
        else:
            day = datetime.strptime(row["Tanggal"], "%d/%m/%Y").date()
        if spec.get("columns") == "debit_credit":
            direction = "DB" if row["Debet"] else "CR"
            amount = _parse_amount(row["Debet"] or row["Kredit"], amounts)
        else:
            direction, amount = row["Jenis"], _parse_amount(row["Mutasi"], amounts)
        balance = _parse_amount(row["Saldo"], amounts)
        out.append((day, row["Keterangan"], row["Referensi"], amount, direction, balance))
    return out


@pytest.mark.parametrize("preset", sorted(LAYOUT_PRESETS))
def test_each_layout_reads_back_to_the_same_lines(
    iseller: ISellerSandboxHandle, preset: str, tmp_path: Path
) -> None:
    merchant = iseller.sandbox.merchant
    first, last = date(2026, 11, 12), date(2026, 11, 17)
    paths = write_bank_statements(merchant, first, last, tmp_path, preset)
    assert [p.name for p in paths] == [
        f"mutasi_rekening_{first + timedelta(days=n):%Y%m%d}.csv" for n in range(6)
    ]
    layout = BankLayout.from_spec(preset)
    klikbca = layout.columns == "klikbca"  # read as the pipeline reads it: no reference column
    read = [row for path in paths for row in _read(path, LAYOUT_PRESETS[preset])]
    lines = bank_statement_lines(
        merchant, first, last, layout.iseller_pay, layout.days, layout.fees, layout.outlets
    )
    assert read == [
        (
            line["date"],
            line["description"],
            "" if klikbca else line["reference"],
            line["amount"],
            line["direction"],
            line["balance"],
        )
        for line in lines
    ]
    assert len(read) > 50
    weekend = (tmp_path / "mutasi_rekening_20261115.csv").read_text(encoding="utf-8")
    # nothing moves on a Sunday: the header only (and KlikBCA's account details and totals)
    separator = ";" if layout.delimiter == "semicolon" else ","
    assert weekend.splitlines()[5 if klikbca else 0] == separator.join(layout.header)
    assert len(weekend.splitlines()) == (10 if klikbca else 1)


def test_one_iseller_pay_transfer_a_day_carries_the_same_money(
    iseller: ISellerSandboxHandle,
) -> None:
    """``iseller_pay=all_outlets``: each takings day's iSeller Pay money in is one line naming
    the day and no outlet, the sum of the outlets' lines; everything else, and the balance at
    the end of each day, as with a line per outlet."""
    merchant = iseller.sandbox.merchant
    first, last = date(2026, 11, 12), date(2026, 11, 20)
    apart = bank_statement_lines(merchant, first, last)
    together = bank_statement_lines(merchant, first, last, "all_outlets")

    def qris_in(lines: list[dict[str, Any]]) -> dict[tuple[date, date], Decimal]:
        sums: dict[tuple[date, date], Decimal] = defaultdict(Decimal)
        for line in lines:
            if line["method"] == "QRIS" and line["direction"] == "CR":
                sums[(line["date"], line["takings_date"])] += line["amount"]
        return dict(sums)

    assert qris_in(together) == qris_in(apart)
    shared = [x for x in together if x["method"] == "QRIS" and x["direction"] == "CR"]
    assert len(shared) == len(qris_in(apart)) < len([x for x in apart if x["method"] == "QRIS"])
    for line in shared:
        stamp = f"{line['takings_date']:%Y%m%d}"
        assert (line["description"], line["reference"]) == (
            f"ISELLER PAY PAYOUT {stamp}",
            f"IPY{stamp}",
        )

    def unshared(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in x.items() if k != "balance"}
            for x in lines
            if not (x["method"] == "QRIS" and x["direction"] == "CR")
        ]

    assert unshared(together) == unshared(apart)

    def closing(lines: list[dict[str, Any]]) -> dict[date, Decimal]:
        return {line["date"]: line["balance"] for line in lines}

    assert closing(together) == closing(apart)


def test_documented_layout_text(iseller: ISellerSandboxHandle, tmp_path: Path) -> None:
    (path,) = write_bank_statements(
        iseller.sandbox.merchant, date(2026, 11, 13), date(2026, 11, 13), tmp_path
    )
    header, first, *_ = path.read_text(encoding="utf-8").splitlines()
    assert header == "Tanggal,Keterangan,Referensi,Mutasi,Jenis,Saldo"
    assert first == (
        '13/11/2026,BCA CC SETTLEMENT BDG 20261111,BCC20261111BDG,"474,281.00",CR,"310,063,113.00"'
    )


def test_the_sandbox_writes_every_day_up_to_its_clock(
    iseller: ISellerSandboxHandle, tmp_path: Path
) -> None:
    paths = write_statements_until_now(iseller.sandbox, tmp_path / "bank_statements", None)
    assert paths[0].name == "mutasi_rekening_20261109.csv"
    assert paths[-1].name == "mutasi_rekening_20261120.csv" and len(paths) == 12
    assert not list((tmp_path / "bank_statements").glob("*.part"))
    # written again with nothing new: every file left as it was, as a bank's export is
    before = {p.name: p.stat().st_mtime_ns for p in paths}
    old = paths[0].stat().st_mtime_ns - 10**9
    for path in paths:
        os.utime(path, ns=(old, old))
    again = write_statements_until_now(iseller.sandbox, tmp_path / "bank_statements", None)
    assert [p.name for p in again] == list(before)
    assert {p.stat().st_mtime_ns for p in again} == {old}


def test_a_bad_layout_is_refused(iseller: ISellerSandboxHandle, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="amounts is one of comma_thousands, plain"):
        write_bank_statements(iseller.sandbox.merchant, START, START, tmp_path, "amounts=x")
