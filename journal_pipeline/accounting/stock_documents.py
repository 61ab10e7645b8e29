"""iSeller's stock documents of one business day → Jurnal stock documents, holds and the
canonical journal's stock entries (docs/posting-model.md, "Stock documents").

- Outlet-to-outlet transfer, once completed → one ``warehouse_transfer`` of the accepted
  units, dated at the destination; no journal entry (inventory to inventory).
- Supplier receipt, once completed → one ``stock_adjustment`` "Stock In/Out" into the
  destination at iSeller's buying price, against goods received not yet billed:

      Dr inventory        Σ accepted × buying_price
      Cr goods_received   the same                      (entry ``stock:receipt:<id>``)

- Return to a supplier → one "Stock In/Out" out of the origin, against goods received:
  Dr goods_received / Cr inventory at buying price, an estimate (Jurnal takes its moving
  average) (``stock:return:<id>``).
- Stock take, once completed → one "Stock In/Out" of each counted difference against the
  inventory adjustment account: shrinkage Dr inventory_adjustment / Cr inventory, surplus the
  reverse, at buying price, an estimate (``stock:count:<id>``).

Keys: ``custom_id`` is iSeller's document id, ``transaction_no`` its number. A document of a
locked day is dated the first open day, its memo says so. Anything that cannot be resolved
(an outlet, a warehouse, an account) is held with the record, the cause and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from journal_pipeline.accounting import stock_records as sr
from journal_pipeline.accounting.documents import STOCK_ADJUSTMENT, WAREHOUSE_TRANSFER, Document
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.invoices import json_number
from journal_pipeline.accounting.periods import PostingDate, correction_date
from journal_pipeline.accounting.posting_rules import journal_frame
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import to_rupiah
from journal_pipeline.core.stock import STOCK_ENTRY

FIX = "in the config file (JOURNAL_PIPELINE_CONFIG), then run the day again."
MEMO_ITEMS = 20  # counted lines a stock take's memo lists; the rest are counted

# What became of an iSeller document that posts nothing (metadata, the posting check)
NOTHING_ACCEPTED = "nothing accepted: every unit was rejected or cancelled"
NOTHING_TO_ADJUST = "nothing to adjust: every count equals the system stock"
BOOKED_BY_TRANSFER_OUT = "the receiving side of an outlet transfer, booked by its transfer out"
STOCK_OFF = "stock documents are off (stock.enabled: false)"


@dataclass(frozen=True)
class StagedStockDocument:
    """One staged iSeller stock document: ``kind`` transfer | adjustment, and its raw JSON."""

    kind: str
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What the build made of one iSeller document: the Jurnal document (``doc_key``), a
    hold, or nothing with the reason (``note``)."""

    document_id: str
    kind: str  # "transfer" | "stock take"
    number: str
    status: str | None
    outlet_code: str | None
    doc_key: str | None = None
    note: str | None = None


@dataclass
class StockBuild:
    documents: list[Document] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    # posted documents that cannot be built again, so are not corrected (`sync.stock_changes`)
    uncorrected: list[str] = field(default_factory=list)

    def journal_frame(self) -> pd.DataFrame:
        return journal_frame(self.lines)


def build_stock_documents(
    staged: Iterable[StagedStockDocument], config: MerchantConfig, day: date
) -> StockBuild:
    """The Jurnal documents, holds and journal lines of the documents booked on ``day``."""
    build = StockBuild()
    for item in staged:
        record = sr.read_record(item.kind, item.raw)
        if sr.booking_date(record, config) != day:
            continue  # not completed, or booked on another day
        if not config.stock.enabled:
            build.outcomes.append(_outcome(record, note=STOCK_OFF))
        elif isinstance(record, sr.Transfer):
            _transfer(build, record, config, day)
        else:
            _stock_take(build, record, config, day)
    return build


# --- transfers ---------------------------------------------------------------------------


