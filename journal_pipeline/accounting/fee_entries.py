"""A journal entry moving a fee by a signed amount against a payment method's clearing account:
what a day's fee is beyond its payments' (`day_fees`), what a payment's fee became after its
entry was posted (`fee_changes`). A part above zero debits its account (more fee kept), below
zero credits it (fee given back); the clearing account takes their sum the other way. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from journal_pipeline.accounting import periods
from journal_pipeline.accounting.documents import JOURNAL_ENTRY, PAYMENT_FEE, Document
from journal_pipeline.accounting.mdr import PaymentEntries, entry_id, line_source
from journal_pipeline.config import MerchantConfig

CLEARING_ROLE = "payment:"  # the role prefix of a fee entry's clearing line (`mdr._add`)


@dataclass(frozen=True)
class SignedEntry:
    """Who and what one entry is: its keys, words and accounts."""

    suffix: str  # of the entry's keys (`mdr.ENTRY_KINDS`)
    key: str  # its custom_id before ``/<suffix>``
    number: str  # its Jurnal number
    reference: str  # the order or day it is of, for a person
    outlet: str
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
        "tags": [entry.outlet],
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
            outlet_code=entry.outlet,
            source_id=custom_id,
            source_reference=entry.reference,
            transaction_no=entry.number,
            custom_id=custom_id,
            expected_total=sum(amount for _, _, amount in sides if amount > 0),
            payload={JOURNAL_ENTRY: body},
        )
    )
