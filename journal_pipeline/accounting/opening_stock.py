"""The opening stock: the stock adjustment that brings a Jurnal warehouse to iSeller's stock at
the start of a day (`journal-pipeline stock init`). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from journal_pipeline.accounting.documents import OPENING_STOCK, Document
from journal_pipeline.accounting.iseller_stock import ZERO, StockedProduct
from journal_pipeline.accounting.periods import PostingDate, correction_date
from journal_pipeline.accounting.stock_comparison import JurnalStock
from journal_pipeline.config import MerchantConfig

# -- opening stock --------------------------------------------------------------------------

RUN_A_SYNC = (
    "`journal-pipeline stock init` without --dry-run creates the catalogue's products first "
    "(so does a sync's products asset); if it still is not tracked, check the product in "
    "Jurnal (Inventory → Products: track inventory), then run `stock init` again"
)


@dataclass(frozen=True)
class OpeningLine:
    sku: str
    name: str
    iseller_quantity: Decimal  # at the start of the day, in transit included
    jurnal_quantity: Decimal  # at the end of the day before
    average_price: Decimal | None  # stock in at iSeller's cost; None: out at Jurnal's average

    @property
    def difference(self) -> Decimal:
        return self.iseller_quantity - self.jurnal_quantity


@dataclass
class OpeningStock:
    """What `stock init` does for one outlet's warehouse."""

    outlet_code: str
    warehouse: str
    day: date  # the first day counted: Jurnal is brought to iSeller's stock at its start
    posting: PostingDate
    lines: list[OpeningLine] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # SKUs left out, with the fix
    document: Document | None = None

    @property
    def source_id(self) -> str:
        return opening_source_id(self.outlet_code, self.day)


def opening_source_id(outlet_code: str, day: date) -> str:
    return f"{outlet_code.upper()}/{day.isoformat()}"


def opening_keys(outlet_code: str, day: date) -> tuple[str, str]:
    """(custom_id, transaction_no) of an outlet's opening stock for ``day``."""
    code = outlet_code.upper()
    return f"opening-stock/{code}/{day.isoformat()}", f"STOCK-INIT/{code}/{day:%Y%m%d}"


def _number(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value.normalize())


def opening_stock(
    config: MerchantConfig,
    outlet_code: str,
    day: date,
    target: Mapping[str, Decimal],
    products: Mapping[str, StockedProduct],
    jurnal: JurnalStock,
) -> OpeningStock:
    """The stock adjustment ("Stock In/Out") that brings the outlet's Jurnal warehouse, at the
    end of ``day`` − 1, to ``target`` (SKU → iSeller's units at the start of ``day``, in
    transit included): a line per SKU that differs; SKUs Jurnal does not track are refused."""
    outlet = config.outlet(outlet_code)
    if outlet is None or not outlet.warehouse:
        raise ValueError(f"outlet {outlet_code} has no warehouse in the config")
    before = day - timedelta(days=1)
    plan = OpeningStock(outlet_code.upper(), outlet.warehouse, day, correction_date(before, config))
    if config.account("opening_stock", outlet_code) is None:
        plan.refused.append(
            f"outlet {plan.outlet_code}: no Jurnal account for the role opening_stock; add "
            "`opening_stock: <Jurnal equity account>` under accounts in the config"
        )
        return plan
    for sku in sorted(set(products) | {s for s, q in target.items() if q}):
        ours = target.get(sku, ZERO)
        theirs = jurnal.of(outlet.warehouse, sku)
        name = products[sku].name if sku in products else sku
        if theirs is None:
            if ours:
                plan.refused.append(
                    f"SKU {sku} ({name}): iSeller holds {_number(ours)} at outlet "
                    f"{plan.outlet_code} but Jurnal does not track it in {outlet.warehouse}; "
                    f"{RUN_A_SYNC}."
                )
            continue
        if ours == theirs:
            continue
        price = products[sku].buying_price if sku in products and ours > theirs else None
        plan.lines.append(OpeningLine(sku, name, ours, theirs, price))
    if plan.lines:
        plan.document = _opening_document(config, plan)
    return plan


def _opening_document(config: MerchantConfig, plan: OpeningStock) -> Document:
    custom_id, number = opening_keys(plan.outlet_code, plan.day)
    memo = (
        f"Opening stock of {plan.warehouse}: iSeller's stock of outlet {plan.outlet_code} at the "
        f"start of {plan.day.isoformat()} (in transit included)"
    )
    if plan.posting.note:
        memo += f"; {plan.posting.note}"
    lines = []
    for line in plan.lines:
        body: dict[str, Any] = {
            "product_code": line.sku,
            "difference": _number(line.difference),
            "use_custom_average_price": line.average_price is not None,
        }
        if line.average_price is not None:
            body["average_price"] = _number(line.average_price)
        lines.append(body)
    before = plan.day - timedelta(days=1)
    return Document(
        doc_key=f"{OPENING_STOCK}:{plan.source_id}",
        doc_type=OPENING_STOCK,
        business_date=before,
        outlet_code=plan.outlet_code,
        source_id=plan.source_id,
        source_reference=number,
        transaction_no=number,
        custom_id=custom_id,
        expected_total=None,  # quantities, not a money total
        payload={
            "stock_adjustment": {
                "stock_adjustment_type": "General",
                "transaction_no": number,
                "custom_id": custom_id,
                "date": plan.posting.day.isoformat(),
                "warehouse_name": plan.warehouse,
                "account_name": config.account("opening_stock", plan.outlet_code),
                "maintain_actual": False,
                "memo": memo,
                "lines_attributes": lines,
            }
        },
    )
