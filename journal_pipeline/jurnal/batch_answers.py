"""What a ``batch_create`` answer says of each item: created, refused, or not said.

Every documented batch answer gives each item a ``status`` and a ``content`` (the record, or the
refusal's field messages), except ``bank_transfers/batch_create``, whose documented answer only
echoes the items as sent (docs/assumptions/jurnal.md, J-45). Such an item, or a 2xx item whose
answer shows no record, is *unknown*: neither created nor refused as far as the answer tells.
:class:`~journal_pipeline.jurnal.idempotent.IdempotentWrites` then looks the document up by its
identity; nothing here treats it as a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from journal_pipeline.jurnal.errors import is_duplicate, parse_validation_body
from journal_pipeline.jurnal.resources import ResourceSpec

#: The errors of a batch item whose answer did not say what became of it (J-45).
UNKNOWN_OUTCOME = "Jurnal's answer did not say whether it was created"
NOT_FOUND = f"{UNKNOWN_OUTCOME}, and it is not in Jurnal yet"


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one item of a batch.

    - created: ``record`` set, ``duplicate`` False;
    - already in Jurnal (a retried or repeated batch): ``duplicate`` True, ``existing_id`` the
      record Jurnal named or found, ``record`` set once looked up (``batch_create``) or None
      (``batch_create_sales_invoices``, or when the record there is another document);
    - refused: ``record`` None, ``errors`` maps each field to Jurnal's messages;
    - outcome unknown (an answer item without ``status``/``content``, J-45): ``unknown`` True,
      and ``record`` the document found in Jurnal by its identity (``batch_create``), or None
      when it is not there, or not looked up (``errors`` then says which); such a document is
      neither created nor refused as far as is known, and is tried again later.
    """

    index: int
    status: int
    record: dict[str, Any] | None
    errors: dict[str, list[str]] | None
    duplicate: bool = False
    existing_id: int | None = None
    unknown: bool = False

    @property
    def ok(self) -> bool:
        return self.record is not None


def read_batch_answer(spec: ResourceSpec, rows: Sequence[Any], offset: int) -> list[ItemResult]:
    """One :class:`ItemResult` per answer row (``{"<root>": {...}}``), indexes from ``offset``."""
    results = []
    for index, row in enumerate(rows, start=offset):
        item = row.get(spec.root) if isinstance(row, Mapping) else None
        item = item if isinstance(item, Mapping) else {}
        if "status" not in item and "content" not in item:
            # the item as sent (J-45), or nothing: whether Jurnal took it is unknown
            results.append(unknown(index, 0, item.get("id")))
            continue
        try:
            status = int(item.get("status") or 0)
        except (TypeError, ValueError):
            status = 0
        content = item.get("content")
        if 200 <= status < 300 and isinstance(content, dict) and content.get("id") is not None:
            results.append(ItemResult(index, status, content, None))
            continue
        if 200 <= status < 300:  # taken, but the answer does not show the record
            results.append(unknown(index, status, None))
            continue
        fields, full, record_id = parse_validation_body(content)
        errors = fields or {"error": full or [f"HTTP {status}"]}
        duplicate = is_duplicate(fields)
        results.append(
            ItemResult(index, status, None, errors, duplicate, record_id if duplicate else None)
        )
    return results


def unknown(index: int, status: int, record_id: object) -> ItemResult:
    """A batch item whose answer did not say what became of it; ``existing_id`` is an id the
    answer showed, if any (read back first when the document is looked up)."""
    try:
        named = int(str(record_id)) if record_id not in (None, "") else None
    except ValueError:
        named = None
    return ItemResult(index, status, None, {"error": [UNKNOWN_OUTCOME]}, False, named, True)
