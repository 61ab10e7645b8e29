"""How a dialect states an order's money (`Dialect.service_charge`, `Dialect.rounding_sign`,
`Dialect.cogs_price`), keeping its identity exact.

The emulator stores every order in the documented reading (I-20). For a tax-inclusive order
with a service charge ``C`` (``total_additional_subtotal_amount``) the tax on the charge
``T = round(C × r / 100)`` is added on top, no line carries it, and it is part of
``total_tax_amount``::

    total_amount = subtotal + C + T + rounding_amount

The other readings restate the SAME sale: ``total_amount``, the payments, every line's
``subtotal`` and ``tax_amount`` stay as they are; only where the tax on the charge is shown
changes. ``L`` is Σ line ``tax_amount``::

    reading              total_additional_subtotal_amount  total_tax_amount  line additional_charge
    net (documented)     C                                 L + T             its share of C
    gross                C + T                             L + T             its share of C + T
    gross_untaxed_total  C + T                             L                 its share of C + T

so in both gross readings ``total_amount = subtotal + total_additional_subtotal_amount +
rounding_amount``. A line's ``additional_charge`` follows its order's charge: stated with its
tax, a line's share is its documented share plus its part of ``T``, ``T`` spread over the lines
pro rata by their documented shares (largest remainder, ties to the earlier line), so the lines
still add up to the order's charge. Tax-exclusive orders, orders without a service charge and
orders whose charge carries no tax are served unchanged in every dialect.

The rounding (I-31): stored as ``total_amount − amount due``, positive when the till rounded
up (``rounding_sign=added``); ``subtracted`` serves ``amount due − total_amount``, the same
number with the opposite sign, so that ``total_amount = parts − rounding_amount``. Nothing else
changes.

The cost of goods (I-19, `state_cogs`): stored with each ``cogs[]`` entry's ``buying_price``
the unit cost (``cogs_price=unit``); ``total`` serves ``quantity × unit cost`` there instead.
The order's ``buying_price`` (Σ quantity × unit cost) is the same in both.

The payments (I-22, I-23, I-33; `state_payments`, `state_payment`): a ``refund`` or ``void``
transaction is stored with a positive ``amount``, its size (``refund_sign=positive``);
``negative`` serves it below zero, a signed money movement, in GetOrders' ``transactions[]``
and in GetTransactions alike. A sale, ``refunded_orders[].refund_amount`` and the summaries
(which net refunds and voids per method in every dialect) are not changed.

`state_money` (service charge and rounding) is pure and works on any order in the documented
reading, rendered (`iseller_app.render_order`, numbers as floats or Decimals) or as stored,
with or without ``order_details``: GetOrderSummary calls it on the stored orders to sum their
fields as GetOrders serves them (its ``rounding_amount`` follows the dialect's sign). The cost
entries are not among the summed fields: GetOrderSummary's ``units_hpp[]`` keeps unit costs with
their quantities, so `state_cogs` is applied to served orders only (`dialect.serve_order`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from journal_sandbox.demo_merchant import allocate
from journal_sandbox.dialect import Dialect

CENT = Decimal("0.01")

#: The order fields whose sum with ``subtotal`` and the service-charge tax is ``total_amount``
#: for a tax-inclusive order in the documented reading (I-20).
_OTHER_PARTS = (
    "total_additional_order_amount",
    "total_additional_final_amount",
    "total_shipping_amount",
    "rounding_amount",
)


def _amount(value: Any) -> int:
    """A whole-rupiah amount as an int (None and absent are 0)."""
    if value is None or value == "":
        return 0
    amount = Decimal(str(value))
    if amount != amount.to_integral_value():
        raise ValueError(f"not a whole rupiah amount: {value!r}")
    return int(amount)


def _like(original: Any, amount: int) -> Any:
    """``amount`` in the number type of ``original`` (float, Decimal or int)."""
    if isinstance(original, float):
        return float(amount)
    if isinstance(original, Decimal):
        return Decimal(amount)
    return amount


def service_charge_tax(order: dict[str, Any]) -> int:
    """The tax on a tax-inclusive order's service charge in the documented reading:
    ``total_amount − subtotal − total_additional_subtotal_amount − the other parts`` (I-20)."""
    return _amount(order.get("total_amount")) - sum(
        _amount(order.get(name))
        for name in ("subtotal", "total_additional_subtotal_amount", *_OTHER_PARTS)
    )


def state_money(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The order (documented reading) with its money stated as ``dialect.service_charge`` and
    ``dialect.rounding_sign`` state it; a new dict when anything changes, the argument is not
    changed."""
    return _state_rounding(_state_charge(order, dialect), dialect)


