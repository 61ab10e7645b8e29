"""Dialects of the iSeller emulator: each reading of what iSeller's document leaves open.

The emulator serves the documented reading by default (`docs/assumptions/iseller.md`). A
dialect changes what the document does not pin down, so that the pipeline is tested against
every reading the real service may use:

==================  =================================================================  ==========
key                 values                                                             default
==================  =================================================================  ==========
page_base           index of the first page: ``1`` (I-7) or ``0``                      1
service_charge      how a tax-inclusive order states its service charge:               net
                    ``net`` the charge without its tax, its tax in ``total_tax_amount``
                    (I-20); ``gross`` the charge with its tax, that tax also in
                    ``total_tax_amount``; ``gross_untaxed_total`` the charge with its
                    tax, ``total_tax_amount`` holding the lines' tax only
fulfilment          spelling of the order's fulfilment status field: ``fulfillment``     fulfillment
                    (I-24), ``fulfilment`` (the document's table) or ``both``
order_ids           ``1``: order details carry ``order_id`` and order discounts          0
                    ``order_detail_id``, as production scripts read them
timezone_param      ``time_zone`` (I-9) or ``both``: ``timezone`` is accepted too       time_zone
bounds              the ``*_before`` date bounds (GetOrders, GetTransactions, the        inclusive
                    summaries, GetRegisterShifts): ``inclusive`` (I-10) or
                    ``exclusive_end`` (an item at exactly the bound is left out)
money_format        how every number of an order, a payment or a summary is sent        number
                    (amounts, percentages, quantities): ``number`` (I-16, ``55000.0``)
                    or ``string`` (a decimal string, ``"55000.0000"``)
date_format         how every date of GetOrders, GetTransactions and the summaries is   space
                    sent: ``space`` (I-14, ``2026-11-20 08:15:00``) or ``iso`` (.NET
                    style, ``2026-11-20T08:15:00.0000000``)
rounding_sign       what ``rounding_amount`` holds (I-31): ``added`` (``total_amount``  added
                    − amount due, positive when the till rounded up) or
                    ``subtracted`` (amount due − ``total_amount``, the opposite sign)
cogs_price          what each ``cogs[]`` entry's ``buying_price`` holds (I-19):         unit
                    ``unit`` (the unit cost) or ``total`` (quantity × the unit cost);
                    the order's ``buying_price`` is Σ quantity × unit cost in both
refund_sign         the sign of a ``refund`` or ``void`` transaction's ``amount``       positive
                    (I-22, I-33): ``positive`` (its size; ``type`` says it goes back)
                    or ``negative`` (a signed money movement), in GetOrders and
                    GetTransactions alike
void_shape          how a void shows (I-23): ``transaction`` (the sale stays and a      transaction
                    ``void`` transaction is added) or ``status_only`` (only the
                    order's ``status``, ``payment_status`` and ``cancel_date`` say it;
                    no ``void`` transaction in GetOrders or GetTransactions)
order_discounts     what the order's ``discounts[]`` lists (I-17): ``order_level``      order_level
                    (documented) or ``with_lines`` (each line's discounts too, with
                    ``order_detail_id``; summing it counts them twice)
output_zone         the offset every date of GetOrders (with ``refunded_orders`` and     requested
                    ``fulfillments``), GetTransactions and the summaries is written in
                    (I-14): ``requested`` (the ``time_zone`` asked) or ``store`` (the
                    store's own, +7, whatever was asked; filters still read in
                    ``time_zone``)
shift_cash          the cash fields of a GetRegisterShifts item (I-40): ``documented``   documented
                    (``starting_cash``, ``cash_sales``, ``cash_refunds``,
                    ``expected_cash``, ``counted_cash``, ``cash_difference``),
                    ``actual`` (the count as ``actual_cash``, its difference as
                    ``difference``) or ``none`` (no cash fields at all)
envelope            how every v2 answer is sent (I-6): ``object`` (one JSON object) or   object
                    ``array`` (that object inside a one-element array, as the
                    document's GetOrders sample shows it)
ppn_stated          the ``tax_percentage`` a line charged PPN at 11% of its price         charged
                    states: ``charged`` (11) or ``nominal`` (12: PPN 12% on a tax base
                    of 11/12, DPP nilai lain, the amounts unchanged)
sets                how a package of products (the demo's ``PKT-*``) is sold:          composite
                    ``composite`` (I-35: ``type: composite``, its components in
                    GetProducts' ``ingredients[]`` and the line's
                    ``product_composites[]``) or ``comboset`` (a combo set: ``type:
                    comboset``, its items in GetProducts' ``bundles[]`` and the line's
                    ``product_combos[]``); ``units_used[]`` and every amount unchanged
next_flag           which paged answers carry ``has_next_item`` (I-7):                 everywhere
                    ``everywhere`` (every paged list of v2 and v3) or ``orders_only``
                    (GetOrders only, as the document's tables have it: GetProducts,
                    GetTransactions, GetRegisterShifts and the v3 reads answer
                    without it; an empty page ends their reads)
order_modified      whether an order carries ``modified_date`` (I-12): ``field`` (every  field
                    order, the last change) or ``absent`` (none, as the document's Order
                    table has it; the ``modified_*`` filters still read the last change)
shift_bound         the lower modified bound GetRegisterShifts reads (I-40): ``both``  both
                    (the documented ``modified_date``, and ``modified_after`` as the
                    other reads name it) or ``modified_date`` (the document's name
                    only; ``modified_after`` is ignored, as any unknown parameter)
shift_outlet        whether a GetRegisterShifts item names its outlet (I-40):          given
                    ``given`` (``outlet_id`` and ``outlet_code`` on every shift) or
                    ``absent`` (neither, as the document's RegisterShifts table has it;
                    the ``outlet_id`` filter still reads each shift's outlet)
order_bound         the lower date bound GetOrders needs (I-9): ``created``            created
                    (``created_after`` always, as the document's table marks it
                    required: a modified window alone is refused) or ``either``
                    (``created_after`` or, in its place, ``modified_after``)
modifier_sku        a modifier line's ``sku`` (I-35): ``own`` (the modifier's, as in    own
                    ``product_modifier_sku``) or ``parent`` (the SKU of the line it
                    modifies; the modifier's own only in ``product_modifier_sku`` and
                    ``modifier_product_sku``)
line_money          which money an order line carries (I-18): ``full`` (also               full
                    ``total_order_amount``, ``discount_order_amount``, ``subtotal``
                    and ``additional_charge``, I-20) or ``table`` (only what the
                    document's OrderDetail table lists: ``base_price``,
                    ``discount_amount``, ``tax_amount``)
mdr_fee             what a payment's ``mdr[].payment_method_fee`` holds (I-49):        amount
                    ``amount`` (the fee in rupiah), ``rate`` (the fee's rate in percent)
                    or ``method`` (the payment method's name, as the document's table
                    describes it); ``total_amount_fee`` is the payment less the fee in all
==================  =================================================================  ==========

A spec is comma-separated ``key=value`` pairs and preset names, later ones winning, e.g.
``loose,page_base=0``. Presets: ``documented`` (every default) and ``loose`` (what public
production scripts read: both spellings, the ids, both time-zone parameters). Every dialect
keeps each order's money identity exact: the parts add up to ``total_amount`` (with
``rounding_sign=subtracted``, ``rounding_amount`` taken away instead of added), and the
summaries stay those of the same sales, refunds and voids.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

DIALECT_ENV = "SANDBOX_ISELLER_DIALECT"

SERVICE_CHARGE_READINGS = ("net", "gross", "gross_untaxed_total")
FULFILMENT_SPELLINGS = ("fulfillment", "fulfilment", "both")
TIMEZONE_PARAMS = ("time_zone", "both")
BOUND_READINGS = ("inclusive", "exclusive_end")
MONEY_FORMATS = ("number", "string")
DATE_FORMATS = ("space", "iso")
ROUNDING_SIGNS = ("added", "subtracted")
COGS_PRICES = ("unit", "total")
REFUND_SIGNS = ("positive", "negative")
VOID_SHAPES = ("transaction", "status_only")
ORDER_DISCOUNTS = ("order_level", "with_lines")
OUTPUT_ZONES = ("requested", "store")
SHIFT_CASH_READINGS = ("documented", "actual", "none")
ENVELOPES = ("object", "array")
PPN_STATED = ("charged", "nominal")
SETS = ("composite", "comboset")
NEXT_FLAGS = ("everywhere", "orders_only")
SHIFT_BOUNDS = ("both", "modified_date")
ORDER_MODIFIED = ("field", "absent")
SHIFT_OUTLETS = ("given", "absent")
ORDER_BOUNDS = ("created", "either")
MODIFIER_SKUS = ("own", "parent")
LINE_MONEY = ("full", "table")
MDR_FEES = ("amount", "rate", "method")


@dataclass(frozen=True)
class Dialect:
    page_base: int = 1
    service_charge: str = "net"
    fulfilment: str = "fulfillment"
    order_ids: bool = False
    timezone_param: str = "time_zone"
    bounds: str = "inclusive"
    money_format: str = "number"
    date_format: str = "space"
    rounding_sign: str = "added"
    cogs_price: str = "unit"
    refund_sign: str = "positive"
    void_shape: str = "transaction"
    order_discounts: str = "order_level"
    output_zone: str = "requested"
    shift_cash: str = "documented"
    envelope: str = "object"
    ppn_stated: str = "charged"
    sets: str = "composite"
    next_flag: str = "everywhere"
    shift_bound: str = "both"
    order_modified: str = "field"
    shift_outlet: str = "given"
    order_bound: str = "created"
    modifier_sku: str = "own"
    line_money: str = "full"
    mdr_fee: str = "amount"

    def __post_init__(self) -> None:
        if self.page_base not in (0, 1):
            raise ValueError(f"dialect: page_base is 0 or 1, not {self.page_base!r}")
        for name, allowed in (
            ("service_charge", SERVICE_CHARGE_READINGS),
            ("fulfilment", FULFILMENT_SPELLINGS),
            ("timezone_param", TIMEZONE_PARAMS),
            ("bounds", BOUND_READINGS),
            ("money_format", MONEY_FORMATS),
            ("date_format", DATE_FORMATS),
            ("rounding_sign", ROUNDING_SIGNS),
            ("cogs_price", COGS_PRICES),
            ("refund_sign", REFUND_SIGNS),
            ("void_shape", VOID_SHAPES),
            ("order_discounts", ORDER_DISCOUNTS),
            ("output_zone", OUTPUT_ZONES),
            ("shift_cash", SHIFT_CASH_READINGS),
            ("envelope", ENVELOPES),
            ("ppn_stated", PPN_STATED),
            ("sets", SETS),
            ("next_flag", NEXT_FLAGS),
            ("shift_bound", SHIFT_BOUNDS),
            ("order_modified", ORDER_MODIFIED),
            ("shift_outlet", SHIFT_OUTLETS),
            ("order_bound", ORDER_BOUNDS),
            ("modifier_sku", MODIFIER_SKUS),
            ("line_money", LINE_MONEY),
            ("mdr_fee", MDR_FEES),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"dialect: {name} is one of {', '.join(allowed)}, not {getattr(self, name)!r}"
                )

    @classmethod
    def from_spec(cls, spec: str | None) -> Dialect:
        """``documented``, ``loose`` and ``key=value`` pairs, comma-separated; a clear error
        names the bad part."""
        dialect = cls()
        for part in (spec or "").split(","):
            part = part.strip()
            if not part:
                continue
            if part in PRESETS:
                dialect = replace(dialect, **PRESETS[part])
                continue
            key, sep, value = part.partition("=")
            key, value = key.strip(), value.strip()
            types = {f.name: f.type for f in fields(cls)}
            if not sep or key not in types:
                known = ", ".join([*PRESETS, *(f"{k}=…" for k in types)])
                raise ValueError(f"dialect part {part!r} is not known (known: {known})")
            dialect = replace(dialect, **{key: _value(key, value)})
        return dialect

    @property
    def spec(self) -> str:
        """The spec that gives this dialect (empty for the documented one)."""
        default = Dialect()
        return ",".join(
            f"{f.name}={int(v) if isinstance(v, bool) else v}"
            for f in fields(self)
            if (v := getattr(self, f.name)) != getattr(default, f.name)
        )


PRESETS: dict[str, dict[str, Any]] = {
    "documented": {},
    "loose": {"fulfilment": "both", "order_ids": True, "timezone_param": "both"},
}


def _value(key: str, text: str) -> Any:
    if key == "page_base":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"dialect: page_base is 0 or 1, not {text!r}") from None
    if key == "order_ids":
        if text.lower() in ("1", "true", "yes"):
            return True
        if text.lower() in ("0", "false", "no"):
            return False
        raise ValueError(f"dialect: order_ids is 0 or 1, not {text!r}")
    return text


def serve_order(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """A rendered order (`iseller_app.render_order`) as the dialect serves it (the stored
    order first listed by `dialect_shapes.list_discounts`)."""
    from journal_sandbox.dialect_money import (
        state_cogs,
        state_money,
        state_payments,
        state_ppn,
    )
    from journal_sandbox.dialect_shapes import sell_sets, shape_order
    from journal_sandbox.dialect_text import state_text

    stated = state_ppn(
        sell_sets(order, dialect), dialect
    )  # before the numbers' format, as any stored value
    money = state_payments(state_cogs(state_money(stated, dialect), dialect), dialect)
    return state_text(shape_order(money, dialect), dialect)
