"""The fee a bank takes of a day's net takings (``settlements.<method>.fee_basis: day``).

A bank may charge its fee on the day's settlement batch rather than on each payment: the
outlet's takings of the method on the business day, less its refunds and voids, times the
rule's ``mdr_percent``, rounded half-up once (docs/assumptions/bank.md B-7). Taken per payment
(`mdr.payment_fee`), each rounded, the fees add up to a few rupiah more or less, and a refund
keeps its fee; the bank's statement then never matches to the rupiah.

Each sale payment's fee is still booked as it comes (`mdr`: hourly, the clearing account never
carries takings without their fee); once the day is final, one entry per outlet and method
books what the day's fee is beyond them (its refunds' and voids' part given back, the
rounding):

    Dr payment_fees          the difference (Dr clearing / Cr payment_fees when negative)
    Cr payment clearing

custom_id ``<outlet>-<YYYYMMDD>-<method>/D``, number ``MDR/<outlet>/<YYYYMMDD>/<method>``. A
change to the day after it was posted (a refund staged late) is a further entry of what is
left (``….2``, ``….3``): posted entries are never edited. Fees iSeller reports itself are per
payment and stay as they are. Pure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.day_sales import DatedPayment
from journal_pipeline.accounting.documents import PAYMENT_FEE
from journal_pipeline.accounting.fee_entries import (
    CLEARING_ROLE,
    DAY_FEE,
    ENTRY_PREFIX,
    PaymentEntries,
    SignedEntry,
    add_signed_entry,
)
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.labels import payment_method
from journal_pipeline.accounting.mdr import FEE_ROLE, FIX_HINT, MONEY_BACK
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.money import format_idr, to_rupiah

FEE_ENTRIES = (f"{ENTRY_PREFIX}mdr:", f"{ENTRY_PREFIX}mdr_day:")


@dataclass(frozen=True)
class DayFee:
    """What the bank keeps of one outlet's takings of one method on one day."""

    outlet_code: str
    method: str  # as the payments name it (`payment_method`)
    gateway: str | None
    percent: Decimal
    net: int  # sales without a fee iSeller reports, less the day's refunds and voids
    reported: int  # the fees iSeller reports on the day's sales of the method
    fee: int  # reported + net × percent, rounded half-up once


@dataclass
class _Takings:
    method: str
    gateway: str | None
    percent: Decimal
    net: int = 0
    reported: int = 0


def day_fees(
    payments: Iterable[DatedPayment],
    reported: Mapping[str, int],
    config: MerchantConfig,
    day: date,
) -> dict[tuple[str, str], DayFee]:
    """(outlet, method casefolded) → the day's fee, for each outlet and method of ``day``'s
    successful payments whose settlement rule takes its fee of the day (``fee_basis: day``)."""
    sums: dict[tuple[str, str], _Takings] = {}
    for pay in payments:
        if pay.status != "success" or pay.business_date != day:
            continue
        if pay.type != "sale" and pay.type not in MONEY_BACK:
            continue
        name, gateway = text_or_none(pay.payment_type_name), text_or_none(pay.gateway)
        rule = config.settlement(name, gateway)
        if rule is None or rule.fee_basis != "day" or rule.mdr_percent is None:
            continue
        method = payment_method(name, gateway) or "payment"
        key = (pay.outlet_code or "?", method.casefold())
        takings = sums.setdefault(key, _Takings(method, gateway, rule.mdr_percent))
        amount = int(pay.amount)
        if pay.type != "sale":
            takings.net -= amount
        elif str(pay.transaction_id) in reported:
            takings.reported += reported[str(pay.transaction_id)]
        else:
            takings.net += amount
    return {
        key: DayFee(
            key[0],
            t.method,
            t.gateway,
            t.percent,
            t.net,
            t.reported,
            t.reported + to_rupiah(Decimal(t.net) * t.percent / 100),
        )
        for key, t in sums.items()
    }


