"""Payouts: a settlement received in the bank moves its money out of the payment method's
clearing account (docs/reconciliation.md, "Payouts"). Pure.

Each money-in line of a bank statement file that the reconciliation matched to an expected
settlement (status matched, short or over) is one canonical entry and one Jurnal bank transfer,
dated the day the money arrived, for the amount received (a line that paid several outlets'
rows at once, one per row for its part, `shared_settlements`; their keys end with the row's
takings day, outlet and method, `payout_key`):

    Dr the settlement's bank account / Cr the method's clearing account

and the other way for a money-out line that took back what a day's refunds above its takings
left owing (a row with a negative ``received``).

A short settlement leaves its difference in the clearing account (and an over one takes more
out): the clearing account then shows what is still to be explained. A line that matches no
row posts nothing. Keys follow the statement line: entry ``payout:<line key>``, custom_id
``PAYOUT/<line key>``, number ``PAYOUT/<YYYYMMDD receipt>/<bank reference>`` (the line key's
first 16 characters instead when the reference is empty, long, or shared by another receipt of
the day).

A payout posted for a line that no row holds any more (the row matched another line since) is
not posted again nor undone silently: it is a held record of its receipt day naming the transfer
and how to reverse it (``payout:STANDING/<line key>``), and while it stands, no other payout of
the same row (outlet, method, takings day) is posted; each is held, naming it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from journal_pipeline.accounting.documents import PAYOUT, Document
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.periods import is_locked, locked_reason
from journal_pipeline.accounting.posting_rules import journal_frame
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import format_idr

PAYOUT_ENTRY = "payout:"  # the journal part "payout" (StagingStore.JOURNAL_PARTS)
PAYMENT_ROLE = "payment:"  # account role of a method's clearing lines: payment:<method>
TakingsKey = tuple[str, str, date]  # (outlet, payment method, takings day)
PAID_STATUSES = ("matched", "short", "over")
NUMBER_PREFIX = "PAYOUT/"
PART_DIGEST = 8  # hex digits naming a row's part of a shared line in its payout key
OUTLET_IN_NUMBER = 10  # an outlet code's characters in the number of a part
NUMBER_LENGTH = 64  # the longest number staged (outbox source_reference)
READABLE_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,29}")
FIX_HINT = "Add it to the config file (JOURNAL_PIPELINE_CONFIG), then run the day again."
STANDING = "STANDING/"  # source id prefix of the hold of a payout whose line no row holds
MEMO_HEAD = re.compile(
    r"^(?P<method>.+?) settlement of (?P<outlet>\S+) takings (?P<day>[-\d]{10}):"
)


@dataclass(frozen=True)
class Receipt:
    """A bank line matched to an expected settlement (a staged reconciliation row)."""

    line_key: str
    received_date: date
    amount: Decimal  # the money that arrived
    bank_account: str
    outlet_code: str
    method: str
    takings_date: date  # the business day whose takings it settles
    expected: int
    status: str
    reference: str  # the bank's reference, else its description
    line_amount: Decimal | None = None  # the whole line's (a row may have a part of it)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Receipt:
        """From a row of `storage.reconciliation.received_on`."""
        return cls(
            line_key=str(row["line_key"]),
            received_date=row["received_date"],
            amount=Decimal(str(row["received"])),
            bank_account=str(row["bank_account"]),
            outlet_code=str(row["outlet_code"]),
            method=str(row["payment_method"]),
            takings_date=row["business_date"],
            expected=int(row["expected"]),
            status=str(row["status"]),
            reference=str(row.get("line_reference") or row.get("reference") or ""),
            line_amount=None
            if row.get("line_amount") is None
            else Decimal(str(row["line_amount"])),
        )

    @property
    def label(self) -> str:
        return (
            f"Settlement {self.reference or self.line_key[:16]} of {self.outlet_code} "
            f"{self.method} takings {self.takings_date.isoformat()} (received "
            f"{self.received_date.isoformat()} in {self.bank_account})"
        )


@dataclass(frozen=True)
class StandingPayout:
    """A payout posted to Jurnal for a bank line that no reconciliation row holds any more."""

    line_key: str
    number: str
    amount: int
    received_date: date
    outlet_code: str
    clearing: str
    bank_account: str
    memo: str
    jurnal_id: int | None = None

    @property
    def row(self) -> TakingsKey | None:
        """(outlet, method, takings day) its memo names (`memo_head`), if it names one."""
        found = MEMO_HEAD.match(self.memo)
        if found is None:
            return None
        try:
            return (found["outlet"], found["method"], date.fromisoformat(found["day"]))
        except ValueError:
            return None

    @property
    def label(self) -> str:
        jurnal = f", Jurnal id {self.jurnal_id}" if self.jurnal_id is not None else ""
        return (
            f"payout {self.number} ({format_idr(self.amount)} from {self.clearing} to "
            f"{self.bank_account} on {self.received_date.isoformat()}{jurnal})"
        )

    @property
    def reversal(self) -> str:
        return (
            f"If that line was not this settlement, delete the bank transfer {self.number} in "
            f"Jurnal (or transfer {format_idr(self.amount)} back from {self.bank_account} to "
            f"{self.clearing}), then run: journal-pipeline resolve "
            f'{PAYOUT}:{STANDING}{self.line_key} --note "<what was done>"'
        )


def memo_head(method: str, outlet_code: str, takings_date: date) -> str:
    """The start of a payout's memo: it names the row the payout settles."""
    return f"{method} settlement of {outlet_code} takings {takings_date.isoformat()}"


