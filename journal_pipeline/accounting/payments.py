"""Payments: how what the customer paid settles each invoice.

- Paid at the till with one clearing account: the invoice's deposit (no extra document).
- Paid at the till with several accounts (split payment): the largest account is the
  invoice's deposit; every other payment is a Jurnal receive payment on the sale's date.
- Paid on a later day (on-account orders): a receive payment on the payment's own business
  date, and in the canonical journal Dr payment clearing / Cr receivable.

Every receive payment is keyed by the iSeller transaction id (``custom_id``) and numbered
``<invoice number>/P<n>``, n counting the order's payments in time order, so re-runs find it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from journal_pipeline.accounting.documents import RECEIVE_PAYMENT, Document, transaction_no
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.labels import payment_method
from journal_pipeline.accounting.posting_rules import DatedPayment, records_by_order
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.money import format_idr

FIX_HINT = "Add it to the config file (JOURNAL_PIPELINE_CONFIG), then run the day again."


@dataclass(frozen=True)
class Settlement:
    """How the payments made at the till settle one invoice."""

    deposit_account: str | None
    deposit: int
    # (payment, account): receive payments on the sale's date
    other_payments: list[tuple[DatedPayment, str]]
    unmapped: list[DatedPayment]  # payments whose method has no account


def _account(payment: DatedPayment, config: MerchantConfig, outlet_code: str | None) -> str | None:
    """The clearing account of a payment's method (by its name, else its gateway)."""
    return config.payment_account(
        text_or_none(payment.payment_type_name), text_or_none(payment.gateway), outlet_code
    )


#: Clearing accounts found, by (method name, gateway, outlet code): for one config only.
AccountMemo = dict[tuple[str | None, str | None, str | None], str | None]


def settle_at_sale(
    payments: list[DatedPayment],
    config: MerchantConfig,
    outlet_code: str | None,
    *,
    memo: AccountMemo | None = None,
) -> Settlement:
    """Split the payments made at the till into the invoice deposit and receive payments.
    ``memo``: the accounts found for earlier orders under the same config, to look up once."""
    mapped: list[tuple[DatedPayment, str]] = []
    unmapped: list[DatedPayment] = []
    for payment in payments:
        if memo is None:
            account = _account(payment, config, outlet_code)
        else:
            key = (
                text_or_none(payment.payment_type_name),
                text_or_none(payment.gateway),
                outlet_code,
            )
            if key not in memo:
                memo[key] = config.payment_account(*key)
            account = memo[key]
        if account is None:
            unmapped.append(payment)
        else:
            mapped.append((payment, account))
    if not mapped:
        return Settlement(None, 0, [], unmapped)
    totals: dict[str, int] = {}
    for payment, account in mapped:
        totals[account] = totals.get(account, 0) + int(payment.amount)
    deposit_account = max(totals, key=lambda account: totals[account])  # first largest on a tie
    return Settlement(
        deposit_account,
        totals[deposit_account],
        [(p, a) for p, a in mapped if a != deposit_account],
        unmapped,
    )


_UNDATED = datetime.max.replace(tzinfo=UTC)


def _sequence(order_payments: list[DatedPayment]) -> dict[str, int]:
    """1-based position of each sale payment of an order, in time order (undated last)."""
    sales = sorted(
        (p for p in order_payments if p.type == "sale"),
        key=lambda p: (p.transaction_date or _UNDATED, p.transaction_id),
    )
    return {p.transaction_id: n for n, p in enumerate(sales, start=1)}


