"""What a bank statement line's words say: the outlet, the takings day and the payment method it
names (the reconciliation's matching reads them). Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from journal_pipeline.core.statement_lines import StatementLine

DAY_NAMED = re.compile(r"(?<!\d)20\d{6}(?!\d)")  # a day a line names: YYYYMMDD

# words a bank or gateway writes on a settlement line, by iSeller gateway (I-22); the method's
# own name counts too
GATEWAY_KEYWORDS = {
    "cash": ("setoran tunai", "tunai", "cash"),
    "iseller_pay": ("iseller pay", "iseller", "qris"),
    "external_debit": ("edc", "debit"),
    "external_credit": ("cc", "credit", "kredit"),
}


def method_keywords(method: str, gateway: str | None) -> tuple[str, ...]:
    return (method.casefold(), *GATEWAY_KEYWORDS.get((gateway or "").casefold(), ()))


def settlement_keywords(methods: Iterable[str]) -> set[str]:
    """The words that name a settled method on a line: the methods' names and the gateways'."""
    return {m.casefold() for m in methods} | {w for ws in GATEWAY_KEYWORDS.values() for w in ws}


def has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None


def line_text(line: StatementLine) -> str:
    return f"{line.reference} {line.description} {line.names}".casefold()


def with_names(lines: Iterable[StatementLine], names: Mapping[str, str]) -> list[StatementLine]:
    """Each line with what ``names`` (``reconciliation.statement_names``: a word a bank writes
    → the outlet and or method it stands for) says its words name: a merchant or terminal id,
    a branch's name, read as the outlet code or method it is."""
    folded = {word.casefold(): named for word, named in names.items()}
    named_lines = []
    for line in lines:
        text = f"{line.reference} {line.description}".casefold()
        said = " ".join(named for word, named in folded.items() if has_word(text, word))
        named_lines.append(replace(line, names=said) if said != line.names else line)
    return named_lines


def names_day_and_method(line: StatementLine, day: date, method: str, gateway: str | None) -> bool:
    """The line's reference or description names the takings day and the method."""
    return day.strftime("%Y%m%d") in line_text(line) and names_method(line, method, gateway)


def names_method(line: StatementLine, method: str, gateway: str | None) -> bool:
    """The line's reference or description names the method (or its gateway)."""
    text = line_text(line)
    return any(has_word(text, word) for word in method_keywords(method, gateway))


def names_outlet(line: StatementLine, outlet_code: str) -> bool:
    return has_word(line_text(line), outlet_code.casefold())


def names_a_day(line: StatementLine) -> bool:
    return DAY_NAMED.search(line_text(line)) is not None


def addressed(line: StatementLine, outlets: Iterable[str]) -> bool:
    """The line names an outlet and a day: it belongs to that row only (step 1)."""
    return names_a_day(line) and any(names_outlet(line, code) for code in outlets)


def named_days(
    line: StatementLine, outlets: Iterable[str], keywords: Iterable[str] = ()
) -> set[date]:
    """The business days a line names (``YYYYMMDD``), the days it may settle however late it
    arrives: when it names an outlet too, or one of ``keywords`` (a method's words: a transfer
    for several outlets names the day and the method only); none otherwise."""
    text = line_text(line)
    if not names_a_day(line) or not (
        addressed(line, outlets) or any(has_word(text, word) for word in keywords)
    ):
        return set()
    days = set()
    for digits in DAY_NAMED.findall(text):
        try:
            days.add(date(int(digits[:4]), int(digits[4:6]), int(digits[6:])))
        except ValueError:
            continue  # digits that are no date
    return days