def _transfer(build: StockBuild, transfer: sr.Transfer, config: MerchantConfig, day: date) -> None:
    movement = transfer.movement
    if movement == sr.OUTLET_RECEIPT:
        build.outcomes.append(_outcome(transfer, note=BOOKED_BY_TRANSFER_OUT))
        return
    doc_type = WAREHOUSE_TRANSFER if movement == sr.OUTLET_TRANSFER else STOCK_ADJUSTMENT
    if movement == sr.UNKNOWN:
        reason = (
            f"type {transfer.type!r} / out_type {transfer.out_type!r} is not a stock movement "
            "the pipeline books (outlet transfer, supplier receipt, return to supplier). Book "
            "it by hand in Jurnal if it moved stock."
        )
        _hold(build, transfer, day, doc_type, reason)
        return
    lines = [line for line in transfer.lines if (line.accepted or 0) != 0]
    if not lines:
        build.outcomes.append(_outcome(transfer, note=NOTHING_ACCEPTED))
        return
    problem = _unnamed_line(transfer.lines)
    if problem:
        _hold(build, transfer, day, doc_type, problem)
        return
    if movement == sr.OUTLET_TRANSFER:
        _warehouse_transfer(build, transfer, lines, config, day)
    else:
        _supplier_movement(build, transfer, lines, config, day)


def _warehouse_transfer(
    build: StockBuild,
    transfer: sr.Transfer,
    lines: list[sr.TransferLine],
    config: MerchantConfig,
    day: date,
) -> None:
    warehouses = []
    for end, code in (("origin", transfer.from_outlet), ("destination", transfer.to_outlet)):
        warehouse, problem = _warehouse(code, end, config)
        if problem:
            _hold(build, transfer, day, WAREHOUSE_TRANSFER, problem)
            return
        warehouses.append(warehouse)
    source, target = warehouses
    if source.casefold() == target.casefold():
        reason = (
            f"both outlets use the warehouse {source!r}, and Jurnal moves no stock within one "
            f"warehouse. Give outlets.{transfer.from_outlet} and outlets.{transfer.to_outlet} "
            f"their own warehouse {FIX}"
        )
        _hold(build, transfer, day, WAREHOUSE_TRANSFER, reason)
        return
    dated = correction_date(day, config)
    back = _returned_units(transfer.lines)
    memo = f"iSeller transfer {transfer.number}: {transfer.from_outlet} → {transfer.to_outlet}"
    memo += f", received {day.isoformat()}, accepted units"
    memo += f"; {back} back to {transfer.from_outlet}" if back else ""
    body = {
        "from_warehouse_name": source,
        "to_warehouse_name": target,
        "transaction_date": jurnal_date(dated.day),
        "transaction_no": transfer.number,
        "custom_id": transfer.transfer_id,
        "memo": with_note(memo, dated),
        "warehouse_transfer_lines_attributes": [
            {**_product(line.sku, line.product_name), "quantity": json_number(line.accepted or 0)}
            for line in lines
        ],
    }
    _document(build, transfer, day, WAREHOUSE_TRANSFER, body)


def _supplier_movement(
    build: StockBuild,
    transfer: sr.Transfer,
    lines: list[sr.TransferLine],
    config: MerchantConfig,
    day: date,
) -> None:
    """A supplier receipt (stock in at buying price) or a return (stock out), both against
    goods received not yet billed."""
    receipt = transfer.movement == sr.SUPPLIER_RECEIPT
    outlet = transfer.booking_outlet
    warehouse, problem = _warehouse(outlet, "destination" if receipt else "origin", config)
    problem = problem or _account_missing(config, "goods_received", outlet)
    problem = problem or _account_missing(config, "inventory", outlet)
    unpriced = [line for line in lines if line.buying_price is None]
    if receipt and unpriced and not problem:
        problem = (
            f"{_line_name(unpriced[0])} has no buying_price, the cost the receipt is booked at. "
            "Enter the cost on the receipt in iSeller, or post the receipt by hand in Jurnal."
        )
    if problem:
        _hold(build, transfer, day, STOCK_ADJUSTMENT, problem)
        return
    dated = correction_date(day, config)
    supplier = transfer.supplier_name or "the supplier"
    if receipt:
        memo = f"iSeller receipt {transfer.number} from {supplier} into {outlet}: goods received"
        memo += ", not yet billed (the supplier's bill clears it)"
    else:
        memo = f"iSeller return {transfer.number} from {outlet} to {supplier}"
    body_lines = []
    for line in lines:
        quantity = line.accepted or Decimal(0)
        body_line = {
            **_product(line.sku, line.product_name),
            "difference": json_number(quantity if receipt else -quantity),
        }
        if receipt:
            body_line["use_custom_average_price"] = True
            body_line["average_price"] = json_number(line.buying_price or 0)
        body_lines.append(body_line)
    body = adjustment_body(
        transfer.transfer_id,
        transfer.number,
        warehouse,
        config.account("goods_received", outlet),
        dated,
        with_note(memo, dated),
        body_lines,
    )
    _document(build, transfer, day, STOCK_ADJUSTMENT, body)
    entry = _Entry(
        f"{STOCK_ENTRY}{'receipt' if receipt else 'return'}:{transfer.transfer_id}",
        transfer,
        dated.day,
        config,
        estimate=not receipt,
    )
    total = 0
    for line in lines:
        value = to_rupiah((line.accepted or 0) * (line.buying_price or 0))
        total += value
        text = f"{_line_name(line)}: {json_number(line.accepted or 0)} × {line.buying_price or 0}"
        entry.add("inventory", value if receipt else 0, 0 if receipt else value, text)
    entry.add("goods_received", 0 if receipt else total, total if receipt else 0, memo)
    build.lines.extend(entry.lines)


