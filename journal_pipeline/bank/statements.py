"""Bank statement CSV files → statement lines (docs/reconciliation.md, docs/assumptions/bank.md).

Banks export their e-statements in several layouts; each file is read on its own, its layout
detected from its header and its cells:

- columns by name (Indonesian or English): date (``Tanggal``), description (``Keterangan``),
  reference (``Referensi``), then either one amount column (``Mutasi``) with a direction column
  (``Jenis``: ``CR`` money in, ``DB`` money out) or a sign, or separate debit / credit columns,
  and an optional balance (``Saldo``);
- the delimiter: comma, semicolon or tab;
- dates ``dd/mm/yyyy``, ``dd-mm-yyyy`` or ``yyyy-mm-dd``;
- amounts ``1,234,500.00``, ``1.234.500,00`` or plain ``1234500``.

Lines above the header (account number, period) and lines without a date (opening and closing
balance, totals) are skipped, as are lines not booked yet (``PEND``). KlikBCA's export is read
too: cells kept as text (``'01/11``, ``='0000'``), dates without a year (the period's, above the
header), and the direction in a column without a name. A file nobody can read is refused with
a `StatementError` naming the file, the line and the fix.

Each line gets a key: a digest of (account, date, reference, amount, direction, its order
among the file's lines with the same five values), so a file read twice, or two exports
whose periods overlap, stage each line once.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from journal_pipeline.core.statement_lines import MONEY_IN, MONEY_OUT, StatementLine, line_key

COLUMN_NAMES = {
    "date": ("tanggal", "tgl", "tanggal transaksi", "date", "transaction date", "posting date"),
    "description": ("keterangan", "deskripsi", "uraian", "description", "remarks", "narrative"),
    "reference": ("referensi", "no. referensi", "no referensi", "ref", "reference", "ref no"),
    "amount": ("mutasi", "jumlah", "nominal", "amount"),
    "direction": ("jenis", "d/k", "db/cr", "cr/db", "type", "dk"),
    "debit": ("debit", "debet", "db", "mutasi debit", "withdrawal"),
    "credit": ("kredit", "credit", "cr", "mutasi kredit", "deposit"),
    "balance": ("saldo", "balance"),
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")
SHORT_DATE = re.compile(r"\d{1,2}/\d{1,2}")  # KlikBCA: the year is the period's
PENDING = "pend"  # KlikBCA's date cell of a transaction not booked yet
DIRECTION_WORDS = {
    "cr": MONEY_IN,
    "k": MONEY_IN,
    "kredit": MONEY_IN,
    "credit": MONEY_IN,
    "db": MONEY_OUT,
    "d": MONEY_OUT,
    "debit": MONEY_OUT,
    "debet": MONEY_OUT,
}
# amount styles: thousands separator, decimal mark
AMOUNT_STYLES = {"1,234.00": (",", "."), "1.234,00": (".", ",")}
FIX = (
    "Export the statement again as CSV with a header row naming the date, description, "
    "amount and direction (or debit and credit) columns (docs/assumptions/bank.md), "
    "or move the file out of the statement folder"
)


class StatementError(ValueError):
    """A statement file that cannot be read; the message names the file, the line and the fix."""

    def __init__(self, source: str, line: int | None, problem: str):
        where = f"{source}, line {line}" if line else source
        super().__init__(f"Bank statement {where}: {problem}. {FIX}.")
        self.source = source
        self.line = line


def read_statement_file(path: Path, account: str) -> list[StatementLine]:
    """The lines of one statement file of ``account``."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return parse_statement(text, account, path.name)


def parse_statement(text: str, account: str, source: str) -> list[StatementLine]:
    """The lines of one statement file's text (``source`` names it in errors)."""
    rows = _rows(text, source)
    header_at, columns = _header(rows, source)
    body = [
        (number, row)
        for number, row in rows[header_at + 1 :]
        if _booked(_cell(row, columns, "date"))
    ]
    if not body:
        return []  # a day without movements: the bank still writes the header
    columns = _with_direction(columns, rows[header_at][1], body)
    body = _with_years(body, columns, rows[:header_at], source)
    date_format = _date_format(body, columns, source)
    amount_cells = [
        _cell(row, columns, name)
        for _, row in body
        for name in ("amount", "debit", "credit", "balance")
    ]
    style = _amount_style([c for c in amount_cells if c], source)
    seen: Counter[tuple] = Counter()
    lines = []
    for number, row in body:
        line_date = datetime.strptime(_cell(row, columns, "date"), date_format).date()
        amount, direction = _money(row, columns, style, source, number)
        reference = _cell(row, columns, "reference")
        identity = (line_date, reference, amount, direction)
        seen[identity] += 1
        balance_cell = _cell(row, columns, "balance")
        lines.append(
            StatementLine(
                line_key=line_key(account, line_date, reference, amount, direction, seen[identity]),
                account=account,
                line_date=line_date,
                description=_cell(row, columns, "description"),
                reference=reference,
                amount=amount,
                direction=direction,
                balance=_number(balance_cell, style, source, number) if balance_cell else None,
                source=source,
                line_no=number,
            )
        )
    return lines