def _state_rounding(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """``rounding_amount`` with the sign of ``dialect.rounding_sign`` (module docstring)."""
    rounding = _amount(order.get("rounding_amount"))
    if dialect.rounding_sign == "added" or rounding == 0:
        return order
    return {**order, "rounding_amount": _like(order["rounding_amount"], -rounding)}


def state_cogs(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The order with each ``cogs[]`` entry's ``buying_price`` as ``dialect.cogs_price``
    states it: the unit cost (as stored) or quantity × unit cost. A new dict when anything
    changes; the order's own ``buying_price`` is left as it is."""
    details = order.get("order_details")
    if dialect.cogs_price == "unit" or not details:
        return order
    return {
        **order,
        "order_details": [
            {**line, "cogs": [_cogs_total(entry) for entry in line["cogs"]]}
            if line.get("cogs")
            else line
            for line in details
        ],
    }


PPN_CHARGED, PPN_NOMINAL = Decimal(11), Decimal(12)  # 12% of a tax base of 11/12 is 11%


def state_ppn(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The order with each line charged PPN at 11% stating 12 (``dialect.ppn_stated``
    ``nominal``), its amounts as they are. A new dict when anything changes."""
    details = order.get("order_details")
    if dialect.ppn_stated == "charged" or not details:
        return order
    return {
        **order,
        "order_details": [
            {**line, "tax_percentage": _like(line["tax_percentage"], int(PPN_NOMINAL))}
            if line.get("tax_percentage") is not None
            and Decimal(str(line["tax_percentage"])) == PPN_CHARGED
            else line
            for line in details
        ],
    }


#: The transaction types that give money back (I-22): signed below zero under
#: ``refund_sign=negative``.
MONEY_BACK = ("refund", "void")


def state_payment(transaction: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """A transaction with its ``amount`` signed as ``dialect.refund_sign`` says (a refund or
    void below zero under ``negative``) and its MDR as ``dialect.mdr_fee`` states it; a new
    dict when anything changes."""
    transaction = _state_mdr(transaction, dialect)
    if dialect.refund_sign == "positive" or transaction.get("type") not in MONEY_BACK:
        return transaction
    amount = transaction.get("amount")
    if amount is None or _amount(amount) <= 0:
        return transaction
    return {**transaction, "amount": _like(amount, -_amount(amount))}


def _state_mdr(transaction: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """``mdr[].payment_method_fee`` as the fee's rate in percent (to 0.01) or as the payment
    method's name; ``total_amount_fee`` (the payment less the fee) unchanged."""
    entries = transaction.get("mdr")
    if dialect.mdr_fee == "amount" or not entries:
        return transaction
    paid = abs(_amount(transaction.get("amount")))
    stated = []
    for entry in entries:
        original = entry.get("payment_method_fee")
        if dialect.mdr_fee == "method":
            shown: Any = transaction.get("payment_type_name")
        else:
            rate = (Decimal(_amount(original)) * 100 / paid).quantize(CENT) if paid else CENT * 0
            shown = float(rate) if isinstance(original, float) else rate
        stated.append({**entry, "payment_method_fee": shown})
    return {**transaction, "mdr": stated}


def state_payments(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The order with each of its ``transactions[]`` as `state_payment` states it."""
    transactions = order.get("transactions")
    if (dialect.refund_sign == "positive" and dialect.mdr_fee == "amount") or not transactions:
        return order
    return {**order, "transactions": [state_payment(t, dialect) for t in transactions]}


def _cogs_total(entry: dict[str, Any]) -> dict[str, Any]:
    unit = entry.get("buying_price")
    if unit is None:
        return entry
    total = Decimal(str(unit)) * Decimal(str(entry.get("quantity") or 0))
    price: Any = total
    if isinstance(unit, float):
        price = float(total)
    elif isinstance(unit, int) and total == total.to_integral_value():
        price = int(total)
    return {**entry, "buying_price": price}


def _state_charge(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The order with its service charge stated as ``dialect.service_charge`` states it. Only
    a tax-inclusive order with a taxed service charge differs from the documented reading."""
    if dialect.service_charge == "net" or not order.get("tax_inclusive"):
        return order
    charge = _amount(order.get("total_additional_subtotal_amount"))
    if charge == 0:
        return order
    tax = service_charge_tax(order)
    if tax < 0:
        raise ValueError(
            f"order {order.get('order_reference')}: its parts exceed its total by {-tax}; "
            "it does not follow the documented money identity (I-20)"
        )
    if tax == 0:
        return order
    out = dict(order)
    out["total_additional_subtotal_amount"] = _like(
        order["total_additional_subtotal_amount"], charge + tax
    )
    if dialect.service_charge == "gross_untaxed_total":
        out["total_tax_amount"] = _like(
            order["total_tax_amount"], _amount(order["total_tax_amount"]) - tax
        )
    details = order.get("order_details")
    if details:
        shares = [_amount(line.get("additional_charge")) for line in details]
        if sum(shares) > 0:
            extra = allocate(tax, shares)
            out["order_details"] = [
                {**line, "additional_charge": _like(line.get("additional_charge"), share + more)}
                for line, share, more in zip(details, shares, extra, strict=True)
            ]
    return out