@dataclass
class PayoutBuild:
    """The payouts of one receipt day."""

    day: date
    lines: list[dict[str, Any]] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)

    def journal_frame(self) -> pd.DataFrame:
        return journal_frame(self.lines)

    @property
    def total(self) -> int:
        return sum(d.expected_total or 0 for d in self.documents)


def payout_key(line_key: str, whole: bool, takings_date: date, outlet: str, method: str) -> str:
    """A payout's key: its line's key when the row took the whole line, else (the row's part of
    a line it shares with other rows, of its day or others) followed by a digest of the row's
    takings day, outlet and method, so that the key stays the same as other rows join the line
    (and short: the memo names the row)."""
    if whole:
        return line_key
    return f"{line_key}/{part_digest(takings_date, outlet, method)}"


def part_digest(takings_date: date, outlet: str, method: str) -> str:
    text = f"{takings_date:%Y%m%d}|{outlet}|{method.casefold()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:PART_DIGEST]


def whole_line(received: Decimal | None, line_amount: Decimal | None) -> bool:
    """A row took the whole of its line (not a part it shares), as far as is known."""
    return received is None or line_amount is None or abs(received) == line_amount


def receipt_keys(receipts: Iterable[Receipt]) -> dict[Receipt, str]:
    """Each receipt's payout key (`payout_key`): a part when its line pays other receipts too,
    or when it took less than the whole line."""
    receipts = list(receipts)
    rows_of_line = Counter(r.line_key for r in receipts)
    return {
        r: payout_key(
            r.line_key,
            rows_of_line[r.line_key] == 1 and whole_line(r.amount, r.line_amount),
            r.takings_date,
            r.outlet_code,
            r.method,
        )
        for r in receipts
    }


def payout_numbers(receipts: Iterable[Receipt]) -> dict[Receipt, str]:
    """Receipt → its transfer's number: readable from the bank's reference when that is short,
    plain and the only line of its day with it, else from the line key; for its part of a line
    it shares, the row's outlet and the start of its key's digest after it."""
    receipts = list(receipts)
    keys = receipt_keys(receipts)
    lines = {(r.received_date, r.reference, r.line_key) for r in receipts}
    shared = Counter((day, reference) for day, reference, _ in lines)
    numbers = {}
    for r in receipts:
        readable = READABLE_REFERENCE.fullmatch(r.reference) is not None
        tail = r.reference if readable and shared[(r.received_date, r.reference)] == 1 else None
        digest = keys[r].removeprefix(r.line_key).removeprefix("/")
        own = f"/{r.outlet_code[:OUTLET_IN_NUMBER]}-{digest[:6]}" if digest else ""
        head = f"{NUMBER_PREFIX}{r.received_date:%Y%m%d}/"
        if len(f"{head}{tail}{own}") > NUMBER_LENGTH:
            tail = None
        numbers[r] = f"{head}{tail or r.line_key[:16]}{own}"
    return numbers


def payout_entries(
    receipts: Iterable[Receipt],
    config: MerchantConfig,
    day: date,
    booked: Mapping[TakingsKey, str] | None = None,
    standing: Iterable[StandingPayout] = (),
) -> PayoutBuild:
    """The payouts of the receipts that arrived on ``day`` (others are left out). ``booked``:
    the clearing account each (outlet, method, takings day) was booked into; a settlement
    leaves that account even when the config has mapped the method elsewhere since (the
    config's account serves takings without one). ``standing``: payouts posted for lines no
    row holds any more; each is held on its receipt day, and blocks its row's other payouts."""
    build = PayoutBuild(day)
    standing = list(standing)
    for old in standing:
        if old.received_date == day:
            build.holds.append(
                Hold(
                    "bank_statement_line",
                    f"{STANDING}{old.line_key}",
                    old.number,
                    old.outlet_code,
                    day,
                    f"The {old.label} moved money for a bank line that no reconciliation row "
                    f"holds any more ({old.memo}). {old.reversal}",
                    PAYOUT,
                )
            )
    todays = sorted(
        (r for r in receipts if r.received_date == day and r.status in PAID_STATUSES),
        key=lambda r: (r.outlet_code, r.method, r.takings_date, r.line_key),
    )
    numbers, keys = payout_numbers(todays), receipt_keys(todays)
    for receipt in todays:
        key = (receipt.outlet_code, receipt.method, receipt.takings_date)
        earlier = [old for old in standing if old.row == key and old.line_key != keys[receipt]]
        if earlier:
            _hold(
                build,
                receipt,
                keys[receipt],
                numbers[receipt],
                f"the {earlier[0].label} already moved this settlement's money out of clearing, "
                f"for another bank line; it is not posted a second time. {earlier[0].reversal}; "
                "the next run posts this one",
            )
            continue
        _add(build, receipt, keys[receipt], numbers[receipt], config, (booked or {}).get(key))
    return build


