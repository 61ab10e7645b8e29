"""Reading iSeller's stock at past instants and Jurnal's warehouse stock, and the daily stock
comparison of the two (`accounting/iseller_stock.py` and `accounting/stock_comparison.py` do
the arithmetic).

Order of the reads, against the race between current levels and movements: the current levels
(GetProducts) first, and the clock right after them is ``read_at``; then the transfers still in
transfer (status filter); then every order, transfer and stock take changed since the earliest
instant asked (``modified_after``). Movements count by their own instant in (instant,
``read_at``], so a movement after the levels were read is never taken off them; an order
refunded after ``read_at`` still returns with its sale. What remains: a movement made *while*
the product pages are read may or may not be in the levels, and is counted as if it were.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from journal_pipeline.accounting import iseller_stock, stock_comparison
from journal_pipeline.accounting.iseller_stock import Key, Movement, StockedProduct
from journal_pipeline.accounting.stock_comparison import ComparisonRow, JurnalStock
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.storage.stock_comparison import export_dir, replace_comparison, write_csv
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync.stock_movements import read_order_movements

Progress = Callable[[str], None]
REPORT_FROM = date(2000, 1, 1)  # start of the report period: before any stock moved


class StockSource(Protocol):
    """iSeller's reads of stock (the `ISellerClient` fits)."""

    def get_products(self, *, track_inventory: bool = ...) -> list[dict[str, Any]]: ...

    def get_orders(self, *, modified_after: datetime | None = ...) -> Any: ...

    def get_transfers(
        self, *, modified_after: datetime | None = ..., status: str | None = ...
    ) -> list[dict[str, Any]]: ...

    def get_inventory_adjustments(
        self, *, modified_after: datetime | None = ...
    ) -> list[dict[str, Any]]: ...


class JurnalReports(Protocol):
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ISellerStock:
    """What iSeller said: levels at ``read_at`` and every movement since ``since``."""

    read_at: datetime
    since: datetime
    levels: dict[Key, Decimal]
    products: dict[str, StockedProduct]
    movements: list[Movement]
    transfers: list[dict[str, Any]]  # changed since ``since`` and those still in transfer
    outlets: set[str] = field(default_factory=set)  # outlets iSeller holds stock at
    orders_read: str = "full"  # how the orders' movements were read (`stock_movements`)

    def at(self, instants: Mapping[str, datetime]) -> dict[Key, Decimal]:
        """(outlet, SKU) → stock at each outlet's instant."""
        early = [o for o, t in instants.items() if t < self.since]
        if early:
            raise ValueError(f"outlet {early[0]}: asked before {self.since}, not read")
        return iseller_stock.stock_at(self.levels, self.movements, instants, self.read_at)

    def in_transit(self, instants: Mapping[str, datetime]) -> dict[Key, Decimal]:
        return iseller_stock.in_transit(self.transfers, instants)


@cycle_collection_paused()  # every order since the day's end, decoded, stays alive
def read_iseller_stock(
    client: StockSource,
    since: datetime,
    *,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress | None = None,
    store: StagingStore | None = None,
    day: date | None = None,
) -> ISellerStock:
    """Current levels, then every movement since ``since`` (see the module's note); with a
    ``store`` and the ``day`` compared, the orders' movements are read incrementally
    (`stock_movements`)."""
    say = progress or (lambda _text: None)
    say("iSeller: reading current stock (GetProducts, tracked products)")
    products = client.get_products(track_inventory=True)
    read_at = clock()
    say("iSeller: reading transfers in transit (GetTransfer)")
    in_transfer = client.get_transfers(status="in_transfer")
    say(f"iSeller: reading orders changed since {since:%Y-%m-%d %H:%M} UTC (GetOrders)")
    marks = store if day is not None else None  # a day's mark needs the day
    orders = read_order_movements(client, since, read_at, marks, day or since.date())
    say("iSeller: reading transfers and stock takes changed since then")
    changed = client.get_transfers(modified_after=since)
    adjustments = client.get_inventory_adjustments(modified_after=since)
    movements = [
        *orders.movements,
        *iseller_stock.transfer_movements(changed),
        *iseller_stock.adjustment_movements(adjustments),
    ]
    current = iseller_stock.current_levels(products)
    return ISellerStock(
        read_at=read_at,
        since=since,
        levels=current,
        products=iseller_stock.stocked_products(products),
        movements=movements,
        transfers=[*changed, *in_transfer],  # the newer state of a transfer first
        outlets={outlet for outlet, _ in current},
        orders_read=orders.why,
    )


