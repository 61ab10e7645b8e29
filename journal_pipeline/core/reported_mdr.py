"""The fee iSeller reports it kept from a payment: its ``transactions[].mdr[]`` entries.

The document's MDR table has two fields: ``payment_method_fee`` ("The payment method for the
transaction") and ``total_amount_fee`` ("The total amount after fee for the transaction"). The
first is read three ways (I-49, docs/assumptions/iseller.md): the fee in rupiah (its name; the
reading served by default), the fee's rate in percent, or the payment method itself, as its
description says. ``total_amount_fee`` is what the payment leaves after the fee under each.

So an entry's fee is its ``payment_method_fee`` in rupiah when that is a number the entry's
``total_amount_fee`` confirms (the two add up to the payment, or no ``total_amount_fee`` is
given); the payment less its ``total_amount_fee`` when ``payment_method_fee`` is text, absent,
or the rate that leaves exactly that (to a rupiah). A number neither reading confirms is read
as rupiah, the documented reading; the reconciliation against the bank shows it if wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from journal_pipeline.core.money import to_rupiah


def mdr_fee(transaction: Mapping[str, Any]) -> int | None:
    """The fee of the transaction's ``mdr[]`` entries, summed; None when it lists none."""
    entries = transaction.get("mdr") or []
    if not entries:
        return None
    paid = abs(_rupiah(transaction.get("amount")) or 0)
    return sum(_entry_fee(entry, paid) for entry in entries)


def _entry_fee(entry: Mapping[str, Any], paid: int) -> int:
    stated = _number(entry.get("payment_method_fee"))
    net = _rupiah(entry.get("total_amount_fee"))
    if net is None:
        return 0 if stated is None else to_rupiah(stated)
    kept = paid - abs(net)
    if stated is None:  # the payment method's name, or nothing: the net says it
        return kept
    if to_rupiah(stated) == kept:
        return kept
    if abs(to_rupiah(paid * stated / 100) - kept) <= 1:  # a rate in percent
        return kept
    return to_rupiah(stated)


def _number(value: object) -> Decimal | None:
    """``value`` as a Decimal when it is a number (or numeric text), else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _rupiah(value: object) -> int | None:
    number = _number(value)
    return None if number is None else to_rupiah(number)
