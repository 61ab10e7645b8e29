"""Cash over/short: the cash counted at a register shift's close less the cash the till expected.

iSeller's GetRegisterShifts document lists no cash fields (I-40), so a shift is read whichever
way it states its count:

- ``documented``: ``counted_cash`` and ``cash_difference`` = counted − expected;
- ``actual``: ``actual_cash`` and ``difference``;
- ``none``: no cash fields at all: nothing can be booked, and the run says so once.

A closed shift whose difference is not zero is one canonical entry, dated the outlet's business
day of the shift's opening:

    short (counted < expected):  Dr cash_over_short / Cr the Cash clearing account
    over  (counted > expected):  Dr the Cash clearing account / Cr cash_over_short

and one Jurnal journal entry ``SHIFT/<outlet>/<YYYYMMDD>`` (``/<n>`` for an outlet's n-th shift
of the day, n ≥ 2), custom_id ``<shift id>/CASH``. Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from journal_pipeline.accounting.day_sales import outlet_business_date
from journal_pipeline.accounting.documents import CASH_COUNT, Document
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.posting_rules import journal_frame
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cash_count import CASH_COUNT_ENTRY
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.core.timestamps import parse_utc

DOCUMENTED, ACTUAL, NONE = "documented", "actual", "none"
DIFFERENCE_FIELD = {DOCUMENTED: "cash_difference", ACTUAL: "difference"}
CASH_METHOD, CASH_GATEWAY = "Cash", "cash"
FIX_HINT = "Add it to the config file (JOURNAL_PIPELINE_CONFIG), then run the day again."
NO_CASH_FIELDS = (
    "iSeller's register shifts carry no cash count (no counted_cash / cash_difference, no "
    "actual_cash / difference), so no cash over/short is booked. Count the tills by hand and "
    "book any difference in Jurnal."
)


def reading_of(shift: Mapping[str, Any]) -> str:
    """Which way a shift states its cash count (`DOCUMENTED`, `ACTUAL` or `NONE`)."""
    if "cash_difference" in shift or "counted_cash" in shift:
        return DOCUMENTED
    if "difference" in shift or "actual_cash" in shift:
        return ACTUAL
    return NONE


def cash_difference(shift: Mapping[str, Any]) -> int | None:
    """Counted less expected cash of a closed shift, whole rupiah (negative: short); None while
    the shift is open or when it states no count."""
    reading = reading_of(shift)
    if reading == NONE or text_or_none(shift.get("closed_date")) is None:
        return None
    value = shift.get(DIFFERENCE_FIELD[reading])
    return None if value is None else to_rupiah(value)


def staging_row(shift: Mapping[str, Any], config: MerchantConfig) -> dict[str, Any]:
    """The ``iseller_register_shifts`` row of a GetRegisterShifts item (UTC dates): booked on
    the outlet's business day of its opening, None while the outlet is not named."""
    outlet = text_or_none(shift.get("outlet_code"))
    opened = parse_utc(shift.get("open_date"))
    return {
        "register_shift_id": str(shift["register_shift_id"]),
        "outlet_code": outlet,
        "business_date": None if outlet is None else outlet_business_date(opened, outlet, config),
        "open_at": opened,
        "closed_at": parse_utc(shift.get("closed_date")),
        "raw": dict(shift),
    }


@dataclass(frozen=True)
class ShiftDifference:
    """A closed shift whose counted cash is not what the till expected."""

    number: str  # its journal entry's, SHIFT/<outlet>/<YYYYMMDD>[/<n>]
    outlet_code: str
    register: str
    difference: int  # counted less expected, whole rupiah (negative: short)

    @property
    def words(self) -> str:
        what = "short" if self.difference < 0 else "over"
        return f"{self.number} ({self.register}) {format_idr(abs(self.difference))} {what}"


@dataclass
class CashCountBuild:
    """The cash-count entries of one business day, and how the shifts read."""

    day: date
    lines: list[dict[str, Any]] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    readings: Counter[str] = field(default_factory=Counter)  # reading → shifts
    open_shifts: int = 0
    differences: list[ShiftDifference] = field(default_factory=list)

    def beyond(self, tolerance: int) -> list[ShiftDifference]:
        """The shifts more than ``tolerance`` rupiah off the till's expected cash, largest
        first."""
        large = [d for d in self.differences if abs(d.difference) > tolerance]
        return sorted(large, key=lambda d: (-abs(d.difference), d.number))

    def journal_frame(self) -> pd.DataFrame:
        return journal_frame(self.lines)

    @property
    def note(self) -> str | None:
        """Said once when shifts state no cash count; None otherwise."""
        return NO_CASH_FIELDS if self.readings.get(NONE) else None