def booked_accounts(
    debits: Iterable[tuple[str, str, date, str | None, int]], wanted: Iterable[TakingsKey]
) -> dict[TakingsKey, str]:
    """(outlet, method, takings day) → the account a method's takings are in: of the canonical
    journal's debits on ``payment:<method>`` lines (outlet, role, day, account, debit), the
    account debited most that day, whatever the config maps the method to now (a method
    compared without case: the journal books it as each payment spells it)."""
    keys = {
        (outlet, method.casefold(), day): (outlet, method, day) for outlet, method, day in wanted
    }
    best: dict[TakingsKey, tuple[int, str]] = {}
    for outlet, role, day, account, debit in debits:
        key = keys.get((outlet, role.removeprefix(PAYMENT_ROLE).casefold(), day))
        if key and account and (key not in best or int(debit) > best[key][0]):
            best[key] = (int(debit), account)
    return {key: account for key, (_, account) in best.items()}


def _hold(build: PayoutBuild, receipt: Receipt, key: str, number: str, reason: str) -> None:
    build.holds.append(
        Hold(
            "bank_statement_line",
            f"{NUMBER_PREFIX}{key}",
            number,
            receipt.outlet_code,
            build.day,
            f"{receipt.label}: {reason}",
            PAYOUT,
        )
    )


def _add(
    build: PayoutBuild,
    receipt: Receipt,
    key: str,
    number: str,
    config: MerchantConfig,
    booked: str | None,
) -> None:
    # takings never built here: the account mapped on their day (`config_history`)
    mapped = config.on(receipt.takings_date).payment_account(
        receipt.method, None, receipt.outlet_code
    )
    clearing = booked or mapped
    amount = receipt.amount
    if clearing is None:
        _hold(
            build,
            receipt,
            key,
            number,
            f"the payment method {receipt.method} has no clearing account; add it under "
            f"payment_methods. {FIX_HINT}",
        )
        return
    if clearing.casefold() == receipt.bank_account.casefold():
        return  # paid straight into the bank account: nothing to move
    if amount == 0 or amount != amount.to_integral_value():
        _hold(
            build,
            receipt,
            key,
            number,
            f"the amount {amount} is not a whole, non-zero number of rupiah; move it between "
            f"{clearing} and {receipt.bank_account} by hand with a bank transfer in Jurnal",
        )
        return
    if is_locked(day := build.day, config):
        _hold(build, receipt, key, number, locked_reason(day, config))
        return
    rupiah = int(amount)  # negative: the gateway took back what refunds left owing
    custom_id = f"{NUMBER_PREFIX}{key}"
    short = receipt.expected - rupiah
    memo = (
        f"{memo_head(receipt.method, receipt.outlet_code, receipt.takings_date)}: "
        f"bank reference {receipt.reference or '-'}"
    )
    if key != receipt.line_key:
        memo += "; its part of one transfer for several outlets"
    if mapped and mapped.casefold() != clearing.casefold():
        memo += f"; out of {clearing}, where the takings were booked (now mapped to {mapped})"
    if rupiah < 0:
        memo += f"; {format_idr(-receipt.expected)} owed back (refunds and fees above the takings)"
        if short:
            memo += f", {format_idr(abs(short))} {'more' if short > 0 else 'less'} taken"
    elif short:
        memo += (
            f"; expected {format_idr(receipt.expected)}, {format_idr(abs(short))} "
            f"{'short (left in the clearing account)' if short > 0 else 'over'}"
        )
    text = f"{receipt.method} settlement {'received' if rupiah > 0 else 'taken back'}"
    into, out_of = (
        (receipt.bank_account, clearing) if rupiah > 0 else (clearing, receipt.bank_account)
    )
    moved = abs(rupiah)
    into_role = "bank" if rupiah > 0 else f"{PAYMENT_ROLE}{receipt.method}"
    out_role = f"{PAYMENT_ROLE}{receipt.method}" if rupiah > 0 else "bank"
    sides = ((into_role, into, moved, 0), (out_role, out_of, 0, moved))
    for line_no, (role, account, debit, credit) in enumerate(sides, start=1):
        build.lines.append(
            {
                "entry_id": f"{PAYOUT_ENTRY}{key}",
                "business_date": day,
                "outlet_code": receipt.outlet_code,
                "source_type": "bank_statement_line",
                "source_id": key,
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
    body = {
        "refund_from_name": out_of,
        "deposit_to_name": into,
        "transfer_amount": moved,
        "transaction_date": day.isoformat(),
        "transaction_no": number,
        "custom_id": custom_id,
        "memo": memo,
        "tags": [receipt.outlet_code],
    }
    build.documents.append(
        Document(
            doc_key=f"{PAYOUT}:{custom_id}",
            doc_type=PAYOUT,
            business_date=day,
            outlet_code=receipt.outlet_code,
            source_id=custom_id,
            source_reference=number,
            transaction_no=number,
            custom_id=custom_id,
            expected_total=moved,
            payload={"bank_transfer": body},
        )
    )
