"""Documents we intend to post to Jurnal, with their deterministic keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from journal_pipeline.config import MerchantConfig

SALES_INVOICE = "sales_invoice"
RECEIVE_PAYMENT = "receive_payment"


@dataclass(frozen=True)
class Document:
    """A Jurnal document we intend to post, with its deterministic keys."""

    doc_key: str
    doc_type: str
    business_date: date
    outlet_code: str
    source_id: str
    source_reference: str
    transaction_no: str
    custom_id: str
    expected_total: int
    payload: dict


def transaction_no(config: MerchantConfig, order_reference: str) -> str:
    return f"{config.transaction_no_prefix}{order_reference.lstrip('#').strip()}"
