"""The Jurnal resources the pipeline writes, and how a record is recognised as already there.

Every document the pipeline posts carries a deterministic identity: ``custom_id`` (the source
document's key) and/or ``transaction_no``; products are identified by ``product_code`` and
customers by ``custom_id`` or ``display_name``. ``keys`` lists them in order of authority: the
first key a request carries decides whether an existing record *is* that document. Another
key clashing (a ``transaction_no`` held by a record with a different ``custom_id``) is a real
conflict, never silently merged.

Jurnal's answers do not show every key it was sent: the documented answers of stock adjustments
and warehouse transfers carry no ``custom_id``, and a stock adjustment shows its number only as
its entry's ``transaction_number`` (``"Stock In/Out#1001"``). A record that does not show a key
is recognised by the next key the request carries and the record shows (``docs/assumptions/
jurnal.md``, J-60).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class ResourceSpec:
    path: str  # e.g. "receive_payments"
    root: str  # the singular root key of one record, e.g. "receive_payment"
    keys: tuple[str, ...]  # identity fields, most authoritative first
    newest_first: Mapping[str, str] = field(default_factory=dict)  # list params, if sortable
    response_root: str | None = None  # when a create answers under another key
    # identity keys Jurnal's answers may leave out or leave empty though the request had them
    unshown: frozenset[str] = frozenset()

    def identity(self, body: Mapping[str, Any]) -> tuple[str, str] | None:
        """(field, value) of the most authoritative identity key the body carries."""
        for key in self.keys:
            value = body.get(key)
            if value not in (None, ""):
                return key, str(value)
        return None

    def unwrap(self, data: Any) -> dict[str, Any] | None:
        """The record inside a single-record answer."""
        if not isinstance(data, dict):
            return None
        for key in (self.root, self.response_root):
            if key and isinstance(data.get(key), dict):
                return data[key]
        return None


NEWEST_BY_CREATED = {"sort_key": "created_at", "sort_order": "desc"}
#: The documented answers of stock adjustments and warehouse transfers carry no custom_id.
STOCK_ANSWERS_UNSHOWN = frozenset({"custom_id"})

RESOURCES: dict[str, ResourceSpec] = {
    spec.path: spec
    for spec in (
        ResourceSpec(
            "sales_invoices", "sales_invoice", ("custom_id", "transaction_no"), NEWEST_BY_CREATED
        ),
        ResourceSpec("receive_payments", "receive_payment", ("custom_id", "transaction_no")),
        ResourceSpec("journal_entries", "journal_entry", ("custom_id", "transaction_no")),
        ResourceSpec("sales_returns", "sales_return", ("custom_id", "transaction_no")),
        ResourceSpec("credit_memos", "credit_memo", ("custom_id", "transaction_no")),
        ResourceSpec(
            "warehouse_transfers",
            "warehouse_transfer",
            ("custom_id", "transaction_no"),
            unshown=STOCK_ANSWERS_UNSHOWN,
        ),
        ResourceSpec(
            "stock_adjustments",
            "stock_adjustment",
            ("custom_id", "transaction_no"),
            unshown=STOCK_ANSWERS_UNSHOWN,
        ),
        ResourceSpec("bank_deposits", "bank_deposit", ("custom_id", "transaction_no")),
        ResourceSpec("bank_withdrawals", "bank_withdrawal", ("custom_id", "transaction_no")),
        ResourceSpec("bank_transfers", "bank_transfer", ("custom_id", "transaction_no")),
        ResourceSpec("expenses", "expense", ("custom_id", "transaction_no")),
        ResourceSpec("products", "product", ("custom_id", "product_code")),
        ResourceSpec("customers", "customer", ("custom_id", "display_name")),
        ResourceSpec("vendors", "vendor", ("custom_id", "display_name")),
        ResourceSpec("warehouses", "warehouse", ("custom_id", "code", "name")),
        ResourceSpec("taxes", "tax", ("name",), response_root="company_tax"),
    )
}


def spec_for(resource: str, root_key: str | None = None) -> ResourceSpec:
    """The spec of a known resource, or a custom_id/transaction_no one for another path."""
    resource = resource.strip("/")
    spec = RESOURCES.get(resource)
    if spec is not None:
        if root_key and root_key != spec.root:
            return replace(spec, root=root_key, response_root=None)
        return spec
    if not root_key:
        raise ValueError(f"unknown Jurnal resource {resource!r}: give its root_key")
    return ResourceSpec(resource, root_key, ("custom_id", "transaction_no"))


def entry_number(record: Mapping[str, Any]) -> str | None:
    """The number a stock adjustment's entry shows: ``"Stock In/Out#1001"`` → ``"1001"``.

    The label before the ``#`` ("Stock Adjustment", "Stock In/Out") has none of its own, while
    a number may (an iSeller reference such as ``#TR-1``): the number is all after the first."""
    entry = record.get("entry")
    text = entry.get("transaction_number") if isinstance(entry, Mapping) else None
    if not isinstance(text, str) or "#" not in text:
        return None
    return text.partition("#")[2].strip() or None


def shown_key(spec: ResourceSpec, record: Mapping[str, Any], key: str) -> str | None:
    """The value of identity ``key`` a Jurnal record shows, or None: a product's code may come
    as ``code``, a stock adjustment's number as its entry's ``transaction_number``."""
    value = record.get(key)
    if value in (None, "") and key == "product_code":
        value = record.get("code")
    if value in (None, "") and key == "transaction_no" and spec.path == "stock_adjustments":
        value = entry_number(record)
    return None if value in (None, "") else str(value)


def same_document(spec: ResourceSpec, body: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """True when ``record`` is the document ``body`` describes, by the first identity key the
    body carries; when the record does not show that key (absent, or empty where the
    resource's answers leave it out: `ResourceSpec.unshown`), by the next key the body carries
    and the record shows. A key the record shows with another value is another document."""
    for key in spec.keys:
        value = body.get(key)
        if value in (None, ""):
            continue
        found = shown_key(spec, record, key)
        if found is not None:
            return found == str(value)
        if key in record and key not in spec.unshown:
            return False  # Jurnal shows the key, and this record has none: not this document
    return False
