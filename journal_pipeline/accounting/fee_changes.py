"""A payment's fee that changed after its entry was posted: a further entry of the difference.

A fee is posted as soon as its payment is seen (`mdr`), and a posted entry is never edited. What
it is built from can still change afterwards: iSeller reports its MDR, or a marketplace's profit
details (`platform_fees`), later than the payment, or anew. Left at the posted amount, the clearing
account would keep the difference forever and the reconciliation, which reads the fee as it is
now, would never tie out.

So when iSeller reports a payment's fee (its MDR, its order's platform fees) and the fee built
now differs from what the payment's posted entries book, account by account, a further entry
books the difference (a part above zero keeps more, below zero gives
back): custom_id ``<transaction id>.<n>/F``, number ``<fee entry number>.<n>``, n counting the
payment's fee entries posted (2 for the first change). Once posted, it is among them, and the
next build finds nothing left. A change of the config alone (a rate, an account) is no change
of the source, and posts nothing, as for the sales (`mapping_history` dates a change). Pure.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any

from journal_pipeline.accounting.fee_entries import (
    CLEARING_ROLE,
    FEE,
    PaymentEntries,
    SignedEntry,
    add_signed_entry,
    entry_id,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import format_idr

_FEE_ENTRY = entry_id(FEE, "")  # ``money:mdr:``, then ``<transaction id>[.<n>]``
_REVISION = re.compile(r"^(?P<base>.+)\.(?P<n>\d+)$")


class _Booked:
    """A payment's fee entries: the amount on each account, and how many entries."""

    def __init__(self) -> None:
        self.parts: dict[tuple[str, str], int] = defaultdict(int)  # (role, account) → signed
        self.entries: set[str] = set()
        self.clearing: tuple[str, str] | None = None  # (method, account)
        self.outlet = "?"
        self.reference = ""


def _of(lines: Iterable[Mapping[str, Any]], known: set[str] | None) -> dict[str, _Booked]:
    """Transaction id → its fee entries among ``lines``; ``known``: the ids a revision's
    ``<id>.<n>`` may be of (None: take ids as they are)."""
    booked: dict[str, _Booked] = {}
    for line in lines:
        entry = str(line["entry_id"])
        if not entry.startswith(_FEE_ENTRY):
            continue
        transaction = entry.removeprefix(_FEE_ENTRY)
        revision = _REVISION.match(transaction)
        if known is not None and transaction not in known and revision:
            transaction = revision["base"]
        fee = booked.setdefault(transaction, _Booked())
        fee.entries.add(entry)
        fee.outlet, fee.reference = str(line["outlet_code"]), str(line["source_reference"])
        role, account = str(line["account_role"]), str(line["account_name"])
        if role.startswith(CLEARING_ROLE):
            fee.clearing = (role.removeprefix(CLEARING_ROLE), account)
            continue
        fee.parts[(role, account)] += int(line["debit"]) - int(line["credit"])
    return booked


def with_fee_changes(
    fresh: PaymentEntries,
    posted: Iterable[Mapping[str, Any]],
    reported: Collection[str],
    config: MerchantConfig,
    day: date,
) -> PaymentEntries:
    """``fresh`` (the day's fee entries built now) with a further entry for each payment whose
    fee iSeller reports (``reported``: transaction ids, `mdr.reported_fees`) and differs from
    what its posted entries book (``posted``: their canonical lines as recorded when posted)."""
    now = _of(fresh.lines, None)
    before = _of(posted, set(now))
    numbers = {d.custom_id: d.transaction_no for d in fresh.documents}
    result = PaymentEntries(list(fresh.lines), list(fresh.documents), list(fresh.holds))
    for transaction, fee in sorted(now.items()):
        booked = before.get(transaction)
        number = numbers.get(f"{transaction}/{FEE}")
        if booked is None or fee.clearing is None or number is None:
            continue  # never posted (the fresh entry is it), or held
        if transaction not in reported:
            continue  # the config's percentage: a change of the config is not reposted
        accounts = set(fee.parts) | set(booked.parts)
        parts = [
            (
                role,
                account,
                fee.parts.get((role, account), 0) - booked.parts.get((role, account), 0),
            )
            for role, account in sorted(accounts)
        ]
        parts = [part for part in parts if part[2]]
        if not sum(amount for _, _, amount in parts):
            continue  # the same fee, only on other accounts: the config's change, not reposted
        revision = len(booked.entries) + 1
        method, clearing = fee.clearing
        was, is_now = sum(booked.parts.values()), sum(fee.parts.values())
        text = (
            f"the {method} payment's fee changed after posting: {format_idr(was)} booked, "
            f"{format_idr(is_now)} now"
        )
        memo = f"iSeller {text}, order {fee.reference}, outlet {fee.outlet}"
        entry = SignedEntry(
            FEE,
            f"{transaction}.{revision}",
            f"{number}.{revision}",
            fee.reference,
            fee.outlet,
            method,
            clearing,
            text,
            memo,
        )
        add_signed_entry(result, entry, parts, day, config)
    return result
