"""Refunds and voids of orders carried by a daily summary: their sales return goes against the
summary invoice, line for line, and is priced as Jurnal prices a return of that invoice.

A per-order sales return names its order's invoice and the line there (`reversals.py`). When
the order is in a summary, the line is the summary's line that took it (`Member.line_map`), and
what the return credits the receivable is Jurnal's share of that summary line (its amount,
discount share and tax for the units returned, J-37), which can differ by cents from the
share in the order's own invoice. The journal entry that pays the refund back debits the
receivable by exactly that, and its rounding line takes the difference, so the receivable nets
to zero and the clearing account is credited the refund exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from journal_pipeline.accounting.documents import JOURNAL_ENTRY, SALES_RETURN, Document
from journal_pipeline.accounting.holds import Hold
from journal_pipeline.accounting.invoices import json_number
from journal_pipeline.accounting.return_arithmetic import (
    invoice_line_facts,
    invoice_model,
    returned_part,
)
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import to_rupiah

if TYPE_CHECKING:
    from journal_pipeline.accounting.daily_summary import Member

RECEIVABLE_TEXT = "sales return credit"
ROUNDING_TEXT = "rounding"


def returns_against_summaries(
    documents: list[Document],
    carriers: Mapping[str, Member],
    bodies: Mapping[str, Mapping[str, Any]],
    config: MerchantConfig,
) -> tuple[list[Document], list[Hold]]:
    """The documents with every sales return of a summarised order (and its journal entry)
    moved onto the summary invoice; a return that cannot be is held with its entry."""
    entries = {d.custom_id: d for d in documents if d.doc_type == JOURNAL_ENTRY}
    moved: dict[str, Document] = {}
    holds: list[Hold] = []
    dropped: set[str] = set()
    for doc in documents:
        if doc.doc_type != SALES_RETURN:
            continue
        member = carriers.get(doc.payload[SALES_RETURN].get("invoice_no"))
        if member is None:
            continue
        entry = entries.get(doc.custom_id)
        result = _moved(doc, entry, member, bodies, config)
        if isinstance(result, str):
            dropped.update({doc.doc_key, *([entry.doc_key] if entry else [])})
            for held in (doc, entry):
                if held is not None:
                    holds.append(
                        Hold(
                            "refund",
                            held.source_id,
                            held.source_reference,
                            held.outlet_code,
                            held.business_date,
                            result,
                            held.doc_type,
                        )
                    )
            continue
        for new in result:
            moved[new.doc_key] = new
    out = [moved.get(d.doc_key, d) for d in documents if d.doc_key not in dropped]
    return out, holds


def _moved(
    doc: Document,
    entry: Document | None,
    member: Member,
    bodies: Mapping[str, Mapping[str, Any]],
    config: MerchantConfig,
) -> list[Document] | str:
    body = doc.payload[SALES_RETURN]
    lines = body.get("transaction_return_lines_attributes") or []
    spots = [_spot(member, line) for line in lines]
    targets = {spot[0] for spot in spots if spot is not None}
    what = f"Refund {doc.transaction_no} of order {doc.source_reference}"
    if None in spots or len(targets) != 1:
        return (
            f"{what}: its lines are in {len(targets)} summary invoices of "
            f"{member.business_date.isoformat()} (lines of different tax). Record the return "
            "in Jurnal by hand, one per summary invoice."
        )
    target = targets.pop()
    summary = bodies.get(target)
    if summary is None:
        return f"{what}: summary invoice {target} is not built yet; run its day first."
    inclusive = bool(summary.get("use_tax_inclusive"))
    facts = invoice_line_facts(
        invoice_model(summary, config),
        discount_value=Decimal(str(summary.get("discount_unit", 0))),
        tax_inclusive=inclusive,
    )
    receivable = Decimal(0)
    new_lines = []
    for line, spot in zip(lines, spots, strict=True):
        assert spot is not None
        units = Decimal(str(line["return_quantity"]))
        receivable += returned_part(facts[spot[1]], units, tax_inclusive=inclusive).receivable
        new_lines.append({**line, "invoice_line_index": spot[1]})
    new_body = {
        **body,
        "invoice_no": target,
        "memo": f"{body.get('memo', '')}; the order is in daily summary invoice {target}",
        "transaction_return_lines_attributes": new_lines,
    }
    moved = [replace(doc, payload={SALES_RETURN: new_body}, expected_total=to_rupiah(receivable))]
    if entry is not None:
        moved.append(_entry_for(entry, receivable, config))
    return moved


def _spot(member: Member, line: Mapping[str, Any]) -> tuple[str, int] | None:
    position = line.get("invoice_line_index")
    if not isinstance(position, int) or not 0 <= position < len(member.line_map):
        return None
    return member.line_map[position]


def _entry_for(entry: Document, receivable: Decimal, config: MerchantConfig) -> Document:
    """The refund's journal entry debiting the receivable by the summary's return value; its
    rounding line takes the difference."""
    body = entry.payload[JOURNAL_ENTRY]
    lines = [dict(line) for line in body["transaction_account_lines_attributes"]]
    rounding_account = config.account("rounding", entry.outlet_code)
    gap = Decimal(0)
    for line in lines:
        if line.get("description") == RECEIVABLE_TEXT:
            gap = Decimal(str(line.get("debit", 0))) - receivable
            line["debit"] = json_number(receivable)
    rounding = next((ln for ln in lines if ln.get("description") == ROUNDING_TEXT), None)
    if gap:
        if rounding is None:
            rounding = {"account_name": rounding_account, "description": ROUNDING_TEXT}
            lines.insert(len(lines) - 1, rounding)
        net = Decimal(str(rounding.pop("debit", 0))) - Decimal(str(rounding.pop("credit", 0)))
        net += gap
        if net:
            rounding["debit" if net > 0 else "credit"] = json_number(abs(net))
        else:
            lines.remove(rounding)
    debit = sum((Decimal(str(ln.get("debit", 0))) for ln in lines), Decimal(0))
    new_body = {**body, "transaction_account_lines_attributes": lines}
    return replace(entry, payload={JOURNAL_ENTRY: new_body}, expected_total=to_rupiah(debit))