def receive_payment(
    payment: DatedPayment, *, account: str, day: date, config: MerchantConfig, sequence: int
) -> Document:
    """The Jurnal receive payment of one iSeller payment, against its order's invoice.

    Its method is the payment's name in iSeller, else its gateway (the account was found by
    one of the two, so one is there)."""
    reference = _reference(payment)
    invoice_no = transaction_no(config, reference)
    number = f"{invoice_no}/P{sequence}"
    method = payment_method(payment.payment_type_name, payment.gateway)
    body: dict[str, Any] = {
        "transaction_date": day.isoformat(),
        "transaction_no": number,
        "custom_id": payment.transaction_id,
        "deposit_to_name": account,
        "records_attributes": [{"transaction_no": invoice_no, "amount": int(payment.amount)}],
        "memo": f"iSeller payment {method} of order {reference}"
        if method
        else f"iSeller payment of order {reference}",
    }
    if method:
        body["payment_method_name"] = method
    return Document(
        doc_key=f"{RECEIVE_PAYMENT}:{payment.transaction_id}",
        doc_type=RECEIVE_PAYMENT,
        business_date=day,
        outlet_code=payment.outlet_code or "?",
        source_id=payment.transaction_id,
        source_reference=reference,
        transaction_no=number,
        custom_id=payment.transaction_id,
        expected_total=int(payment.amount),
        payload={RECEIVE_PAYMENT: body},
    )


def _reference(payment: DatedPayment) -> str:
    """The payment's order reference (its order id when the order is not known)."""
    return text_or_none(payment.order_reference) or payment.order_id


def _payment_hold(payment: DatedPayment, day: date, reason: str) -> Hold:
    method = payment_method(payment.payment_type_name, payment.gateway) or "method not named"
    reference = _reference(payment)
    outlet = payment.outlet_code or "?"
    return Hold(
        "payment",
        payment.transaction_id,
        reference,
        outlet,
        day,
        f"Payment {format_idr(int(payment.amount))} ({method}) of order "
        f"{reference} (outlet {outlet}, {day.isoformat()}): {reason}",
        RECEIVE_PAYMENT,
    )


@cycle_collection_paused()
def later_payment_entries(
    later: pd.DataFrame, all_payments: pd.DataFrame, config: MerchantConfig, day: date
) -> tuple[list[dict[str, Any]], list[Document], list[Hold]]:
    """Journal lines, receive payments and holds for payments of orders sold on earlier days
    (both frames: rows of `DatedPayment`)."""
    lines: list[dict[str, Any]] = []
    documents: list[Document] = []
    holds: list[Hold] = []
    if not len(later):
        return lines, documents, holds
    # the payments of the orders paid later (for their sequence), not every payment staged
    by_order: dict[str, list[DatedPayment]] = records_by_order(
        all_payments[all_payments["order_id"].isin(set(later["order_id"]))]
    )
    for pay in later.itertuples(index=False):
        account = _account(pay, config, pay.outlet_code)
        receivable = config.account("receivable", pay.outlet_code)
        method = payment_method(pay.payment_type_name, pay.gateway)
        if account is None or receivable is None or method is None:
            # a mapped account was found by the method's name or gateway: then it has a method
            missing = "payment_methods" if account is None else "accounts.receivable"
            holds.append(
                _payment_hold(pay, day, f"no account mapping; add it under {missing}. {FIX_HINT}")
            )
            continue
        entry = f"payment:{pay.transaction_id}"
        common = {
            "entry_id": entry,
            "business_date": day,
            "outlet_code": pay.outlet_code,
            "source_type": "payment",
            "source_id": pay.transaction_id,
            "source_reference": _reference(pay),
            "is_estimate": False,
        }
        lines.append(
            {
                **common,
                "line_no": 1,
                "account_role": f"payment:{method}",
                "account_name": account,
                "debit": int(pay.amount),
                "credit": 0,
                "description": f"{method} payment of an on-account order",
            }
        )
        lines.append(
            {
                **common,
                "line_no": 2,
                "account_role": "receivable",
                "account_name": receivable,
                "debit": 0,
                "credit": int(pay.amount),
                "description": "receivable settled",
            }
        )
        sequence = _sequence(by_order[pay.order_id])[pay.transaction_id]
        documents.append(
            receive_payment(pay, account=account, day=day, config=config, sequence=sequence)
        )
    return lines, documents, holds


def split_payment_documents(
    settlement: Settlement, order_payments: list[DatedPayment], config: MerchantConfig, day: date
) -> list[Document]:
    """Receive payments for the till payments that are not the invoice's deposit."""
    sequence = _sequence(order_payments)
    return [
        receive_payment(
            p, account=account, day=day, config=config, sequence=sequence[p.transaction_id]
        )
        for p, account in settlement.other_payments
    ]
