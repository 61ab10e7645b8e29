"""iSeller's stock set against Jurnal's per warehouse and SKU: Jurnal's warehouse stock
quantity report read, one row per warehouse and SKU either side knows, and what of it matters.

Pure: quantities (``Decimal``) in, comparison rows out. iSeller's side comes from
`accounting/iseller_stock.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.iseller_stock import ZERO, Key, StockedProduct, quantity
from journal_pipeline.core.missing import text_or_none

EQUAL = "equal"
DIFFERS = "differs"
NOT_TRACKED_IN_JURNAL = "not tracked in Jurnal"
NOT_STOCKED_IN_ISELLER = "not stocked in iSeller"
WAREHOUSE_NOT_IN_JURNAL = "warehouse not in Jurnal"


@dataclass(frozen=True)
class ComparisonRow:
    warehouse: str
    sku: str
    outlet_code: str
    product_name: str
    iseller_quantity: Decimal | None  # None: iSeller does not stock the SKU
    in_transit: Decimal | None
    jurnal_quantity: Decimal | None  # None: Jurnal does not track it in this warehouse
    status: str

    @property
    def difference(self) -> Decimal | None:
        """Jurnal less (iSeller + in transit); None when one side does not know the SKU."""
        if self.iseller_quantity is None or self.jurnal_quantity is None:
            return None
        return self.jurnal_quantity - (self.iseller_quantity + (self.in_transit or ZERO))


@dataclass(frozen=True)
class JurnalStock:
    """Jurnal's warehouse stock quantity report, read: (warehouse name folded, SKU) → units."""

    quantities: dict[tuple[str, str], Decimal]
    names: dict[str, str]  # SKU → Jurnal product name
    warehouses: set[str]  # folded names of the report's warehouses

    @property
    def skus(self) -> set[str]:
        return set(self.names)

    def of(self, warehouse: str, sku: str) -> Decimal | None:
        return self.quantities.get((warehouse.casefold(), sku))


def jurnal_stock(report: Mapping[str, Any]) -> JurnalStock:
    """``GET warehouse_stock_quantity`` (J-43): rows per tracked product with
    ``warehouses[{name, quantity}]``. A product without a code is keyed by its name."""
    body = report.get("warehouse_stock_quantity") or report
    quantities: dict[tuple[str, str], Decimal] = {}
    names: dict[str, str] = {}
    warehouses: set[str] = set()
    for row in body.get("list") or []:
        name = str(row.get("product_name") or "")
        sku = text_or_none(row.get("product_code")) or f"(no code) {name}"
        names[sku] = name
        for cell in row.get("warehouses") or []:
            warehouse = str(cell.get("name") or "").casefold()
            warehouses.add(warehouse)
            key = (warehouse, sku)
            quantities[key] = quantities.get(key, ZERO) + quantity(cell.get("quantity"))
    return JurnalStock(quantities, names, warehouses)


def compare_stock(
    warehouses: Mapping[str, str],
    iseller: Mapping[Key, Decimal],
    transit: Mapping[Key, Decimal],
    products: Mapping[str, StockedProduct],
    jurnal: JurnalStock,
) -> list[ComparisonRow]:
    """One row per warehouse (outlet → Jurnal warehouse) and SKU either side knows: iSeller's
    stocked products (0 where an outlet holds none) and Jurnal's tracked products."""
    rows = []
    for outlet, warehouse in sorted(warehouses.items()):
        known = warehouse.casefold() in jurnal.warehouses
        for sku in sorted(set(products) | jurnal.skus):
            stocked = sku in products
            ours = iseller.get((outlet, sku), ZERO) if stocked else None
            moving = transit.get((outlet, sku), ZERO) if stocked else None
            theirs = jurnal.of(warehouse, sku)
            if not stocked:
                status = NOT_STOCKED_IN_ISELLER
            elif not known:
                status = WAREHOUSE_NOT_IN_JURNAL
            elif theirs is None:
                status = NOT_TRACKED_IN_JURNAL
            else:
                status = EQUAL if theirs == (ours or ZERO) + (moving or ZERO) else DIFFERS
            name = products[sku].name if stocked else jurnal.names.get(sku, sku)
            rows.append(ComparisonRow(warehouse, sku, outlet, name, ours, moving, theirs, status))
    return rows


def matters(row: ComparisonRow) -> bool:
    """A row known to one side only that holds units there (zero on both is no finding)."""
    if row.status in (EQUAL, DIFFERS):
        return False
    held = [row.iseller_quantity, row.in_transit, row.jurnal_quantity]
    return any(q for q in held if q is not None)


def largest_differences(rows: Iterable[ComparisonRow], count: int = 20) -> list[ComparisonRow]:
    differing = [r for r in rows if r.status == DIFFERS]
    return sorted(differing, key=lambda r: (-abs(r.difference or ZERO), r.warehouse, r.sku))[:count]
