"""Receive payments of an outlet-day that settle invoices of other days, rolled back and posted
again (docs/posting-model.md, "Corrections after posting").

A rollback reverses the outlet-day's invoices with everything booked for their orders; a
payment made on the day for an invoice of another day (an on-account order paid later) is not
part of those, so it is reversed on its own. Jurnal keeps the receive payment as it is (the
invoice stays paid there); the reversal is a **journal entry** ``<payment no>/C`` (``custom_id``
``<payment custom id>/C``), canonical entry ``reverse_payment:<payment custom id>``::

    Cr payment clearing    what the payment debited
    Dr receivable          what it credited

so the outlet-day's clearing account moves by nothing and the order owes again. A repost books
the payment again as a journal entry ``<payment no>.<n>`` (``custom_id`` ``<payment custom
id>.<n>``, entry ``payment:<payment custom id>.<n>``): Dr the clearing account the current
config maps the method to, Cr receivable. A second receive payment would pay the invoice twice
in Jurnal; the journal entry moves the same accounts. The reversal of a payment posted again is
``<payment no>.<n>/C``.

A payment's revisions are kept with the orders' (`order_revisions`) under the id
``payment:<payment custom id>`` (`payment_key`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting import periods
from journal_pipeline.accounting.documents import JOURNAL_ENTRY, REVERSAL_SUFFIX, Document
from journal_pipeline.accounting.invoices import json_number
from journal_pipeline.config import MerchantConfig

PAYMENT_KEY = "payment:"


def payment_key(custom_id: str) -> str:
    """The `order_revisions` id of a receive payment's revisions."""
    return f"{PAYMENT_KEY}{custom_id}"


def is_payment_key(order_id: str) -> bool:
    return order_id.startswith(PAYMENT_KEY)


@dataclass(frozen=True)
class PostedPayment:
    """A payment as booked: its first receive payment, or a revision of it posted again."""

    custom_id: str  # of the receive payment (revision 0)
    transaction_no: str  # of the receive payment (revision 0)
    order_reference: str
    outlet_code: str
    revision: int
    lines: list[dict[str, Any]]  # the canonical lines of this revision


def revision_keys(payment: PostedPayment, revision: int | None = None) -> tuple[str, str]:
    """(custom id, number) of the payment's ``revision`` (its own by default)."""
    n = payment.revision if revision is None else revision
    if n == 0:
        return payment.custom_id, payment.transaction_no
    return f"{payment.custom_id}.{n}", f"{payment.transaction_no}.{n}"


def _net(lines: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], int]:
    net: dict[tuple[str, str], int] = {}
    for row in lines:
        key = (str(row["account_role"]), str(row["account_name"]))
        net[key] = net.get(key, 0) + int(row["debit"]) - int(row["credit"])
    return {k: v for k, v in sorted(net.items()) if v}


def _entry(
    number: str, custom: str, day: date, memo: str, outlet: str, net: Mapping[Any, int]
) -> dict[str, Any]:
    return {
        "transaction_date": day.isoformat(),
        "transaction_no": number,
        "custom_id": custom,
        "memo": memo,
        "tags": [outlet],
        "transaction_account_lines_attributes": [
            {
                "account_name": account,
                ("debit" if amount > 0 else "credit"): json_number(Decimal(abs(amount))),
                "description": memo.split(":")[0],
            }
            for (_, account), amount in net.items()
        ],
    }


def _lines(
    net: Mapping[tuple[str, str], int],
    *,
    entry: str,
    source_type: str,
    source_id: str,
    payment: PostedPayment,
    day: date,
    description: str,
) -> list[dict[str, Any]]:
    return [
        {
            "entry_id": entry,
            "business_date": day,
            "outlet_code": payment.outlet_code,
            "source_type": source_type,
            "source_id": source_id,
            "source_reference": payment.order_reference,
            "line_no": n,
            "account_role": role,
            "account_name": account,
            "debit": max(amount, 0),
            "credit": max(-amount, 0),
            "description": f"{description}: {role}",
            "is_estimate": False,
        }
        for n, ((role, account), amount) in enumerate(net.items(), start=1)
    ]


def _document(
    payment: PostedPayment, day: date, custom: str, number: str, body: dict[str, Any]
) -> Document:
    lines = body["transaction_account_lines_attributes"]
    total = sum(int(Decimal(str(line.get("debit", 0)))) for line in lines)
    return Document(
        doc_key=f"{JOURNAL_ENTRY}:{custom}",
        doc_type=JOURNAL_ENTRY,
        business_date=day,
        outlet_code=payment.outlet_code,
        source_id=custom,
        source_reference=payment.order_reference,
        transaction_no=number,
        custom_id=custom,
        expected_total=total,
        payload={JOURNAL_ENTRY: body},
    )


def payment_reversal(
    payment: PostedPayment, config: MerchantConfig, day: date, *, reason: str
) -> tuple[list[dict[str, Any]], list[Document]]:
    """The payment's revision reversed on ``day``: canonical lines and the journal entry."""
    custom, number = revision_keys(payment)
    net = {key: -amount for key, amount in _net(payment.lines).items()}
    source_id, entry_no = f"{custom}{REVERSAL_SUFFIX}", f"{number}{REVERSAL_SUFFIX}"
    said = f"reversal of payment {number}"
    lines = _lines(
        net,
        entry=f"reverse_payment:{custom}",
        source_type="reversal",
        source_id=source_id,
        payment=payment,
        day=periods.correction_date(day, config).day,  # dated as its journal entry
        description=said,
    )
    if not net:
        return lines, []
    posting = periods.correction_date(day, config)
    note = f"; {posting.note}" if posting.note else ""
    memo = (
        f"Reversal of receive payment {number} (iSeller order {payment.order_reference}, "
        f"outlet {payment.outlet_code}): {reason}{note}"
    )
    body = _entry(entry_no, source_id, posting.day, memo, payment.outlet_code, net)
    return lines, [_document(payment, day, source_id, entry_no, body)]


def payment_again(
    payment: PostedPayment, config: MerchantConfig, day: date, revision: int, *, reason: str
) -> tuple[list[dict[str, Any]], list[Document]]:
    """The payment booked again on ``day`` as ``revision``, to the accounts the current
    config maps its roles to (those it was booked to when the config maps none)."""
    custom, number = revision_keys(payment, revision)
    outlet = payment.outlet_code
    net: dict[tuple[str, str], int] = {}
    for (role, account), amount in _net(payment.lines).items():
        if role.startswith("payment:"):
            now = config.payment_account(role.split(":", 1)[1], None, outlet)
        else:
            now = config.account(role, outlet)
        key = (role, now or account)
        net[key] = net.get(key, 0) + amount
    first = revision_keys(payment, 0)[1]
    said = f"payment {first} posted again"
    lines = _lines(
        net,
        entry=f"payment:{custom}",
        source_type="payment",
        source_id=custom,
        payment=payment,
        day=periods.correction_date(day, config).day,  # dated as its journal entry
        description=said,
    )
    posting = periods.correction_date(day, config)
    note = f"; {posting.note}" if posting.note else ""
    memo = (
        f"Receive payment {first} posted again, revision {revision} (iSeller order "
        f"{payment.order_reference}, outlet {outlet}; reversed by {revision_keys(payment)[1]}"
        f"{REVERSAL_SUFFIX}): {reason}{note}"
    )
    body = _entry(number, custom, posting.day, memo, outlet, net)
    return lines, [_document(payment, day, custom, number, body)]
