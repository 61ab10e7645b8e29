"""iSeller ``refunded_orders[]`` entries (I-33) → the refund frames of ``core/refunds.py``.

An entry's key is its ``refund_id``, else a digest of the entry, the same key staging uses.
Amounts and quantities may come as numbers or decimal strings; dates as iSeller writes them
(UTC when asked with ``time_zone=0``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from journal_pipeline.core.missing import text_or_none
from journal_pipeline.core.money import to_rupiah
from journal_pipeline.core.refunds import REFUND_COLUMNS, REFUND_LINE_COLUMNS, RefundFrames
from journal_pipeline.core.timestamps import parse_utc


def refund_key(entry: Mapping[str, Any]) -> str:
    """The entry's ``refund_id``, else a digest of its content."""
    given = text_or_none(entry.get("refund_id"))
    if given:
        return given
    text = json.dumps(entry, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text(value: object) -> str | None:
    return None if value is None else text_or_none(str(value))


def refund_frames(entries: Iterable[Mapping[str, Any]]) -> RefundFrames:
    refunds: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for entry in entries:
        order_id = _text(entry.get("order_id"))
        if order_id is None:
            continue
        key = refund_key(entry)
        refunds.append(
            {
                "refund_key": key,
                "order_id": order_id,
                "refund_date": parse_utc(entry.get("refund_date")),
                "refund_amount": to_rupiah(entry.get("refund_amount")),
            }
        )
        for detail in entry.get("refund_details") or []:
            quantity = detail.get("quantity")
            lines.append(
                {
                    "refund_key": key,
                    "order_id": order_id,
                    "order_detail_id": _text(detail.get("order_detail_id")),
                    "product_id": _text(detail.get("product_id")),
                    "sku": _text(detail.get("sku")),
                    "quantity": Decimal(str(quantity)) if quantity not in (None, "") else None,
                }
            )
    refund_frame = pd.DataFrame(refunds, columns=list(REFUND_COLUMNS), dtype=object)
    refund_frame["refund_amount"] = refund_frame["refund_amount"].astype("int64")
    return RefundFrames(
        refund_frame, pd.DataFrame(lines, columns=list(REFUND_LINE_COLUMNS), dtype=object)
    )
