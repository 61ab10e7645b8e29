"""How a dialect shapes an order's fields: spellings and ids the document leaves open.

- ``fulfilment``: the document's Order table and sample spell the order's field
  ``fulfillment_status``; its OrderDetail table spells the line's ``fulfilment_status``, and
  public production scripts read ``order_details[].fulfillment_status``.
  ``fulfillment`` (documented): as the document has them. ``fulfilment``: the order's field is
  ``fulfilment_status`` too (one spelling everywhere). ``both``: the order and every line carry
  both keys, with the same value.
- ``order_ids``: every ``order_details[]`` item carries ``order_id`` (its order's id) and every
  order-level ``discounts[]`` item ``order_detail_id``: null for a discount on the whole order
  (the demo merchant's only kind), the line's id for one that belongs to one line.
- ``void_shape`` (I-23): ``transaction`` (documented) keeps the sale and its ``void``
  transaction; ``status_only`` leaves the ``void`` transaction out (GetOrders here,
  GetTransactions in `iseller_app`), so only ``status: "void"``, ``payment_status:
  "voided"`` and ``cancel_date`` tell of the void.
- ``order_discounts`` (I-17, `list_discounts`): ``order_level`` (documented) lists the
  order-level discounts only in the order's ``discounts[]``; ``with_lines`` lists every line's
  discounts there too, after them, each with ``order_detail_id`` (the order-level ones with
  ``order_detail_id: null``), so a sum of the list counts the line discounts twice. The line
  ``discounts[]`` and every amount stay as they are.
- ``sets``: ``composite`` (documented, I-35) sells the demo's packages as composites;
  ``comboset`` as combo sets: the line's ``type`` is ``comboset`` and its items move from
  ``product_composites[]`` to ``product_combos[]`` (`sell_sets`); GetProducts lists them in
  ``bundles[]`` (ProductCombos) instead of ``ingredients[]`` (`list_set`). ``units_used[]``,
  ``cogs[]`` and every amount stay.

- ``modifier_sku`` (I-35): ``own`` (the emulator's reading) gives a modifier line the
  modifier's SKU in ``sku``, ``product_modifier_sku`` and ``modifier_product_sku``; ``parent``
  gives its ``sku`` as the SKU of the line it modifies (the product the detail is "associated
  to"), the modifier's own SKU only in the other two (`_modifier_skus`).

- ``line_money`` (I-18): ``full`` (the emulator's reading) gives each line
  ``total_order_amount``, ``discount_order_amount``, ``subtotal`` and ``additional_charge``;
  ``table`` leaves them out, as the document's OrderDetail table lists none of them (every
  amount the table lists, and the order's, stays).

Money is not touched here otherwise (`dialect_money`). A key moved or added keeps its place:
the new one comes right after the documented one.
"""

from __future__ import annotations

from typing import Any

from journal_sandbox.dialect import Dialect

ORDER_FIELD = "fulfillment_status"
LINE_FIELD = "fulfilment_status"
COMBO_SET = "comboset"
#: line money the document's OrderDetail table does not list (I-18)
UNLISTED_LINE_MONEY = frozenset(
    {"total_order_amount", "discount_order_amount", "subtotal", "additional_charge"}
)


def _with_key(item: dict[str, Any], after: str, key: str, value: Any) -> dict[str, Any]:
    """`item` with `key` set right after `after` (at the end when `after` is absent)."""
    if after not in item:
        return {**item, key: value}
    out: dict[str, Any] = {}
    for name, current in item.items():
        if name != key:
            out[name] = current
        if name == after:
            out[key] = value
    return out