def read_jurnal_stock(client: JurnalReports, day: date) -> JurnalStock:
    """Jurnal's units per warehouse and product at the end of ``day`` (J-43)."""
    report = client.get(
        "warehouse_stock_quantity",
        {"start_date": f"{REPORT_FROM:%d/%m/%Y}", "end_date": f"{day:%d/%m/%Y}"},
    )
    return stock_comparison.jurnal_stock(report)


def warehouses(config: MerchantConfig, outlets: Sequence[str] | None = None) -> dict[str, str]:
    """Outlet code → its Jurnal warehouse, for the outlets (default all) that have one."""
    chosen = outlets if outlets is not None else list(config.outlets)
    found = {}
    for code in chosen:
        outlet = config.outlet(code)
        if outlet is not None and outlet.warehouse:
            found[code.upper()] = outlet.warehouse
    return found


# -- the daily comparison -------------------------------------------------------------------


@dataclass
class StockComparison:
    day: date
    rows: list[ComparisonRow]
    read_at: datetime
    problems: list[str]  # outlets iSeller stocks that the config gives no warehouse
    orders_read: str = "full"  # how the orders' movements were read (`stock_movements`)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def differing(self) -> list[ComparisonRow]:
        return stock_comparison.largest_differences(self.rows, count=len(self.rows))


def compare_day(
    iseller: StockSource,
    jurnal: JurnalReports,
    config: MerchantConfig,
    day: date,
    *,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress | None = None,
    store: StagingStore | None = None,
) -> StockComparison:
    """iSeller's stock at the end of business day ``day`` (each outlet's zone and cut-off)
    plus what each outlet has in transit, against Jurnal's warehouse quantities that day
    (with a ``store``, the orders' movements read incrementally: `stock_movements`)."""
    say = progress or (lambda _text: None)
    where = warehouses(config)
    if not where:
        raise ValueError(
            "no outlet of the config names its Jurnal warehouse: add `warehouse:` to each "
            "outlet under outlets in the config"
        )
    instants = iseller_stock.day_end_instants(config, day, where)
    since = min(instants.values())
    stock = read_iseller_stock(iseller, since, clock=clock, progress=say, store=store, day=day)
    say(f"Jurnal: reading warehouse stock quantity at the end of {day.isoformat()}")
    theirs = read_jurnal_stock(jurnal, day)
    rows = stock_comparison.compare_stock(
        where, stock.at(instants), stock.in_transit(instants), stock.products, theirs
    )
    unmapped = sorted(stock.outlets - set(where))
    problems = [
        f"outlet {code}: iSeller holds stock there but the config names no warehouse for it "
        "(add `warehouse:` to the outlet), so it is not compared"
        for code in unmapped
    ]
    return StockComparison(day, rows, stock.read_at, problems, stock.orders_read)


def compared_days_start(config: MerchantConfig, today: date) -> date:
    """The oldest business day still compared (``stock.comparison_days`` before today)."""
    return today - timedelta(days=config.stock.comparison_days)


def row_record(row: ComparisonRow) -> dict[str, Any]:
    """A comparison row as staged and exported (``status`` for the CSV only)."""
    return {
        "warehouse": row.warehouse,
        "sku": row.sku,
        "outlet_code": row.outlet_code,
        "product_name": row.product_name,
        "iseller_quantity": row.iseller_quantity,
        "in_transit": row.in_transit,
        "jurnal_quantity": row.jurnal_quantity,
        "difference": row.difference,
        "status": row.status,
    }


def record_comparison(
    store: StagingStore, comparison: StockComparison, folder: Path | None = None
) -> Path:
    """Stage the day's rows (replacing the day's) and write its CSV; returns the file."""
    records = [row_record(r) for r in comparison.rows]
    replace_comparison(store, comparison.day, records, comparison.read_at)
    return write_csv(folder or export_dir(store), comparison.day, records)
