"""iSeller read answers (other than orders, see ``frames.py``) → pandas frames.

Conventions, as in ``frames.py``: money columns are whole rupiah (``int64``, parsed exactly from
the Decimal the client decodes, half-up); quantities and stock are ``Decimal``; date strings,
which carry no zone, are read in the ``time_zone`` offset they were asked in (0 unless given)
and returned as timezone-aware UTC timestamps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pandas as pd

from journal_pipeline.core.money import to_rupiah
from journal_pipeline.core.payment_gateways import SUMMARY_GATEWAYS
from journal_pipeline.core.reported_mdr import mdr_fee

#: The field table of GetTransactionSummary names three gateway keys differently from its sample
#: answer; an answer using the table's names is read under the sample's.
SUMMARY_GATEWAY_ALIASES = {
    "external_debit": "debit",
    "external_credit": "credit",
    "points": "loyalty_point",
}
ORDER_SUMMARY_MONEY = (
    "total_order_amount",
    "total_discount_amount",
    "total_promotion_amount",
    "total_additional_order_amount",
    "total_additional_subtotal_amount",
    "subtotal",
    "total_tax_amount",
    "total_additional_final_amount",
    "rounding_amount",
    "total_amount",
    "total_shipping_amount",
)


def parse_time(value: object, time_zone: int = 0) -> datetime | None:
    """An iSeller date string read in ``time_zone`` (whole hours), as a UTC datetime."""
    if value in (None, ""):
        return None
    parsed = datetime.fromisoformat(str(value).replace("T", " "))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone(timedelta(hours=time_zone)))
    return parsed.astimezone(UTC)


def decimal(value: object, default: str = "0") -> Decimal:
    if value in (None, ""):
        return Decimal(default)
    return Decimal(str(value))


def _units(value: object) -> Decimal:
    """A unit count given as a number or as a list of ``{..., "stock"|"quantity"}`` items."""
    if isinstance(value, list):
        return sum(
            (decimal(entry.get("stock", entry.get("quantity"))) for entry in value),
            Decimal(0),
        )
    return decimal(value)


def _frame(
    rows: list[dict[str, Any]],
    columns: Iterable[str],
    *,
    money: Iterable[str] = (),
    times: Iterable[str] = (),
) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    for column in money:
        frame[column] = frame[column].astype("int64")
    for column in times:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _pick(item: Mapping[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    return {column: item.get(column) for column in columns}


# --- payments ------------------------------------------------------------------------------

#: The transaction types that give money back (I-22, I-23, I-33). iSeller's document does not
#: say whether their ``amount`` is their size or a signed movement below zero; both are read
#: as the size, the direction being the ``type``.
MONEY_BACK = ("refund", "void")


def transaction_amount(item: Mapping[str, Any]) -> int:
    """A transaction's ``amount`` in whole rupiah: a refund's or void's as its size whatever
    its sign (half-up rounds away from zero, so the size is the same either way); a sale's
    as stated."""
    amount = to_rupiah(item.get("amount"))
    return abs(amount) if item.get("type") in MONEY_BACK else amount


TRANSACTION_COLUMNS = (
    "transaction_id",
    "order_id",
    "order_reference",
    "transaction_date",
    "channel",
    "type",
    "status",
    "gateway",
    "payment_type_id",
    "payment_type_name",
    "currency",
    "amount",
    "mdr_fee",
    "bin_card",
)


def transactions_frame(transactions: Iterable[Mapping[str, Any]], time_zone: int = 0):
    """GetTransactions items: one row per payment, refund or void, ``amount`` its size
    (`transaction_amount`); ``mdr_fee`` the fee of its ``mdr[]`` (`reported_mdr.mdr_fee`; 0
    without the MDR include)."""
    rows = []
    for item in transactions:
        row = _pick(item, TRANSACTION_COLUMNS)
        row["transaction_date"] = parse_time(item.get("transaction_date"), time_zone)
        row["amount"] = transaction_amount(item)
        row["mdr_fee"] = mdr_fee(item) or 0
        rows.append(row)
    return _frame(
        rows, TRANSACTION_COLUMNS, money=("amount", "mdr_fee"), times=("transaction_date",)
    )


def transaction_summary_frame(
    summaries: Iterable[Mapping[str, Any]], time_zone: int = 0
) -> pd.DataFrame:
    """GetTransactionSummary items in long form: (day start, gateway, payment name, amount);
    merchant-defined methods are gateway ``custom`` with their name."""
    rows = []
    for item in summaries:
        day = parse_time(item.get("order_date"), time_zone)
        for gateway in SUMMARY_GATEWAYS:
            key = gateway if gateway in item else SUMMARY_GATEWAY_ALIASES.get(gateway)
            if key is not None and key in item:
                rows.append(
                    {
                        "day_start": day,
                        "gateway": gateway,
                        "name": None,
                        "amount": to_rupiah(item.get(key)),
                    }
                )
        for custom in item.get("customs") or []:
            rows.append(
                {
                    "day_start": day,
                    "gateway": "custom",
                    "name": custom.get("name"),
                    "amount": to_rupiah(custom.get("amount")),
                }
            )
    return _frame(
        rows, ("day_start", "gateway", "name", "amount"), money=("amount",), times=("day_start",)
    )


def order_summary_frame(summaries: Iterable[Mapping[str, Any]], time_zone: int = 0) -> pd.DataFrame:
    """GetOrderSummary items: one row per day with the money fields and unit counts."""
    columns = (
        "day_start",
        "currency",
        *ORDER_SUMMARY_MONEY,
        "units_used",
        "units_returned",
        "units_fulfilled",
    )
    rows = []
    for item in summaries:
        row: dict[str, Any] = {
            "day_start": parse_time(item.get("order_date"), time_zone),
            "currency": item.get("currency"),
        }
        row.update({name: to_rupiah(item.get(name)) for name in ORDER_SUMMARY_MONEY})
        for name in ("units_used", "units_returned", "units_fulfilled"):
            row[name] = _units(item.get(name))
        rows.append(row)
    return _frame(rows, columns, money=ORDER_SUMMARY_MONEY, times=("day_start",))


# --- catalogue -----------------------------------------------------------------------------

PRODUCT_COLUMNS = (
    "product_id",
    "product_header_id",
    "sku",
    "barcode",
    "name",
    "variant",
    "type",
    "product_type",
    "unit_of_measurement",
    "taxable",
    "track_inventory",
    "is_active",
    "price",
    "buying_price",
    "modified_date",
)
STOCK_COLUMNS = ("product_id", "sku", "outlet_id", "outlet_code", "outlet_name", "unit_in_stock")
COMPONENT_COLUMNS = (
    "product_id",
    "sku",
    "component_id",
    "component_sku",
    "component_name",
    "quantity",
)
MODIFIER_COLUMNS = (
    "product_id",
    "sku",
    "modifier_id",
    "modifier_sku",
    "title",
    "price",
    "buying_price",
)


@dataclass(frozen=True)
class ProductFrames:
    products: pd.DataFrame  # one row per sellable product (variant)
    stock: pd.DataFrame  # one row per product and outlet (``inventories[]``)
    costs: pd.DataFrame  # one row per product and outlet (``buying_prices[]``)
    components: pd.DataFrame  # one row per composite and component (``ingredients[]``)
    modifiers: pd.DataFrame  # one row per product and modifier it offers (``Modifiers`` include)


def _variant(item: Mapping[str, Any]) -> str | None:
    """The variant's option values (``variant_options[].value``), e.g. ``"M"`` or
    ``"M / Hitam"``; None for a product without options."""
    values = [
        str(option.get("value")).strip()
        for option in item.get("variant_options") or []
        if option.get("value") not in (None, "")
    ]
    return " / ".join(values) or None


def product_frames(products: Iterable[Mapping[str, Any]], time_zone: int = 0) -> ProductFrames:
    """GetProducts rows as frames; the modifiers frame needs ``includes`` ``Modifiers``
    (``sku`` and ``buying_price`` of a modifier are read when the answer has them)."""
    rows, stock, costs, components, modifiers = [], [], [], [], []
    for item in products:
        row = _pick(item, PRODUCT_COLUMNS)
        row["variant"] = _variant(item)
        row["price"] = to_rupiah(item.get("price"))
        row["buying_price"] = to_rupiah(item.get("buying_price"))
        row["modified_date"] = parse_time(item.get("modified_date"), time_zone)
        for flag in ("taxable", "track_inventory", "is_active"):
            row[flag] = None if item.get(flag) is None else bool(item.get(flag))
        rows.append(row)
        owner = {"product_id": item.get("product_id"), "sku": item.get("sku")}
        for inventory in item.get("inventories") or []:
            stock.append(
                {
                    **owner,
                    **_pick(inventory, ("outlet_id", "outlet_code", "outlet_name")),
                    "unit_in_stock": decimal(inventory.get("unit_in_stock")),
                }
            )
        for cost in item.get("buying_prices") or []:
            costs.append(
                {
                    **owner,
                    "outlet_id": cost.get("outlet_id"),
                    "buying_price": to_rupiah(cost.get("buying_price")),
                }
            )
        for ingredient in item.get("ingredients") or []:
            components.append(
                {
                    **owner,
                    "component_id": ingredient.get("product_id"),
                    "component_sku": ingredient.get("sku"),
                    "component_name": ingredient.get("name"),
                    "quantity": decimal(ingredient.get("quantity"), "1"),
                }
            )
        for group in item.get("modifier_groups") or []:
            for modifier in group.get("modifiers") or []:
                modifiers.append(
                    {
                        **owner,
                        "modifier_id": modifier.get("modifier_id"),
                        "modifier_sku": modifier.get("sku"),
                        "title": modifier.get("title"),
                        "price": to_rupiah(modifier.get("price")),
                        "buying_price": to_rupiah(modifier.get("buying_price")),
                    }
                )
    return ProductFrames(
        _frame(rows, PRODUCT_COLUMNS, money=("price", "buying_price"), times=("modified_date",)),
        _frame(stock, STOCK_COLUMNS),
        _frame(costs, ("product_id", "sku", "outlet_id", "buying_price"), money=("buying_price",)),
        _frame(components, COMPONENT_COLUMNS),
        _frame(modifiers, MODIFIER_COLUMNS, money=("price", "buying_price")),
    )


def outlets_frame(outlets: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """GetOutlets (``id``, ``name``) or GetStoreInfo ``active_outlets`` (``outlet_id``,
    ``outlet_name``) items, under one set of column names."""
    rows = []
    for item in outlets:
        rows.append(
            {
                "outlet_id": item.get("outlet_id") or item.get("id"),
                "outlet_code": item.get("outlet_code"),
                "outlet_name": item.get("outlet_name") or item.get("name"),
                "is_active": bool(item.get("is_active", True)),
                "address": item.get("address"),
            }
        )
    return _frame(rows, ("outlet_id", "outlet_code", "outlet_name", "is_active", "address"))


CUSTOMER_COLUMNS = (
    "customer_id",
    "external_customer_id",
    "member_code",
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "home_outlet_id",
    "created_date",
    "modified_date",
)


def customers_frame(customers: Iterable[Mapping[str, Any]], time_zone: int = 0) -> pd.DataFrame:
    rows = []
    for item in customers:
        row = _pick(item, CUSTOMER_COLUMNS)
        for column in ("created_date", "modified_date"):
            row[column] = parse_time(item.get(column), time_zone)
        rows.append(row)
    return _frame(rows, CUSTOMER_COLUMNS, times=("created_date", "modified_date"))


SHIFT_COLUMNS = ("register_shift_id", "register_id", "register_name", "open_date", "closed_date")


def register_shifts_frame(shifts: Iterable[Mapping[str, Any]], time_zone: int = 0) -> pd.DataFrame:
    rows = []
    for item in shifts:
        row = _pick(item, SHIFT_COLUMNS)
        row["open_date"] = parse_time(item.get("open_date"), time_zone)
        row["closed_date"] = parse_time(item.get("closed_date"), time_zone)
        rows.append(row)
    return _frame(rows, SHIFT_COLUMNS, times=("open_date", "closed_date"))


# --- stock documents -----------------------------------------------------------------------

TRANSFER_COLUMNS = (
    "transfer_id",
    "transfer_number",
    "type",
    "out_type",
    "status",
    "from_outlet_id",
    "from_outlet_code",
    "to_outlet_id",
    "to_outlet_code",
    "supplier_name",
    "created_date",
    "start_date",
    "completed_date",
    "modified_date",
)
TRANSFER_ITEM_COLUMNS = (
    "transfer_id",
    "line_no",
    "product_id",
    "sku",
    "product_name",
    "quantity",
    "quantity_accepted",
    "quantity_rejected",
    "quantity_cancelled",
    "buying_price",
)
ADJUSTMENT_COLUMNS = (
    "adjustment_id",
    "adjustment_number",
    "action",
    "status",
    "outlet_id",
    "outlet_code",
    "created_date",
    "completed_date",
    "modified_date",
)
ADJUSTMENT_ITEM_COLUMNS = (
    "adjustment_id",
    "line_no",
    "product_id",
    "sku",
    "product_name",
    "system_stock",
    "actual_stock",
    "difference",
    "buying_price",
)


@dataclass(frozen=True)
class DocumentFrames:
    headers: pd.DataFrame
    items: pd.DataFrame


def _optional_decimal(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def transfer_frames(transfers: Iterable[Mapping[str, Any]], time_zone: int = 0) -> DocumentFrames:
    """GetTransfer items: headers and lines (received quantities None until completed)."""
    dates = ("created_date", "start_date", "completed_date", "modified_date")
    headers, items = [], []
    for transfer in transfers:
        row = _pick(transfer, TRANSFER_COLUMNS)
        for column in dates:
            row[column] = parse_time(transfer.get(column), time_zone)
        headers.append(row)
        for index, line in enumerate(transfer.get("items") or [], start=1):
            item = _pick(line, TRANSFER_ITEM_COLUMNS)
            item["transfer_id"] = transfer.get("transfer_id")
            item["line_no"] = index
            item["quantity"] = decimal(line.get("quantity"))
            for column in ("quantity_accepted", "quantity_rejected", "quantity_cancelled"):
                item[column] = _optional_decimal(line.get(column))
            item["buying_price"] = to_rupiah(line.get("buying_price"))
            items.append(item)
    return DocumentFrames(
        _frame(headers, TRANSFER_COLUMNS, times=dates),
        _frame(items, TRANSFER_ITEM_COLUMNS, money=("buying_price", "line_no")),
    )


def adjustment_frames(
    adjustments: Iterable[Mapping[str, Any]], time_zone: int = 0
) -> DocumentFrames:
    """InventoryAdjustments items: headers and lines (``difference`` = actual − system)."""
    dates = ("created_date", "completed_date", "modified_date")
    headers, items = [], []
    for adjustment in adjustments:
        row = _pick(adjustment, ADJUSTMENT_COLUMNS)
        for column in dates:
            row[column] = parse_time(adjustment.get(column), time_zone)
        headers.append(row)
        for index, line in enumerate(adjustment.get("items") or [], start=1):
            item = _pick(line, ADJUSTMENT_ITEM_COLUMNS)
            item["adjustment_id"] = adjustment.get("adjustment_id")
            item["line_no"] = index
            for column in ("system_stock", "actual_stock", "difference"):
                item[column] = decimal(line.get(column))
            item["buying_price"] = to_rupiah(line.get("buying_price"))
            items.append(item)
    return DocumentFrames(
        _frame(headers, ADJUSTMENT_COLUMNS, times=dates),
        _frame(items, ADJUSTMENT_ITEM_COLUMNS, money=("buying_price", "line_no")),
    )