# --- stock takes -------------------------------------------------------------------------


def _stock_take(build: StockBuild, count: sr.StockTake, config: MerchantConfig, day: date) -> None:
    if (count.action or "opname").lower() != "opname":
        reason = (
            f"action {count.action!r} is not a stock take (opname), the only inventory "
            "adjustment the pipeline books. Book it by hand in Jurnal if it moved stock."
        )
        _hold(build, count, day, STOCK_ADJUSTMENT, reason)
        return
    lines = [line for line in count.lines if line.difference != 0]
    if not lines:
        build.outcomes.append(_outcome(count, note=NOTHING_TO_ADJUST))
        return
    outlet = count.outlet
    warehouse, problem = _warehouse(outlet, "counting", config)
    problem = problem or _account_missing(config, "inventory_adjustment", outlet)
    problem = problem or _account_missing(config, "inventory", outlet)
    problem = problem or _unnamed_line(count.lines)
    if problem:
        _hold(build, count, day, STOCK_ADJUSTMENT, problem)
        return
    dated = correction_date(day, config)
    listed = "; ".join(
        f"{_line_name(line)} {json_number(line.actual_stock)}/{json_number(line.system_stock)}"
        for line in lines[:MEMO_ITEMS]
    )
    more = f"; …and {len(lines) - MEMO_ITEMS} more" if len(lines) > MEMO_ITEMS else ""
    memo = (
        f"iSeller stock take {count.number} at {outlet}, {day.isoformat()}: counted/system "
        f"{listed}{more}"
    )
    body = adjustment_body(
        count.adjustment_id,
        count.number,
        warehouse,
        config.account("inventory_adjustment", outlet),
        dated,
        with_note(memo, dated),
        [
            {**_product(line.sku, line.product_name), "difference": json_number(line.difference)}
            for line in lines
        ],
    )
    _document(build, count, day, STOCK_ADJUSTMENT, body)
    entry = _Entry(f"{STOCK_ENTRY}count:{count.adjustment_id}", count, dated.day, config)
    shrinkage = surplus = 0
    for line in lines:
        value = to_rupiah(abs(line.difference) * (line.buying_price or 0))
        text = (
            f"{_line_name(line)}: counted {json_number(line.actual_stock)}, system "
            f"{json_number(line.system_stock)}, × {line.buying_price or 0}"
        )
        if line.difference < 0:
            shrinkage += value
            entry.add("inventory", 0, value, text)
        else:
            surplus += value
            entry.add("inventory", value, 0, text)
    entry.add("inventory_adjustment", shrinkage, 0, f"Stock take {count.number}: shrinkage")
    entry.add("inventory_adjustment", 0, surplus, f"Stock take {count.number}: surplus")
    build.lines.extend(entry.lines)


# --- parts -------------------------------------------------------------------------------


class _Entry:
    """The lines of one canonical stock entry (at iSeller's buying price)."""

    def __init__(
        self,
        entry_id: str,
        record: sr.StockRecord,
        day: date,
        config: MerchantConfig,
        *,
        estimate: bool = True,
    ):
        self.entry_id, self.record, self.day, self.config = entry_id, record, day, config
        self.estimate = estimate
        self.lines: list[dict[str, Any]] = []

    def add(self, role: str, debit: int, credit: int, text: str) -> None:
        if debit == 0 and credit == 0:
            return
        outlet = self.record.booking_outlet
        self.lines.append(
            {
                "entry_id": self.entry_id,
                "business_date": self.day,
                "outlet_code": outlet,
                "source_type": _source_type(self.record),
                "source_id": sr.document_id(self.record),
                "source_reference": self.record.number,
                "line_no": len(self.lines) + 1,
                "account_role": role,
                "account_name": self.config.account(role, outlet),
                "debit": debit,
                "credit": credit,
                "description": text,
                "is_estimate": self.estimate,
            }
        )


