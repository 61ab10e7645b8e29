"""Documents we intend to post to Jurnal, with their deterministic keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import non_json_values

SALES_INVOICE = "sales_invoice"
RECEIVE_PAYMENT = "receive_payment"
SALES_RETURN = "sales_return"  # a refund's or void's goods back (accounting/reversals.py)
JOURNAL_ENTRY = "journal_entry"  # the money side of a refund or void


@dataclass(frozen=True)
class Document:
    """A Jurnal document we intend to post, with its deterministic keys.

    Its payload must be plain JSON: a NaN or infinite number (a missing value that slipped
    through pandas) is refused here, before it can reach the outbox or Jurnal.
    """

    doc_key: str
    doc_type: str
    business_date: date
    outlet_code: str
    source_id: str
    source_reference: str
    transaction_no: str
    custom_id: str
    expected_total: int
    payload: dict[str, Any]

    def __post_init__(self) -> None:
        bad = list(non_json_values(self.payload))
        if bad:
            raise ValueError(f"{self.doc_key}: not a JSON value: {'; '.join(bad[:5])}")


def transaction_no(config: MerchantConfig, order_reference: str) -> str:
    return f"{config.transaction_no_prefix}{order_reference.lstrip('#').strip()}"
