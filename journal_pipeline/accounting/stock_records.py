"""iSeller's stock documents as the accounting reads them, and the day each one is booked on.

GetTransfer items are outlet-to-outlet transfers (``type: out``, ``out_type: to_outlet``),
returns to a supplier (``out``, ``return_supplier``) and supplier receipts (``type: in`` with
no origin outlet); InventoryAdjustments items are stock takes (``action: opname``). Shapes:
``journal_sandbox/iseller_erp.py``; readings: ``docs/assumptions/stock.md``.

A document is booked once it is ``completed``, on the business date of its ``completed_date``
at the outlet whose stock it settles: the destination of a transfer or receipt, the origin of
a return, the counting outlet of a stock take. A pending, in-transit or cancelled document is
never booked (its business date is None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.business_day import business_date
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.timestamps import parse_utc

TRANSFER = "transfer"  # a GetTransfer item (staging ``kind``)
ADJUSTMENT = "adjustment"  # an InventoryAdjustments item

COMPLETED = "completed"

# What a transfer is, from its type and out_type
OUTLET_TRANSFER = "outlet_transfer"  # out, to_outlet: a Jurnal warehouse transfer
SUPPLIER_RETURN = "supplier_return"  # out, return_supplier: stock out to goods received
SUPPLIER_RECEIPT = "supplier_receipt"  # in, from a supplier: stock in from goods received
OUTLET_RECEIPT = "outlet_receipt"  # in, from an outlet: the receiving side of a transfer out
UNKNOWN = "unknown"


def _decimal(value: object) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


@dataclass(frozen=True)
class TransferLine:
    sku: str | None
    product_name: str | None
    quantity: Decimal
    accepted: Decimal | None  # None until the transfer is completed
    rejected: Decimal | None
    cancelled: Decimal | None
    buying_price: Decimal | None  # unit cost


@dataclass(frozen=True)
class Transfer:
    transfer_id: str
    number: str
    type: str | None
    out_type: str | None
    status: str | None
    from_outlet: str | None
    to_outlet: str | None
    supplier_name: str | None
    notes: str | None
    start_date: datetime | None
    completed_date: datetime | None
    modified_date: datetime | None
    lines: tuple[TransferLine, ...]

    @property
    def movement(self) -> str:
        kind, out = (self.type or "").lower(), (self.out_type or "").lower()
        if kind == "out" and out == "to_outlet":
            return OUTLET_TRANSFER
        if kind == "out" and out == "return_supplier":
            return SUPPLIER_RETURN
        if kind == "in":
            return OUTLET_RECEIPT if self.from_outlet else SUPPLIER_RECEIPT
        return UNKNOWN

    @property
    def booking_outlet(self) -> str | None:
        """The outlet whose stock the document settles (its business date's zone)."""
        if self.movement == SUPPLIER_RETURN:
            return self.from_outlet
        return self.to_outlet or self.from_outlet

    @property
    def booked_at(self) -> datetime | None:
        """When it is booked: completed_date (a return without one: start_date)."""
        if (self.status or "").lower() != COMPLETED:
            return None
        if self.movement == SUPPLIER_RETURN:
            return self.completed_date or self.start_date or self.modified_date
        return self.completed_date or self.modified_date

    def label(self) -> str:
        origin = self.from_outlet or self.supplier_name or "supplier"
        destination = self.to_outlet or self.supplier_name or "supplier"
        return f"Transfer {self.number} ({origin} → {destination})"


@dataclass(frozen=True)
class CountLine:
    sku: str | None
    product_name: str | None
    system_stock: Decimal
    actual_stock: Decimal
    difference: Decimal  # actual − system; negative: shrinkage
    buying_price: Decimal | None


@dataclass(frozen=True)
class StockTake:
    adjustment_id: str
    number: str
    action: str | None
    status: str | None
    outlet: str | None
    notes: str | None
    completed_date: datetime | None
    modified_date: datetime | None
    lines: tuple[CountLine, ...]

    @property
    def booking_outlet(self) -> str | None:
        return self.outlet

    @property
    def booked_at(self) -> datetime | None:
        if (self.status or "").lower() != COMPLETED:
            return None
        return self.completed_date or self.modified_date

    def label(self) -> str:
        return f"Stock take {self.number} (outlet {self.outlet or '?'})"


StockRecord = Transfer | StockTake


def read_transfer(raw: Mapping[str, Any]) -> Transfer:
    """A GetTransfer item (dates in UTC, as the client returns them)."""
    lines = tuple(
        TransferLine(
            sku=text_or_none(item.get("sku")),
            product_name=text_or_none(item.get("product_name")),
            quantity=_decimal(item.get("quantity")) or Decimal(0),
            accepted=_decimal(item.get("quantity_accepted")),
            rejected=_decimal(item.get("quantity_rejected")),
            cancelled=_decimal(item.get("quantity_cancelled")),
            buying_price=_decimal(item.get("buying_price")),
        )
        for item in raw.get("items") or []
    )
    transfer_id = str(raw["transfer_id"])
    return Transfer(
        transfer_id=transfer_id,
        number=text_or_none(raw.get("transfer_number")) or transfer_id,
        type=text_or_none(raw.get("type")),
        out_type=text_or_none(raw.get("out_type")),
        status=text_or_none(raw.get("status")),
        from_outlet=text_or_none(raw.get("from_outlet_code")),
        to_outlet=text_or_none(raw.get("to_outlet_code")),
        supplier_name=text_or_none(raw.get("supplier_name")),
        notes=text_or_none(raw.get("notes")),
        start_date=parse_utc(raw.get("start_date")),
        completed_date=parse_utc(raw.get("completed_date")),
        modified_date=parse_utc(raw.get("modified_date")),
        lines=lines,
    )


def read_stock_take(raw: Mapping[str, Any]) -> StockTake:
    """An InventoryAdjustments item (dates in UTC)."""
    lines = []
    for item in raw.get("items") or []:
        system = _decimal(item.get("system_stock")) or Decimal(0)
        actual = _decimal(item.get("actual_stock"))
        difference = _decimal(item.get("difference"))
        if difference is None:  # difference = actual − system (I-41 shapes)
            difference = (actual if actual is not None else system) - system
        lines.append(
            CountLine(
                sku=text_or_none(item.get("sku")),
                product_name=text_or_none(item.get("product_name")),
                system_stock=system,
                actual_stock=actual if actual is not None else system + difference,
                difference=difference,
                buying_price=_decimal(item.get("buying_price")),
            )
        )
    adjustment_id = str(raw["adjustment_id"])
    return StockTake(
        adjustment_id=adjustment_id,
        number=text_or_none(raw.get("adjustment_number")) or adjustment_id,
        action=text_or_none(raw.get("action")),
        status=text_or_none(raw.get("status")),
        outlet=text_or_none(raw.get("outlet_code")),
        notes=text_or_none(raw.get("notes")),
        completed_date=parse_utc(raw.get("completed_date")),
        modified_date=parse_utc(raw.get("modified_date")),
        lines=tuple(lines),
    )


def read_record(kind: str, raw: Mapping[str, Any]) -> StockRecord:
    if kind == TRANSFER:
        return read_transfer(raw)
    if kind == ADJUSTMENT:
        return read_stock_take(raw)
    raise ValueError(f"unknown stock document kind {kind!r} (transfer or adjustment)")


def booking_date(record: StockRecord, config: MerchantConfig) -> date | None:
    """The business date the document is booked on; None while it is not completed."""
    moment = record.booked_at
    if moment is None:
        return None
    zone, cutoff = config.outlet_zone(record.booking_outlet)
    return business_date(moment, zone, cutoff)


def document_id(record: StockRecord) -> str:
    """iSeller's id of the document (its Jurnal document's custom_id)."""
    return record.transfer_id if isinstance(record, Transfer) else record.adjustment_id


def staging_row(kind: str, raw: Mapping[str, Any], config: MerchantConfig) -> dict[str, Any]:
    """The columns of ``iseller_stock_documents`` for one fetched document (raw kept)."""
    record = read_record(kind, raw)
    return {
        "document_id": document_id(record),
        "kind": kind,
        "number": record.number,
        "status": record.status,
        "outlet_code": record.booking_outlet,
        "business_date": booking_date(record, config),
        "modified_at": record.modified_date,
        "raw": raw,
    }
