"""Documents we intend to post to Jurnal, with their deterministic keys."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import non_json_values

SALES_INVOICE = "sales_invoice"
RECEIVE_PAYMENT = "receive_payment"
SALES_RETURN = "sales_return"  # a refund's or void's goods back (accounting/reversals.py)
JOURNAL_ENTRY = "journal_entry"  # the money side of a refund or void
WAREHOUSE_TRANSFER = "warehouse_transfer"  # an outlet-to-outlet transfer, once received
STOCK_ADJUSTMENT = "stock_adjustment"  # a supplier receipt, a stock take, the opening stock
STOCK_DOCUMENTS = (WAREHOUSE_TRANSFER, STOCK_ADJUSTMENT)  # built and posted apart from sales
OPENING_STOCK = "opening_stock"  # `stock init`: a stock adjustment, built by hand for a date
CASH_COUNT = "cash_count"  # a journal entry of cash over/short at shift close, built apart
PAYMENT_FEE = "payment_fee"  # a journal entry of a payment's MDR or a gift card's release
PAYOUT = "payout"  # a settlement received: a bank transfer from clearing to the bank


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
    expected_total: int | None  # None: stock documents (quantities, no money total)
    payload: dict[str, Any]

    def __post_init__(self) -> None:
        bad = list(non_json_values(self.payload))
        if bad:
            raise ValueError(f"{self.doc_key}: not a JSON value: {'; '.join(bad[:5])}")

    @classmethod
    def of_checked_fields(cls, fields: dict[str, Any]) -> Document:
        """A document whose builder has checked every value of its payload already, column
        by column over the whole day (`invoice_assembly`): made without walking the payload
        again, which costs more than building it. ``fields`` (every field, by name) becomes
        the document's own, not copied."""
        if fields.keys() != _FIELD_NAMES:
            raise TypeError(f"fields {sorted(fields)} are not those of a Document")
        document = cls.__new__(cls)
        object.__setattr__(document, "__dict__", fields)  # what the frozen __init__ sets
        return document


_FIELD_NAMES = {field.name for field in fields(Document)}


def transaction_no(config: MerchantConfig, order_reference: str) -> str:
    return f"{config.transaction_no_prefix}{order_reference.lstrip('#').strip()}"


# Revisions (docs/posting-model.md, "Corrections after posting"): an order posted again after
# a correction gets keys of its own. Revision 0 keeps the keys above; revision n >= 1 appends
# ``/<n>`` to the custom_id and ``.<n>`` to the invoice number (``ISL/JKT-000101.2``), so its
# numbers never meet a return's ``/R<n>``, ``/V``, ``/RJ<n>``, ``/VJ`` or a payment's ``/P<n>``.
# The reversal of revision n is numbered after its invoice: ``<invoice no>/C`` (sales return)
# and ``<invoice no>/CJ`` (journal entry), custom_id ``<revision id>/C``.
REVERSAL_SUFFIX = "/C"


def revision_id(source_id: str, revision: int) -> str:
    """The custom_id (and outbox source id) of an order's or payment's ``revision``."""
    return source_id if revision == 0 else f"{source_id}/{revision}"


def revision_no(number: str, revision: int) -> str:
    """The invoice number of ``revision`` from the invoice number of revision 0."""
    return number if revision == 0 else f"{number}.{revision}"


def split_revision(source_id: str) -> tuple[str, int]:
    """(order id, revision) from an invoice's source id (``<order id>`` or ``<order id>/<n>``)."""
    head, sep, tail = source_id.rpartition("/")
    if sep and tail.isdigit():
        return head, int(tail)
    return source_id, 0


def money_back_numbers(invoice_no: str, kind: str, sequence: int) -> tuple[str, str]:
    """The numbers of a refund's sales return and journal entry (``<invoice no>/R<n>``,
    ``/RJ<n>`` for the order's n-th refund), or a void's (``/V``, ``/VJ``)."""
    letter = "V" if kind == "void" else "R"
    suffix = "" if kind == "void" else str(sequence)
    return f"{invoice_no}/{letter}{suffix}", f"{invoice_no}/{letter}J{suffix}"
