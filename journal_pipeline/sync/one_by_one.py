"""Jurnal documents without a batch endpoint (warehouse transfers, stock adjustments),
created one request each and answered as a batch, so the outbox posts them like any other.

Each goes through the client's idempotent ``create``: an answer lost after Jurnal committed
meets the duplicate check on the retry and resolves to the record already there, reported as
found (``duplicate``), never created twice. A retryable failure propagates: the outbox leaves
the document pending for the next run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from journal_pipeline.jurnal.errors import JurnalDuplicateError, JurnalValidationError
from journal_pipeline.jurnal.idempotent import ItemResult
from journal_pipeline.sync.ports import SingleWriter


class OneByOne:
    """A `JurnalWriter` for the outbox over Jurnal's single creates."""

    def __init__(self, client: SingleWriter):
        self.client = client

    def batch_create(
        self, resource: str, root: str, items: list[Mapping[str, Any]], /
    ) -> list[ItemResult]:
        return [self._create(resource, root, index, body) for index, body in enumerate(items)]

    def list_products(self) -> Sequence[Mapping[str, Any]]:
        return self.client.list_products()

    def _create(self, resource: str, root: str, index: int, body: Mapping[str, Any]) -> ItemResult:
        found: list[dict[str, Any]] = []

        def lookup(sent: Mapping[str, Any], existing_id: int | None) -> dict[str, Any] | None:
            record = self.client.existing_record(resource, sent, existing_id)
            if record is not None:
                found.append(record)
            return record

        try:
            record = self.client.create(resource, root, body, lookup=lookup)
        except JurnalDuplicateError as exc:  # the number is another document's
            return ItemResult(index, exc.status or 422, None, exc.fields or _messages(exc), True)
        except JurnalValidationError as exc:
            return ItemResult(index, exc.status or 422, None, exc.fields or _messages(exc))
        return ItemResult(index, 201, record, None, bool(found), record.get("id"))


def _messages(exc: JurnalValidationError) -> dict[str, list[str]]:
    return {"error": exc.full_messages or [str(exc)]}