def _rows(text: str, source: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every line, split on the delimiter its header line uses."""
    lines = text.splitlines()
    delimiter = _delimiter(lines)
    if delimiter is None:
        raise StatementError(source, None, "no header row naming a date and an amount column")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [(reader.line_num, [_unquoted(cell) for cell in row]) for row in reader]


def _unquoted(cell: str) -> str:
    """A cell without the marks a spreadsheet export adds to keep text as text: ``'01/11``,
    ``='0000'`` (KlikBCA)."""
    text = cell.strip()
    if text.startswith("="):
        text = text[1:].strip()
    if text.startswith("'"):
        text = text[1:].removesuffix("'")
    return text.strip()


def _booked(date_cell: str) -> bool:
    """A line of a booked transaction: its date cell holds a date, not a label (opening and
    closing balance, totals: no digit) nor ``PEND`` (a transaction not booked yet: a later
    export has it, dated)."""
    return any(c.isdigit() for c in date_cell) and date_cell.casefold() != PENDING


def _with_direction(
    columns: dict[str, int], header: Sequence[str], body: list[tuple[int, list[str]]]
) -> dict[str, int]:
    """The columns, with the direction found in a column without a name whose cells are all
    ``CR`` / ``DB`` (KlikBCA: ``Tanggal,Keterangan,Cabang,Jumlah,,Saldo``)."""
    if "direction" in columns or "amount" not in columns:
        return columns
    for index, name in enumerate(header):
        if name or index in columns.values():
            continue
        cells = [row[index] if index < len(row) else "" for _, row in body]
        words = [c for c in cells if c]
        if words and all(c.casefold() in DIRECTION_WORDS for c in words):
            return {**columns, "direction": index}
    return columns


def _with_years(
    body: list[tuple[int, list[str]]],
    columns: dict[str, int],
    above: list[tuple[int, list[str]]],
    source: str,
) -> list[tuple[int, list[str]]]:
    """The body with each date given its year when the file writes none (``dd/mm``, KlikBCA):
    the year of the period above the header (``Periode,=,01/12/2026 - 05/01/2027``: a date
    before the period's start is of its end's year), else of the day a file name
    (``mutasi_rekening_YYYYMMDD``) holds."""
    index = columns["date"]
    if not all(SHORT_DATE.fullmatch(row[index]) for _, row in body):
        return body
    period = [
        datetime.strptime(found, "%d/%m/%Y").date()
        for _, row in above
        for found in re.findall(r"\d{1,2}/\d{1,2}/\d{4}", " ".join(row))
    ]
    named = re.search(r"(20\d{2})(\d{2})(\d{2})", source)
    if not period and not named:
        raise StatementError(
            source, body[0][0], f"date {body[0][1][index]!r} has no year and no period is given"
        )
    first, last = (min(period), max(period)) if period else (None, None)
    year = first.year if first else int(named.group(1)) if named else 0
    dated = []
    for number, row in body:
        day, month = (int(part) for part in row[index].split("/"))
        when_year = year
        if first and last and first.year != last.year and (month, day) < (first.month, first.day):
            when_year = last.year
        cells = list(row)
        cells[index] = f"{day:02d}/{month:02d}/{when_year}"
        dated.append((number, cells))
    return dated


def _delimiter(lines: Sequence[str]) -> str | None:
    for line in lines[:50]:
        for delimiter in (",", ";", "\t"):
            row = next(csv.reader([line], delimiter=delimiter), [])
            if _columns(row) is not None:
                return delimiter
    return None


def _columns(row: Sequence[str]) -> dict[str, int] | None:
    """Field → index of a header row, or None when the row is no header."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        name = " ".join(cell.strip().casefold().replace("_", " ").split())
        for field, names in COLUMN_NAMES.items():
            if name in names and field not in found:
                found[field] = index
                break
    has_money = "amount" in found or ("debit" in found and "credit" in found)
    return found if "date" in found and has_money else None


def _header(rows: list[tuple[int, list[str]]], source: str) -> tuple[int, dict[str, int]]:
    for position, (_, row) in enumerate(rows):
        columns = _columns(row)
        if columns is not None:
            return position, columns
    raise StatementError(source, None, "no header row naming a date and an amount column")


def _cell(row: Sequence[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _date_format(body: list[tuple[int, list[str]]], columns: dict[str, int], source: str) -> str:
    """The one date format every dated line of the file is written in."""
    for fmt in DATE_FORMATS:
        if all(_parses(_cell(row, columns, "date"), fmt) for _, row in body):
            return fmt
    for fmt in DATE_FORMATS:
        if _parses(_cell(body[0][1], columns, "date"), fmt):
            bad = next(n for n, r in body if not _parses(_cell(r, columns, "date"), fmt))
            raise StatementError(source, bad, f"date not written as {fmt} like the others")
    number, row = body[0]
    raise StatementError(
        source, number, f"date {_cell(row, columns, 'date')!r} is not dd/mm/yyyy or yyyy-mm-dd"
    )


def _parses(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


_SUFFIX = re.compile(r"\s*(CR|DB|K|D)$", re.IGNORECASE)


def _strip(cell: str) -> str:
    text = _SUFFIX.sub("", cell.strip()).replace("Rp", "").replace(" ", "")
    return text.strip("()+-")


def _fits(text: str, thousands: str, mark: str) -> bool:
    t, m = re.escape(thousands), re.escape(mark)
    return bool(re.fullmatch(rf"\d{{1,3}}({t}\d{{3}})+({m}\d+)?|\d+({m}\d+)?", text))


def _amount_style(cells: list[str], source: str) -> str:
    """The amount style every amount cell of the file fits; decimals of two digits preferred
    where both fit (``1.234`` is a thousand and more in ``1.234,00`` files)."""
    texts = [_strip(c) for c in cells]
    fitting = [s for s, (t, m) in AMOUNT_STYLES.items() if all(_fits(x, t, m) for x in texts)]
    if not fitting:
        bad = next(c for c, x in zip(cells, texts, strict=True) if not _any_style(x))
        raise StatementError(source, None, f"amount {bad!r} is not a number like 1,234,500.00")
    if len(fitting) == 2:
        fitting = [s for s in fitting if not _three_decimals(texts, s)] or fitting
    return fitting[0]


def _three_decimals(texts: list[str], style: str) -> bool:
    mark = re.escape(AMOUNT_STYLES[style][1])
    return any(re.search(rf"{mark}\d{{3}}$", x) for x in texts)


def _any_style(text: str) -> bool:
    return any(_fits(text, t, m) for t, m in AMOUNT_STYLES.values())


def _number(cell: str, style: str, source: str, line: int) -> Decimal:
    thousands, mark = AMOUNT_STYLES[style]
    text = _strip(cell)
    negative = cell.strip().startswith(("-", "(")) or cell.strip().endswith("-")
    try:
        value = Decimal(text.replace(thousands, "").replace(mark, "."))
    except InvalidOperation:
        raise StatementError(source, line, f"amount {cell!r} is not a number") from None
    return -value if negative else value


def _money(
    row: Sequence[str], columns: dict[str, int], style: str, source: str, line: int
) -> tuple[Decimal, str]:
    """(amount ≥ 0, direction) from an amount and a direction (or sign), or debit / credit."""
    if "amount" in columns:
        cell = _cell(row, columns, "amount")
        if not cell:
            raise StatementError(source, line, "no amount")
        amount = _number(cell, style, source, line)
        word = _cell(row, columns, "direction") or _suffix(cell)
        if word:
            direction = DIRECTION_WORDS.get(word.casefold())
            if direction is None:
                raise StatementError(source, line, f"direction {word!r} is not CR or DB")
            return abs(amount), direction
        return abs(amount), MONEY_IN if amount >= 0 else MONEY_OUT
    debit_cell, credit_cell = _cell(row, columns, "debit"), _cell(row, columns, "credit")
    debit = _number(debit_cell, style, source, line) if debit_cell else Decimal(0)
    credit = _number(credit_cell, style, source, line) if credit_cell else Decimal(0)
    if debit and credit:
        raise StatementError(source, line, "both a debit and a credit amount")
    if credit:
        return abs(credit), MONEY_IN
    if debit:
        return abs(debit), MONEY_OUT
    raise StatementError(source, line, "neither a debit nor a credit amount")


def _suffix(cell: str) -> str:
    found = _SUFFIX.search(cell.strip())
    return found.group(1) if found else ""
