"""The journal entries against a payment method's clearing account (`mdr`: a payment's fee, a
gift card or store credit spent or given back; `day_fees`: what a day's fee is beyond its
payments'; `fee_changes`: what a payment's fee became after its entry was posted): their keys,
and the one writer of their canonical lines and Jurnal journal entry. A part above zero debits
its account (a fee kept, a liability released), below zero credits it (a fee or a release given
back); the clearing account takes their sum the other way. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from journal_pipeline.accounting import periods
from journal_pipeline.accounting.documents import JOURNAL_ENTRY, PAYMENT_FEE, Document
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.config import MerchantConfig

FEE, GIFT_CARD, STORE_CREDIT = "F", "G", "S"  # suffix of an entry's keys
DAY_FEE = "D"  # a day's fee beyond its payments' (`day_fees`, ``fee_basis: day``)
POINTS, BALANCE = "L", "B"  # not "P": a later payment's receive payment is <invoice no>/P<n>
ENTRY_PREFIX = "money:"  # the journal part ``payment_fees`` (StagingStore.JOURNAL_PARTS)
ENTRY_KINDS = {
    FEE: "mdr",
    DAY_FEE: "mdr_day",
    GIFT_CARD: "gift_card",
    STORE_CREDIT: "store_credit",
    POINTS: "loyalty_points",
    BALANCE: "customer_balance",
}
CLEARING_ROLE = "payment:"  # the role prefix of an entry's clearing line


@dataclass(frozen=True)
class PaymentEntries:
    """Canonical lines, Jurnal journal entries and holds of the day's payment entries."""

    lines: list[dict[str, Any]]
    documents: list[Document]
    holds: list[Hold]


def entry_id(suffix: str, transaction_id: str) -> str:
    """The canonical entry id of a payment's fee (``FEE``) or liability release."""
    return f"{ENTRY_PREFIX}{line_source(suffix, transaction_id)}"


def line_source(suffix: str, transaction_id: str) -> str:
    """The ``source_id`` of a fee's (``FEE``) or liability release's canonical lines:
    ``mdr:<id>`` / ``gift_card:<id>``, never the source of a posted document (the outbox knows
    the fee as ``<id>/F``), so the sales build, which keeps the lines of its posted documents by
    source, never takes these for its own."""
    return f"{ENTRY_KINDS[suffix]}:{transaction_id}"


def entry_of_document(custom_id: str) -> str:
    """The canonical entry id of a fee or release from its document's custom_id
    (``<transaction id>/F``, ``/G``, ``/S``, ``/L``, ``/B`` or ``/D``)."""
    transaction_id, _, suffix = custom_id.rpartition("/")
    return entry_id(suffix, transaction_id)


@dataclass(frozen=True)
class SignedEntry:
    """Who and what one entry is: its keys, words and accounts."""

    suffix: str  # of the entry's keys (`ENTRY_KINDS`)
    key: str  # its custom_id before ``/<suffix>``
    number: str  # its Jurnal number
    reference: str  # the order or day it is of, for a person
    outlet: str | None  # None: a payment of no known outlet (its document says "?")
    method: str
    clearing: str  # the method's clearing account
    text: str  # the lines' description
    memo: str


def add_signed_entry(
    result: PaymentEntries,
    entry: SignedEntry,
    parts: Sequence[tuple[str, str, int]],
    day: date,
    config: MerchantConfig,
) -> None:
    """Add one entry of ``parts`` ((role, account, signed amount), none zero) dated ``day``
    (the first open day when that one is locked) to ``result``."""
    outlet = entry.outlet or "?"
    total = sum(amount for _, _, amount in parts)
    sides = [*parts]
    if total:  # a fee moved between accounts alone leaves the clearing account as it was
        sides.append((f"{CLEARING_ROLE}{entry.method}", entry.clearing, -total))
    posting = periods.correction_date(day, config)
    common = {
        "entry_id": entry_id(entry.suffix, entry.key),
        "business_date": posting.day,
        "outlet_code": entry.outlet,
        "source_type": "payment",
        "source_id": line_source(entry.suffix, entry.key),
        "source_reference": entry.reference,
        "description": entry.text,
        "is_estimate": False,
    }
    for line_no, (role, account, amount) in enumerate(sides, start=1):
        side = {"debit": max(amount, 0), "credit": max(-amount, 0)}
        result.lines.append(
            {**common, "line_no": line_no, "account_role": role, "account_name": account} | side
        )
    custom_id = f"{entry.key}/{entry.suffix}"
    note = f" ({posting.note})" if posting.note else ""
    body = {
        "transaction_date": posting.day.isoformat(),
        "transaction_no": entry.number,
        "custom_id": custom_id,
        "memo": f"{entry.memo}{note}",
        "tags": [outlet],
        "transaction_account_lines_attributes": [
            {
                "account_name": account,
                **({"debit": amount} if amount > 0 else {"credit": -amount}),
                "description": entry.text,
            }
            for _, account, amount in sides
        ],
    }
    result.documents.append(
        Document(
            doc_key=f"{PAYMENT_FEE}:{custom_id}",
            doc_type=PAYMENT_FEE,
            business_date=day,
            outlet_code=outlet,
            source_id=custom_id,
            source_reference=entry.reference,
            transaction_no=entry.number,
            custom_id=custom_id,
            expected_total=sum(amount for _, _, amount in sides if amount > 0),
            payload={JOURNAL_ENTRY: body},  # posted as a Jurnal journal entry
        )
    )