def booked_fees(lines: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], tuple[int, int]]:
    """(outlet, method casefolded) → (fee booked, day entries among it) by the fee entries of
    ``lines`` (the day's payment-fee build, its posted entries as recorded): each entry's
    clearing line, credited by a fee and debited by a fee given back."""
    booked: dict[tuple[str, str], int] = {}
    day_entries: dict[tuple[str, str], set[str]] = {}
    for line in lines:
        entry, role = str(line["entry_id"]), str(line["account_role"])
        if not entry.startswith(FEE_ENTRIES) or not role.startswith(CLEARING_ROLE):
            continue
        key = (str(line["outlet_code"]), role.removeprefix(CLEARING_ROLE).casefold())
        booked[key] = booked.get(key, 0) + int(line["credit"]) - int(line["debit"])
        if entry.startswith(FEE_ENTRIES[1]):
            day_entries.setdefault(key, set()).add(entry)
    return {key: (n, len(day_entries.get(key, ()))) for key, n in booked.items()}


def with_day_fees(
    entries: PaymentEntries,
    fees: Mapping[tuple[str, str], DayFee],
    config: MerchantConfig,
    day: date,
) -> PaymentEntries:
    """``entries`` (the final day's fee build) with an entry for each outlet and method whose
    day's fee differs from what its entries book."""
    booked = booked_fees(entries.lines)
    result = PaymentEntries(list(entries.lines), list(entries.documents), list(entries.holds))
    for key, fee in sorted(fees.items()):
        already, revisions = booked.get(key, (0, 0))
        if fee.fee != already:
            _add(result, fee, fee.fee - already, already, revisions + 1, config, day)
    return result


def _base_id(fee: DayFee, day: date) -> tuple[str, str]:
    """(the custom_id before its suffix, the Jurnal number) of an outlet-method-day's entry:
    the method in capitals and a digest of it (two spellings never share a number)."""
    slug = re.sub(r"[^A-Z0-9]", "", fee.method.upper())[:16] or "METHOD"
    digest = hashlib.sha1(fee.method.casefold().encode("utf-8")).hexdigest()[:4]
    name = f"{slug}-{digest}"
    return f"{fee.outlet_code}-{day:%Y%m%d}-{name}", f"MDR/{fee.outlet_code}/{day:%Y%m%d}/{name}"


def _add(
    result: PaymentEntries,
    fee: DayFee,
    amount: int,
    booked: int,
    revision: int,
    config: MerchantConfig,
    day: date,
) -> None:
    """One entry of ``amount`` (negative: a fee given back) for the outlet-method-day."""
    base, number = _base_id(fee, day)
    if revision > 1:
        base, number = f"{base}.{revision}", f"{number}.{revision}"
    outlet, method = fee.outlet_code, fee.method
    fee_account = config.account(FEE_ROLE, outlet)
    clearing = config.payment_account(method, fee.gateway, outlet)
    text = (
        f"MDR of {fee.percent}% on the day's net {method} takings of {format_idr(fee.net)}: "
        f"{format_idr(fee.fee)}, {format_idr(booked)} booked on its payments"
    )
    if fee_account is None or clearing is None:
        missing = "accounts.payment_fees" if fee_account is None else "payment_methods"
        reason = (
            f"{method} takings of outlet {outlet} on {day.isoformat()}: the day's fee "
            f"difference of {format_idr(amount)} has no Jurnal account; add {missing}. {FIX_HINT}"
        )
        custom_id = f"{base}/{DAY_FEE}"
        result.holds.append(Hold("payment", custom_id, number, outlet, day, reason, PAYMENT_FEE))
        return
    memo = f"iSeller {text}, outlet {outlet}, {day.isoformat()}"
    entry = SignedEntry(DAY_FEE, base, number, number, outlet, method, clearing, text, memo)
    add_signed_entry(result, entry, [(FEE_ROLE, fee_account, amount)], day, config)