def adjustment_body(
    custom_id: str,
    number: str,
    warehouse: str,
    account: str | None,
    dated: PostingDate,
    memo: str,
    lines: list[dict[str, Any]],
) -> dict[str, Any]:
    """A "Stock In/Out" stock adjustment (``maintain_actual: false``: lines by difference)."""
    return {
        "stock_adjustment_type": "General",
        "maintain_actual": False,
        "warehouse_name": warehouse,
        "account_name": account,
        "date": jurnal_date(dated.day),
        "transaction_no": number,
        "custom_id": custom_id,
        "memo": memo,
        "lines_attributes": lines,
    }


def _document(
    build: StockBuild, record: sr.StockRecord, day: date, doc_type: str, body: dict[str, Any]
) -> None:
    source_id = sr.document_id(record)
    root = "warehouse_transfer" if doc_type == WAREHOUSE_TRANSFER else "stock_adjustment"
    document = Document(
        doc_key=f"{doc_type}:{source_id}",
        doc_type=doc_type,
        business_date=day,
        outlet_code=record.booking_outlet or "?",
        source_id=source_id,
        source_reference=record.number,
        transaction_no=record.number,
        custom_id=source_id,
        expected_total=None,  # quantities, no money total
        payload={root: body},
    )
    build.documents.append(document)
    build.outcomes.append(_outcome(record, doc_key=document.doc_key))


def _hold(build: StockBuild, record: sr.StockRecord, day: date, doc_type: str, reason: str) -> None:
    hold = Hold(
        _source_type(record),
        sr.document_id(record),
        record.number,
        record.booking_outlet or "?",
        day,
        f"{record.label()}, {day.isoformat()}: {reason}",
        doc_type,
    )
    build.holds.append(hold)
    build.outcomes.append(_outcome(record, doc_key=hold.doc_key))


def _outcome(
    record: sr.StockRecord, *, doc_key: str | None = None, note: str | None = None
) -> Outcome:
    return Outcome(
        sr.document_id(record),
        "transfer" if isinstance(record, sr.Transfer) else "stock take",
        record.number,
        record.status,
        record.booking_outlet,
        doc_key,
        note,
    )


def _warehouse(code: str | None, end: str, config: MerchantConfig) -> tuple[str, str | None]:
    """(the outlet's Jurnal warehouse, else why not and the fix)."""
    outlet = config.outlet(code)
    if code is None:
        return "", f"the {end} outlet is not named (no outlet code). Fix the document in iSeller."
    if outlet is None:
        return "", (
            f"the {end} outlet {code} is not in the config. Add outlets.{code} with its "
            f"Jurnal warehouse (warehouse: <name>) {FIX}"
        )
    if not outlet.warehouse:
        return "", (
            f"the {end} outlet {code} has no Jurnal warehouse. Add warehouse: <name> under "
            f"outlets.{code} {FIX}"
        )
    return outlet.warehouse, None


def _account_missing(config: MerchantConfig, role: str, outlet: str | None) -> str | None:
    if config.account(role, outlet):
        return None
    return f"the account role {role} has no Jurnal account. Add accounts.{role}: <account> {FIX}"


def _unnamed_line(lines: Iterable[sr.TransferLine | sr.CountLine]) -> str | None:
    for number, line in enumerate(lines, start=1):
        if line.sku is None and line.product_name is None:
            return (
                f"line {number} names no product (neither SKU nor name). Fix the document in "
                "iSeller, or post it by hand in Jurnal."
            )
    return None


def _returned_units(lines: Iterable[sr.TransferLine]) -> str:
    rejected = sum((line.rejected or 0 for line in lines), Decimal(0))
    cancelled = sum((line.cancelled or 0 for line in lines), Decimal(0))
    parts = [f"{json_number(rejected)} rejected"] if rejected else []
    parts += [f"{json_number(cancelled)} cancelled"] if cancelled else []
    return ", ".join(parts)


def _product(sku: str | None, name: str | None) -> dict[str, str]:
    """How a line names its Jurnal product: by SKU (``product_code``), else by name."""
    return {"product_code": sku} if sku else {"product_name": name or ""}


def _line_name(line: sr.TransferLine | sr.CountLine) -> str:
    return line.sku or line.product_name or "?"


def _source_type(record: sr.StockRecord) -> str:
    return "transfer" if isinstance(record, sr.Transfer) else "stock_take"


def jurnal_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")  # the documented form of these two resources


def with_note(memo: str, dated: PostingDate) -> str:
    return f"{memo} ({dated.note})" if dated.note else memo
