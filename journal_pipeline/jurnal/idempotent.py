"""Creating in Jurnal without ever making a second copy.

Every document carries a deterministic ``custom_id`` and/or ``transaction_no`` (products a
``product_code``). When Jurnal answers that it is already used (a retry after a lost answer, a
re-run), the record already there is looked up and returned if it *is* the same document
(:func:`~journal_pipeline.jurnal.resources.same_document`); a number held by another document
stays a conflict. A batch item whose answer does not say whether Jurnal took it (J-45,
`batch_answers`) is looked up the same way, and is never read as refused. A document Jurnal's
duplicate check may not recognise (a sales return, J-37) is posted once per attempt: after an
answer that leaves its outcome unknown, the caller's look-up runs before anything is sent again.
The look-ups (``find*``, ``iter_newest_first``, ``get_record``) live here because resolving
duplicates is what they are for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import tenacity

from journal_pipeline.jurnal.batch_answers import NOT_FOUND, ItemResult, read_batch_answer
from journal_pipeline.jurnal.errors import (
    JurnalDuplicateError,
    JurnalError,
    JurnalRateLimited,
    JurnalRetryableError,
)
from journal_pipeline.jurnal.resources import (
    RESOURCES,
    ResourceSpec,
    same_document,
    shown_key,
    spec_for,
)
from journal_pipeline.jurnal.transport import MAX_PAGE_SIZE, JurnalTransport

MAX_BATCH_SIZE = 100

Lookup = Callable[[Mapping[str, Any], int | None], dict[str, Any] | None]
#: Finds the record a create whose outcome is unknown may have made (None: not there).
LostLookup = Callable[[], dict[str, Any] | None]

__all__ = ["MAX_BATCH_SIZE", "IdempotentWrites", "ItemResult", "Lookup", "LostLookup"]


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


class IdempotentWrites(JurnalTransport):
    """Idempotent ``create``/``batch_create`` of any resource, and the look-ups behind them."""

    #: How many records (newest first) a batch's duplicates are looked for among.
    duplicate_scan_limit: int = 1000
    #: Creates Jurnal refused as already there and that were resolved to the existing record.
    duplicates_resolved: int = 0

    # --- creating ------------------------------------------------------------------------

    def create(
        self,
        resource: str,
        root_key: str | None,
        body: Mapping[str, Any],
        *,
        lookup: Lookup | None = None,
        lookup_if_lost: LostLookup | None = None,
    ) -> dict[str, Any]:
        """Create one record idempotently and return it.

        On a duplicate answer (including the retry of a request whose answer was lost),
        ``lookup(body, existing_id)`` (default: by the identity of the resource) finds the
        record already there, which is returned instead; no lookup result raises the
        :class:`JurnalDuplicateError`.

        With ``lookup_if_lost`` (a document Jurnal's duplicate check may not recognise, such
        as a sales return whose keys Jurnal may ignore, J-37), the POST is sent once: a 429 is
        waited out and sent again (Jurnal did not take it), but after a timeout, a broken
        connection or a 5xx ``lookup_if_lost()`` looks for the record the POST may have made
        and returns it; when it finds none the error is raised and the caller tries again
        later, looking first, instead of posting a second copy now.
        """
        spec = spec_for(resource, root_key)
        request = {spec.root: dict(body)}
        try:
            if lookup_if_lost is None:
                data = self.post(spec.path, request)
            else:
                data = self._post_once(spec.path, request)
        except JurnalDuplicateError as exc:
            finder = lookup or (
                lambda b, existing_id: self.existing_record(spec.path, b, existing_id)
            )
            existing = finder(body, exc.existing_id)
            if existing is None:
                raise
            self.duplicates_resolved += 1
            return existing
        except JurnalRetryableError:
            if lookup_if_lost is None:
                raise
            existing = lookup_if_lost()
            if existing is None:
                raise
            self.duplicates_resolved += 1
            return existing
        record = spec.unwrap(data)
        if record is None:
            raise JurnalError(f"POST {spec.path}: answer without {spec.root!r}", body=data)
        return record

    def _post_once(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``post`` without sending it again after an answer that leaves its outcome unknown
        (only a 429, refused before Jurnal took it, is sent again)."""
        flag = self.__dict__.setdefault("_sent_once", threading.local())
        flag.active = True
        try:
            return self.post(path, body)
        finally:
            flag.active = False

    def _retrying(self, method: str, url_path: str) -> tenacity.Retrying:
        retrying = super()._retrying(method, url_path)
        flag = self.__dict__.get("_sent_once")
        if flag is not None and getattr(flag, "active", False):
            return retrying.copy(retry=tenacity.retry_if_exception_type(JurnalRateLimited))
        return retrying

    def batch_create(
        self,
        resource: str,
        root_key: str | None,
        items: list[Mapping[str, Any]],
        *,
        resolve_duplicates: bool = True,
    ) -> list[ItemResult]:
        """Create ``items`` through ``POST <resource>/batch_create``, 100 per call.

        One :class:`ItemResult` per item, in order. An item Jurnal refuses as already existing
        (a retried batch whose first answer was lost, a re-run) is looked up by its identity
        (``custom_id``, else ``transaction_no``; products by ``product_code``) and returned as
        ``record`` with ``duplicate=True``; when the existing record is a different document
        (the same ``transaction_no`` under another ``custom_id``), ``record`` stays None. An
        item whose answer does not say what became of it (``unknown``, J-45) is looked up the
        same way: found, it is ``record``; not found, ``record`` stays None (neither created
        nor refused as far as is known: the caller tries it again later).
        """
        spec = spec_for(resource, root_key)
        results: list[ItemResult] = []
        for start in range(0, len(items), MAX_BATCH_SIZE):
            chunk = list(items[start : start + MAX_BATCH_SIZE])
            chunk_results = self._batch_post(spec, chunk, offset=start)
            chunk_results = self._resolve_unknown(spec, chunk, chunk_results, start)
            if resolve_duplicates:
                chunk_results = self._resolve_duplicates(spec, chunk, chunk_results, start)
            results.extend(chunk_results)
        return results

    def _batch_post(
        self, spec: ResourceSpec, items: list[Mapping[str, Any]], *, offset: int
    ) -> list[ItemResult]:
        if not items:
            return []
        path = f"{spec.path}/batch_create"
        data = self.post(path, {spec.path: [{spec.root: dict(item)} for item in items]})
        rows = data.get(spec.path) if isinstance(data, dict) else None
        rows = rows if isinstance(rows, list) else []
        if len(rows) != len(items):
            raise JurnalError(f"POST {path}: {len(rows)} results for {len(items)} items", body=data)
        return read_batch_answer(spec, rows, offset)

    def _resolve_unknown(
        self,
        spec: ResourceSpec,
        items: list[Mapping[str, Any]],
        results: list[ItemResult],
        offset: int,
    ) -> list[ItemResult]:
        """Each item whose outcome the answer left unknown: the document found in Jurnal by
        its identity (created), else left without a record and saying why."""
        found = self._found(spec, items, results, offset, lambda r: r.unknown)
        pending = {
            r.index
            for r in results
            if r.unknown and r.record is None and spec.identity(items[r.index - offset])
        }
        resolved = []
        for r in results:
            if r.index not in pending:
                resolved.append(r)
                continue
            existing = found.get(r.index)
            if existing is None:
                errors = {"error": [NOT_FOUND]}
                resolved.append(ItemResult(r.index, r.status, None, errors, unknown=True))
                continue
            record_id = existing.get("id")
            resolved.append(
                ItemResult(
                    r.index,
                    r.status,
                    existing,
                    None,
                    existing_id=int(record_id) if record_id is not None else None,
                    unknown=True,
                )
            )
        return resolved

    def _resolve_duplicates(
        self,
        spec: ResourceSpec,
        items: list[Mapping[str, Any]],
        results: list[ItemResult],
        offset: int,
    ) -> list[ItemResult]:
        """Replace each duplicate result by the existing record, when it is the same document."""
        found = self._found(spec, items, results, offset, lambda r: r.duplicate)
        if not found:
            return results
        resolved = []
        for result in results:
            existing = found.get(result.index)
            if existing is None:
                resolved.append(result)
                continue
            self.duplicates_resolved += 1
            existing_id = existing.get("id")
            resolved.append(
                ItemResult(
                    result.index,
                    result.status,
                    existing,
                    result.errors,
                    True,
                    int(existing_id) if existing_id is not None else result.existing_id,
                )
            )
        return resolved

    def _found(
        self,
        spec: ResourceSpec,
        items: list[Mapping[str, Any]],
        results: list[ItemResult],
        offset: int,
        which: Callable[[ItemResult], bool],
    ) -> dict[int, dict[str, Any]]:
        """The record in Jurnal (by index) of each result ``which`` picks that has none and
        whose item carries an identity (`_find_existing`)."""
        pending = {
            r.index: items[r.index - offset]
            for r in results
            if which(r) and r.record is None and spec.identity(items[r.index - offset])
        }
        if not pending:
            return {}
        named = {r.index: r.existing_id for r in results if r.index in pending and r.existing_id}
        return self._find_existing(spec, pending, named)

    def _find_existing(
        self,
        spec: ResourceSpec,
        pending: Mapping[int, Mapping[str, Any]],
        named: Mapping[int, int | None],
    ) -> dict[int, dict[str, Any]]:
        """The record in Jurnal of each pending body (by index) that is there.

        Reads the list newest first once for all of them (a lost batch is the newest records),
        then falls back to the ids Jurnal named; a record is taken only when it is the same
        document (`same_document`)."""
        found: dict[int, dict[str, Any]] = {}
        wanted = {index: spec.identity(body) for index, body in pending.items()}
        by_identity: dict[tuple[str, str], list[int]] = {}
        for index, identity in wanted.items():
            assert identity is not None
            by_identity.setdefault(identity, []).append(index)
        read: set[int] = set()

        def read_named(indexes: Iterable[int]) -> None:
            for index in indexes:
                if index in found or not named.get(index) or index in read:
                    continue
                read.add(index)
                record = self.get_record(spec.path, int(named[index]))  # type: ignore[arg-type]
                if record is not None and same_document(spec, pending[index], record):
                    found[index] = record

        if len(named) <= 2:  # reading them directly is cheaper than a list page
            read_named(list(named))
        remaining = {wanted[i] for i in pending if i not in found}
        if remaining:
            keys = {identity[0] for identity in remaining if identity is not None}
            for seen, record in enumerate(self.iter_newest_first(spec.path), start=1):
                for key in keys:
                    value = shown_key(spec, record, key)
                    identity = (key, value) if value is not None else None
                    if identity is not None and identity in remaining:
                        for index in by_identity[identity]:
                            found.setdefault(index, record)
                        remaining.discard(identity)
                if not remaining or seen >= self.duplicate_scan_limit:
                    break
        read_named([i for i in pending if i not in found])
        return found

    # --- the record already there --------------------------------------------------------

    def existing_record(
        self, resource: str, body: Mapping[str, Any], existing_id: int | None = None
    ) -> dict[str, Any] | None:
        """The record already in Jurnal that *is* the document ``body`` describes, or None."""
        spec = spec_for(resource, None if resource in RESOURCES else "record")
        identity = spec.identity(body)
        if identity is None:
            return None
        if spec.path == "stock_adjustments":  # by number first: Jurnal's documented look-up
            return self._existing_stock_adjustment(body, existing_id)
        if existing_id is not None:
            candidate = self.get_record(spec.path, existing_id)
            if candidate is not None and same_document(spec, body, candidate):
                return candidate
        key, value = identity
        match: dict[str, Any] = {key: value}
        if spec.path == "sales_invoices":
            return self.find_sales_invoice(**match)
        if spec.path == "products" and key == "product_code":
            return self.find_product(product_code=value)
        if spec.unshown:  # its answers may not show the key: matched as `same_document` does
            return self._newest_same(spec, body)
        return self.find(spec.path, **match)

    def _existing_stock_adjustment(
        self, body: Mapping[str, Any], existing_id: int | None
    ) -> dict[str, Any] | None:
        spec = spec_for("stock_adjustments")
        if existing_id is not None:
            candidate = self.get_record(spec.path, existing_id)
            if candidate is not None and same_document(spec, body, candidate):
                return candidate
        number = body.get("transaction_no")
        if number:
            # a stock count (maintain_actual) is an "adjustment", stock in/out a "movement"
            kind = "adjustment" if _truthy(body.get("maintain_actual")) else "movement"
            found = self.find_stock_adjustment(str(number), kind)
            if found is not None and same_document(spec, body, found):
                return found
        return self._newest_same(spec, body)

    def _newest_same(self, spec: ResourceSpec, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """The newest listed record that is the document ``body`` describes, or None."""
        for record in self.iter_newest_first(spec.path):
            if same_document(spec, body, record):
                return record
        return None

    # --- look-ups ------------------------------------------------------------------------

    def get_record(self, resource: str, record_id: int) -> dict[str, Any] | None:
        """``GET <resource>/<id>``, or None when Jurnal does not know the id (404/422)."""
        spec = spec_for(resource, None if resource in RESOURCES else "record")
        try:
            data = self.get(f"{spec.path}/{int(record_id)}")
        except JurnalError as exc:
            if exc.status in (404, 422):
                return None
            raise
        return spec.unwrap(data) if spec.root != "record" else data

    def iter_newest_first(self, resource: str, list_key: str | None = None) -> Iterator[dict]:
        """Every record of a list, newest first (sorted by Jurnal when it can, else by
        reading the id-ordered pages from the last one)."""
        spec = spec_for(resource, None if resource in RESOURCES else "record")
        key = list_key or spec.path
        if spec.newest_first:
            order: dict[str, Any] = dict(spec.newest_first)
            yield from self.iter_list(spec.path, key, **order)
            return
        first = self.get(spec.path, {"page": 1, "page_size": MAX_PAGE_SIZE})
        total_pages = int(first.get("total_pages") or 1)
        for page in range(total_pages, 1, -1):
            data = self.get(spec.path, {"page": page, "page_size": MAX_PAGE_SIZE})
            yield from reversed(data.get(key) or [])
        yield from reversed(first.get(key) or [])

    def find(
        self, resource: str, *, max_records: int | None = None, **match: Any
    ) -> dict[str, Any] | None:
        """The newest record whose fields equal every ``match`` value (compared as text)."""
        wanted = {k: str(v) for k, v in match.items() if v is not None}
        if not wanted:
            raise ValueError("give at least one field to match")
        for seen, record in enumerate(self.iter_newest_first(resource), start=1):
            if all(str(record.get(k)) == v for k, v in wanted.items()):
                return record
            if max_records is not None and seen >= max_records:
                break
        return None

    def find_sales_invoice(
        self,
        *,
        custom_id: str | None = None,
        transaction_no: str | None = None,
        max_pages: int | None = None,
    ) -> dict[str, Any] | None:
        """The newest invoice matching every given key, scanning the list newest first."""
        if custom_id is None and transaction_no is None:
            raise ValueError("give custom_id or transaction_no")

        def matches(invoice: Mapping[str, Any]) -> bool:
            if custom_id is not None and str(invoice.get("custom_id") or "") != str(custom_id):
                return False
            return transaction_no is None or str(invoice.get("transaction_no") or "") == str(
                transaction_no
            )

        invoices = self.iter_list(
            "sales_invoices", "sales_invoices", sort_key="created_at", sort_order="desc"
        )
        for seen, invoice in enumerate(invoices, start=1):
            if matches(invoice):
                return invoice
            if max_pages is not None and seen >= max_pages * MAX_PAGE_SIZE:
                break
        return None

    def find_product(
        self, *, product_code: str | None = None, name: str | None = None
    ) -> dict[str, Any] | None:
        """A product by code (exact, then case-insensitive) or by name (case-insensitive)."""
        if product_code is None and name is None:
            raise ValueError("give product_code or name")
        products = list(self.iter_list("products", "products"))
        if product_code is not None:
            for product in products:
                if str(product.get("product_code") or "") == product_code:
                    return product
            for product in products:
                if str(product.get("product_code") or "").casefold() == product_code.casefold():
                    return product
            return None
        assert name is not None
        wanted = " ".join(name.split()).casefold()
        for product in products:
            if " ".join(str(product.get("name") or "").split()).casefold() == wanted:
                return product
        return None

    def find_stock_adjustment(
        self, transaction_no: str, transaction_type: str = "adjustment"
    ) -> dict[str, Any] | None:
        """The documented look-up by number (``transaction_type`` adjustment or movement)."""
        if transaction_type not in ("adjustment", "movement"):
            raise ValueError("transaction_type is 'adjustment' or 'movement'")
        try:
            data = self.get(
                f"stock_adjustments/{quote(str(transaction_no), safe='')}",
                {"search_by": "transaction_no", "transaction_type": transaction_type},
            )
        except JurnalError as exc:
            if exc.status in (404, 422):
                return None
            raise
        return spec_for("stock_adjustments").unwrap(data)