def _renamed(item: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """`item` with `old` renamed `new`, in the same place."""
    return {(new if name == old else name): value for name, value in item.items()}


def list_discounts(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """A stored order (every block) with its ``discounts[]`` as ``dialect.order_discounts``
    lists them; applied before rendering, so that the list is the same whether or not
    ``order_details`` are included. A new dict when anything changes."""
    discounts = order.get("discounts")
    if dialect.order_discounts == "order_level" or not isinstance(discounts, list):
        return order
    listed = [_with_key(d, "discount_amount", "order_detail_id", None) for d in discounts]
    for line in order.get("order_details") or []:
        listed.extend(
            _with_key(d, "discount_amount", "order_detail_id", line.get("order_detail_id"))
            for d in line.get("discounts") or []
        )
    return {**order, "discounts": listed}


def shape_order(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """The order's fields as the dialect spells them; a new dict when anything changes, the
    argument is not changed (the documented reading: the order as is)."""
    if dialect.order_modified == "absent" and "modified_date" in order:
        order = {k: v for k, v in order.items() if k != "modified_date"}
    transactions = order.get("transactions")
    if dialect.void_shape == "status_only" and transactions:
        order = {**order, "transactions": [t for t in transactions if t.get("type") != "void"]}
    if dialect.modifier_sku == "parent":
        order = _modifier_skus(order)
    if dialect.line_money == "table" and isinstance(order.get("order_details"), list):
        order = {
            **order,
            "order_details": [
                {k: v for k, v in line.items() if k not in UNLISTED_LINE_MONEY}
                for line in order["order_details"]
            ],
        }
    if dialect.fulfilment == "fulfillment" and not dialect.order_ids:
        return order
    out = dict(order)
    if ORDER_FIELD in out:
        if dialect.fulfilment == "fulfilment":
            out = _renamed(out, ORDER_FIELD, LINE_FIELD)
        elif dialect.fulfilment == "both":
            out = _with_key(out, ORDER_FIELD, LINE_FIELD, out[ORDER_FIELD])
    details = order.get("order_details")
    if isinstance(details, list):
        lines = []
        for line in details:
            if dialect.fulfilment == "both" and LINE_FIELD in line:
                line = _with_key(line, LINE_FIELD, ORDER_FIELD, line[LINE_FIELD])
            if dialect.order_ids:
                line = _with_key(line, "order_detail_id", "order_id", order.get("order_id"))
            lines.append(line)
        out["order_details"] = lines
    discounts = order.get("discounts")
    if dialect.order_ids and isinstance(discounts, list):
        out["discounts"] = [
            _with_key(d, "discount_amount", "order_detail_id", d.get("order_detail_id"))
            for d in discounts
        ]
    return out


def _modifier_skus(order: dict[str, Any]) -> dict[str, Any]:
    """Each modifier line's ``sku`` as the SKU of the line before it that it modifies."""
    details = order.get("order_details")
    if not isinstance(details, list):
        return order
    lines: list[Any] = []
    parent_sku = None
    for line in details:
        if line.get("product_modifier_id"):
            line = {**line, "sku": parent_sku}
        else:
            parent_sku = line.get("sku")
        lines.append(line)
    return {**order, "order_details": lines}


def sell_sets(order: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """A stored order with its composite lines sold as combo sets under ``sets=comboset``; a
    new dict when anything changes."""
    details = order.get("order_details")
    if dialect.sets == "composite" or not isinstance(details, list):
        return order
    lines = []
    for line in details:
        if line.get("type") == "composite":
            items = line.get("product_composites") or []
            line = {**line, "type": COMBO_SET, "product_composites": [], "product_combos": items}
        lines.append(line)
    return {**order, "order_details": lines}


def list_set(product: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """A GetProducts row of a composite listed as a combo set under ``sets=comboset``: its
    ``ingredients[]`` become ``bundles[]`` (ProductCombos); a new dict when anything
    changes."""
    if dialect.sets == "composite" or product.get("type") != "composite":
        return product
    bundles = [
        {
            "product_id": item.get("product_id"),
            "sku": item.get("sku"),
            "category": None,
            "product_name": item.get("name"),
            "variant_name": None,
            "quantity": item.get("quantity"),
        }
        for item in product.get("ingredients") or []
    ]
    return {**product, "type": COMBO_SET, "ingredients": [], "bundles": bundles}
