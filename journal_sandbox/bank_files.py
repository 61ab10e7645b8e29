"""The demo bank's statement files: the lines of `bank_feed` written as an Indonesian bank's
e-statement export, in one of several layouts (docs/assumptions/bank.md B-3)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from journal_sandbox.bank_feed import bank_statement_lines
from journal_sandbox.demo_merchant import DemoMerchant

FILE_PATTERN = "mutasi_rekening_{:%Y%m%d}.csv"
COLUMNS = ("mutasi", "debit_credit", "klikbca")
KLIKBCA_ACCOUNT = ("0123456789", "PT DEMO RITEL NUSANTARA")  # the demo account's number, name
DATES = ("dmy", "iso")
AMOUNTS = ("comma_thousands", "plain", "dot_thousands")
DELIMITERS = {"comma": ",", "semicolon": ";"}
ISELLER_PAY = ("per_outlet", "all_outlets", "all_outlets_netted")
DAYS = ("apart", "together")
FEES = ("payment", "day")
OUTLET_NAMES = ("codes", "merchant_ids")


@dataclass(frozen=True)
class BankLayout:
    """How a statement file is written (docs/assumptions/bank.md).

    - ``columns``: ``mutasi`` (documented: ``Mutasi`` amount and ``Jenis`` CR/DB),
      ``debit_credit`` (``Debet`` and ``Kredit`` columns, one of them empty) or ``klikbca``
      (KlikBCA's export: account details above ``Tanggal,Keterangan,Cabang,Jumlah,,Saldo``,
      dates ``'dd/mm`` without a year, the branch ``'0000``, plain amounts with ``CR`` / ``DB``
      in the column without a name, the totals below; ``dates`` and ``amounts`` do not apply);
    - ``dates``: ``dmy`` (documented, ``dd/mm/yyyy``) or ``iso`` (``yyyy-mm-dd``);
    - ``amounts``: ``comma_thousands`` (documented, ``1,234,500.00``), ``plain``
      (``1234500.00``) or ``dot_thousands`` (``1.234.500,00``);
    - ``delimiter``: ``comma`` (documented) or ``semicolon``;
    - ``iseller_pay``: ``per_outlet`` (one payout per outlet and takings day, the emulator's
      reading) or ``all_outlets`` (one payout per takings day for all outlets, naming the day
      but no outlet: B-6 reading (b)), or ``all_outlets_netted`` (the same, an outlet-day owing
      money back taken off the day's transfer rather than debited apart);
    - ``days``: ``apart`` (a line per takings day) or ``together`` (an outlet's money of one
      method due the same day from several takings days, a weekend's, in one line naming no
      day);
    - ``fees``: ``payment`` (a percentage fee of each sale, rounded; a refund keeps its fee) or
      ``day`` (of the day's sales less refunds and voids, rounded once; B-7);
    - ``outlets``: ``codes`` (a line names its outlet by code) or ``merchant_ids`` (by the
      merchant id the bank gave it, ``MID 8850001001``; B-2).

    A spec is comma-separated ``key=value`` pairs and presets: ``documented``,
    ``debit_credit``, ``iso_dates``, ``plain_amounts``, ``european`` (dot thousands, comma
    decimals, semicolons), ``klikbca`` (``columns=klikbca``), ``one_iseller_payout``
    (``iseller_pay=all_outlets``), ``one_iseller_payout_netted``
    (``iseller_pay=all_outlets_netted``), ``weekend_together`` (``days=together``),
    ``fee_of_day`` (``fees=day``), ``merchant_ids`` (``outlets=merchant_ids``).
    """

    columns: str = "mutasi"
    dates: str = "dmy"
    amounts: str = "comma_thousands"
    delimiter: str = "comma"
    iseller_pay: str = "per_outlet"
    days: str = "apart"
    fees: str = "payment"
    outlets: str = "codes"

    def __post_init__(self) -> None:
        for name, allowed in (
            ("columns", COLUMNS),
            ("dates", DATES),
            ("amounts", AMOUNTS),
            ("delimiter", tuple(DELIMITERS)),
            ("iseller_pay", ISELLER_PAY),
            ("days", DAYS),
            ("fees", FEES),
            ("outlets", OUTLET_NAMES),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"bank_layout: {name} is one of {', '.join(allowed)}, "
                    f"not {getattr(self, name)!r}"
                )

    @classmethod
    def from_spec(cls, spec: str | None) -> BankLayout:
        layout = cls()
        for part in (spec or "").split(","):
            part = part.strip()
            if not part:
                continue
            if part in LAYOUT_PRESETS:
                layout = replace(layout, **LAYOUT_PRESETS[part])
                continue
            key, sep, value = part.partition("=")
            names = {f.name for f in fields(cls)}
            if not sep or key.strip() not in names:
                known = ", ".join([*LAYOUT_PRESETS, *(f"{n}=…" for n in names)])
                raise ValueError(f"bank_layout part {part!r} is not known (known: {known})")
            layout = replace(layout, **{key.strip(): value.strip()})
        return layout

    @property
    def header(self) -> list[str]:
        if self.columns == "klikbca":
            return ["Tanggal", "Keterangan", "Cabang", "Jumlah", "", "Saldo"]
        if self.columns == "debit_credit":
            return ["Tanggal", "Keterangan", "Referensi", "Debet", "Kredit", "Saldo"]
        return ["Tanggal", "Keterangan", "Referensi", "Mutasi", "Jenis", "Saldo"]

    def date_text(self, day: date) -> str:
        return day.isoformat() if self.dates == "iso" else f"{day:%d/%m/%Y}"

    def amount_text(self, amount: Decimal) -> str:
        text = f"{amount:,.2f}"
        if self.amounts == "plain":
            return text.replace(",", "")
        if self.amounts == "dot_thousands":
            return text.replace(",", "_").replace(".", ",").replace("_", ".")
        return text

    def row(self, line: dict[str, Any]) -> list[str]:
        if self.columns == "klikbca":
            return [
                f"'{line['date']:%d/%m}",
                line["description"],
                "'0000",
                f"{line['amount']:.2f}",
                line["direction"],
                f"{line['balance']:.2f}",
            ]
        amount = self.amount_text(line["amount"])
        if self.columns == "debit_credit":
            debit = amount if line["direction"] == "DB" else ""
            credit = amount if line["direction"] == "CR" else ""
            middle = [debit, credit]
        else:
            middle = [amount, line["direction"]]
        return [
            self.date_text(line["date"]),
            line["description"],
            line["reference"],
            *middle,
            self.amount_text(line["balance"]),
        ]


LAYOUT_PRESETS: dict[str, dict[str, str]] = {
    "documented": {},
    "debit_credit": {"columns": "debit_credit"},
    "iso_dates": {"dates": "iso"},
    "plain_amounts": {"amounts": "plain"},
    "european": {"amounts": "dot_thousands", "delimiter": "semicolon"},
    "klikbca": {"columns": "klikbca"},
    "one_iseller_payout": {"iseller_pay": "all_outlets"},
    "one_iseller_payout_netted": {"iseller_pay": "all_outlets_netted"},
    "weekend_together": {"days": "together"},
    "fee_of_day": {"fees": "day"},
    "merchant_ids": {"outlets": "merchant_ids"},
}


def write_bank_statements(
    merchant: DemoMerchant,
    start: date,
    end: date,
    folder: Path,
    bank_layout: BankLayout | str | None = None,
) -> list[Path]:
    """One file per calendar day `start`..`end` (``mutasi_rekening_<YYYYMMDD>.csv``, a header
    only on a day without lines, KlikBCA's account details and totals around it) in `folder`,
    written whole (a reader never sees half a file); a file whose content would not change is
    left as it is, as a bank's export is."""
    layout = (
        bank_layout if isinstance(bank_layout, BankLayout) else BankLayout.from_spec(bank_layout)
    )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for line in bank_statement_lines(
        merchant, start, end, layout.iseller_pay, layout.days, layout.fees, layout.outlets
    ):
        by_day[line["date"]].append(line)
    paths = []
    day = start
    balance = _opening(by_day, start, end)
    while day <= end:
        path = folder / FILE_PATTERN.format(day)
        text = io.StringIO(newline="")
        writer = csv.writer(text, delimiter=DELIMITERS[layout.delimiter])
        lines = by_day[day]
        if layout.columns == "klikbca":
            writer.writerows(_klikbca_above(day))
        writer.writerow(layout.header)
        for line in lines:
            writer.writerow(layout.row(line))
        if layout.columns == "klikbca":
            writer.writerows(_klikbca_below(lines, balance))
        balance = lines[-1]["balance"] if lines else balance
        content = text.getvalue().encode("utf-8")
        if not path.exists() or path.read_bytes() != content:
            partial = path.with_suffix(".csv.part")
            partial.write_bytes(content)
            partial.replace(path)
        paths.append(path)
        day += timedelta(days=1)
    return paths


def _opening(by_day: dict[date, list[dict[str, Any]]], start: date, end: date) -> Decimal:
    """The balance before `start`: the first line's balance less its own movement."""
    for day in sorted(d for d in by_day if start <= d <= end):
        first = by_day[day][0]
        return first["balance"] - _signed(first)
    return Decimal(0)


def _signed(line: dict[str, Any]) -> Decimal:
    return line["amount"] if line["direction"] == "CR" else -line["amount"]


def _klikbca_above(day: date) -> list[list[str]]:
    number, name = KLIKBCA_ACCOUNT
    return [
        ["No. Rekening", "=", f"'{number}"],
        ["Nama", "=", name],
        ["Periode", "=", f"{day:%d/%m/%Y} - {day:%d/%m/%Y}"],
        ["Mata Uang", "=", "IDR"],
        [],
    ]


def _klikbca_below(lines: list[dict[str, Any]], opening: Decimal) -> list[list[str]]:
    money_in = [x["amount"] for x in lines if x["direction"] == "CR"]
    money_out = [x["amount"] for x in lines if x["direction"] == "DB"]
    closing = opening + sum(money_in, Decimal(0)) - sum(money_out, Decimal(0))
    return [
        ["Saldo Awal", "=", f"{opening:.2f}"],
        ["Mutasi Kredit", "=", f"{sum(money_in, Decimal(0)):.2f}", str(len(money_in))],
        ["Mutasi Debet", "=", f"{sum(money_out, Decimal(0)):.2f}", str(len(money_out))],
        ["Saldo Akhir", "=", f"{closing:.2f}"],
    ]
