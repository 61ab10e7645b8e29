"""The documents of a summary: its invoices, the deposit and one receive payment per method.

What each summary invoice's orders paid at the till is known (its total less what they still
owe); the day's takings per clearing account are spread over those amounts, the largest
method as the first invoice's deposit when it fits there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.documents import RECEIVE_PAYMENT, SALES_INVOICE, Document
from journal_pipeline.accounting.invoices import json_number
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import format_idr, to_rupiah


class SummaryError(ValueError):
    """A summary that Jurnal would not total as its orders do: the day is held, not posted."""


def summary_id(outlet: str, day: date, sequence: int = 1, group: int = 1) -> str:
    """The custom id (and outbox source id) of an outlet-day's summary invoice."""
    base = f"summary:{outlet}:{day.isoformat()}"
    if sequence > 1:
        base += f"/{sequence}"
    return base if group == 1 else f"{base}:{group}"


def summary_documents(
    invoices: list[dict[str, Any]],
    paid_on: list[Decimal],
    by_account: Mapping[str, Decimal],
    method_names: Mapping[str, str],
    config: MerchantConfig,
    day: date,
    outlet: str,
    sequence: int,
) -> list[Document]:
    """The invoices, the largest method as the first one's deposit when it fits, and one
    receive payment per other method over what each invoice's orders paid at the till."""
    left = list(paid_on)
    accounts = sorted(by_account, key=lambda a: (-by_account[a], a))
    if accounts and by_account[accounts[0]] <= left[0]:
        first = accounts.pop(0)
        invoices[0]["body"]["deposit_to_name"] = first
        invoices[0]["body"]["deposit"] = json_number(by_account[first])
        left[0] -= by_account[first]
    documents = [
        Document(
            doc_key=f"{SALES_INVOICE}:{item['body']['custom_id']}",
            doc_type=SALES_INVOICE,
            business_date=day,
            outlet_code=outlet,
            source_id=item["body"]["custom_id"],
            source_reference=item["body"]["custom_id"],
            transaction_no=item["body"]["transaction_no"],
            custom_id=item["body"]["custom_id"],
            expected_total=to_rupiah(item["total"]),
            payload={SALES_INVOICE: item["body"]},
        )
        for item in invoices
    ]
    base_id = summary_id(outlet, day, sequence)
    for n, account in enumerate(accounts, start=1):
        owed = by_account[account]
        records = []
        for i, item in enumerate(invoices):
            take = min(owed, left[i])
            if take > 0:
                number = item["body"]["transaction_no"]
                records.append({"transaction_no": number, "amount": json_number(take)})
                left[i] -= take
                owed -= take
        if owed > 0:
            raise SummaryError(
                f"summary of outlet {outlet} on {day.isoformat()}: {account} took "
                f"{format_idr(to_rupiah(by_account[account]))}, more than its invoices leave open"
            )
        custom_id = f"{base_id}/P{n}"
        number = f"{invoices[0]['body']['transaction_no']}/P{n}"
        method = method_names.get(account) or _method_of(account, config, outlet)
        body: dict[str, Any] = {
            "transaction_date": day.isoformat(),
            "transaction_no": number,
            "custom_id": custom_id,
            "deposit_to_name": account,
            "records_attributes": records,
            "payment_method_name": method,
            "memo": f"iSeller daily summary, outlet {outlet}, {day.isoformat()}: {method} payments",
        }
        documents.append(
            Document(
                doc_key=f"{RECEIVE_PAYMENT}:{custom_id}",
                doc_type=RECEIVE_PAYMENT,
                business_date=day,
                outlet_code=outlet,
                source_id=custom_id,
                source_reference=base_id,
                transaction_no=number,
                custom_id=custom_id,
                expected_total=to_rupiah(by_account[account]),
                payload={RECEIVE_PAYMENT: body},
            )
        )
    return documents


def _method_of(account: str, config: MerchantConfig, outlet: str) -> str:
    """A payment method the config maps to ``account`` (its receive payment must name one)."""
    own = config.outlet(outlet)
    for method in [*(own.payment_methods if own is not None else {}), *config.payment_methods]:
        if config.payment_account(method, None, outlet) == account:
            return method
    return account