def cash_count_entries(
    shifts: Iterable[Mapping[str, Any]], config: MerchantConfig, day: date
) -> CashCountBuild:
    """The entries of the shifts booked on ``day`` (rows of `staging_row` with ``raw``)."""
    build = CashCountBuild(day)
    ordered = sorted(shifts, key=lambda s: (str(s["open_at"]), s["register_shift_id"]))
    numbers = _numbers(ordered, day)
    for row in ordered:
        raw = row["raw"]
        build.readings[reading_of(raw)] += 1
        if row["closed_at"] is None:
            build.open_shifts += 1
            continue
        difference = cash_difference(raw)
        if not difference:
            continue
        number = numbers[row["register_shift_id"]]
        register = text_or_none(raw.get("register_name")) or "register"
        outlet = row["outlet_code"] or "?"
        build.differences.append(ShiftDifference(number, outlet, register, difference))
        add_entry(build, row, difference, number, config)
    return build


def _numbers(shifts: list[Mapping[str, Any]], day: date) -> dict[str, str]:
    numbers: dict[str, str] = {}
    seen: Counter[str] = Counter()
    for row in shifts:
        outlet = row["outlet_code"] or "?"
        seen[outlet] += 1
        n = seen[outlet]
        numbers[row["register_shift_id"]] = f"SHIFT/{outlet}/{day:%Y%m%d}" + (
            f"/{n}" if n > 1 else ""
        )
    return numbers


def add_entry(
    build: CashCountBuild,
    row: Mapping[str, Any],
    difference: int,
    number: str,
    config: MerchantConfig,
    key: str | None = None,
    said: str | None = None,
) -> None:
    """The entry of a shift's ``difference`` (negative: short), keyed by its shift id, or by
    ``key`` (a further entry of a count corrected after posting, worded ``said``)."""
    shift_id = key or row["register_shift_id"]
    outlet = row["outlet_code"] or "?"
    register = text_or_none(row["raw"].get("register_name")) or "register"
    custom_id = f"{shift_id}/CASH"
    what = "short" if difference < 0 else "over"
    label = f"Shift {number} ({register}, outlet {outlet}, {build.day.isoformat()})"
    over_short = config.account("cash_over_short", outlet)
    cash = config.payment_account(CASH_METHOD, CASH_GATEWAY, outlet)
    if config.outlet(outlet) is None or over_short is None or cash is None:
        missing = (
            f"outlet {outlet} under outlets"
            if config.outlet(outlet) is None
            else "accounts.cash_over_short"
            if over_short is None
            else "the Cash method under payment_methods"
        )
        build.holds.append(
            Hold(
                "register_shift",
                custom_id,
                number,
                outlet,
                build.day,
                f"{label}: cash {what} by {format_idr(abs(difference))} has no Jurnal account; "
                f"add {missing}. {FIX_HINT}",
                CASH_COUNT,
            )
        )
        return
    amount = abs(difference)
    text = said or f"cash {what} at shift close ({register})"
    sides = [("cash_over_short", over_short), (f"payment:{CASH_METHOD}", cash)]
    if difference > 0:
        sides.reverse()  # over: the till holds more than expected
    for line_no, ((role, account), (debit, credit)) in enumerate(
        zip(sides, [(amount, 0), (0, amount)], strict=True), start=1
    ):
        build.lines.append(
            {
                "entry_id": f"{CASH_COUNT_ENTRY}{shift_id}",
                "business_date": build.day,
                "outlet_code": outlet,
                "source_type": "register_shift",
                # the shift itself; its document's source is <shift id>/CASH, so the sales
                # build never takes these lines for its own
                "source_id": shift_id,
                "source_reference": number,
                "line_no": line_no,
                "account_role": role,
                "account_name": account,
                "debit": debit,
                "credit": credit,
                "description": text,
                "is_estimate": False,
            }
        )
    (debit_account, _), (credit_account, _) = [(a, r) for r, a in sides]
    body = {
        "transaction_date": build.day.isoformat(),
        "transaction_no": number,
        "custom_id": custom_id,
        "memo": f"iSeller {text}, outlet {outlet}: counted {format_idr(amount)} "
        f"{'less' if difference < 0 else 'more'} than expected",
        "tags": [outlet],
        "transaction_account_lines_attributes": [
            {"account_name": debit_account, "debit": amount, "description": text},
            {"account_name": credit_account, "credit": amount, "description": text},
        ],
    }
    build.documents.append(
        Document(
            doc_key=f"{CASH_COUNT}:{custom_id}",
            doc_type=CASH_COUNT,
            business_date=build.day,
            outlet_code=outlet,
            source_id=custom_id,
            source_reference=number,
            transaction_no=number,
            custom_id=custom_id,
            expected_total=amount,
            payload={"journal_entry": body},
        )
    )
