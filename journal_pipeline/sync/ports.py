"""What the sync layer needs of the API clients, and nothing more.

`journal_pipeline.sync` receives its clients as these Protocols and never imports a client
class: the Dagster resources hand it an ``ISellerClient`` and a ``JurnalClient``, the tests
may hand it anything of the same shape. mypy checks at the call sites that the real clients
fit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from journal_pipeline.jurnal.idempotent import Lookup


class FetchedOrders(Protocol):
    """Every page of one GetOrders query gathered."""

    @property
    def orders(self) -> Sequence[Mapping[str, Any]]: ...


class OrderSource(Protocol):
    """iSeller's orders, windowed by creation or modification time (UTC; whether the end
    bound is inclusive is open, I-10, so callers ask up to the end itself)."""

    def get_orders(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
    ) -> FetchedOrders: ...


class DayTotalsSource(Protocol):
    """iSeller's own totals of a stretch of time for one outlet (GetOrderSummary,
    GetTransactionSummary; end bound inclusive or not (I-10), tz-aware, sent in the
    ``time_zone`` offset) and
    its outlets (GetStoreInfo). A call iSeller does not answer raises an
    ``journal_pipeline.iseller.errors.ISellerError``."""

    def get_store_info(self) -> Mapping[str, Any]: ...

    def get_order_summary(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        outlet_id: str | None = None,
        time_zone: int = 0,
    ) -> Sequence[Mapping[str, Any]]: ...

    def get_transaction_summary(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        outlet_id: str | None = None,
        time_zone: int = 0,
    ) -> Sequence[Mapping[str, Any]]: ...


class BatchItem(Protocol):
    """The outcome of one item of a Jurnal batch: created or found (``record``, with
    ``duplicate`` True when it was there already), or refused (``errors`` by field)."""

    @property
    def record(self) -> Mapping[str, Any] | None: ...

    @property
    def errors(self) -> Mapping[str, Any] | None: ...

    @property
    def status(self) -> int: ...

    @property
    def duplicate(self) -> bool: ...


class JurnalWriter(Protocol):
    """Jurnal as the sync writes to it: idempotent batch creation and the product list."""

    def batch_create(
        self, resource: str, root: str, items: list[Mapping[str, Any]], /
    ) -> Sequence[BatchItem]:
        """One `BatchItem` per item, in order; an item Jurnal already has is looked up."""
        ...

    def list_products(self) -> Sequence[Mapping[str, Any]]: ...


class ProductSource(Protocol):
    """iSeller's catalogue (GetProducts), every product modified since the epoch."""

    def get_products(
        self, *, track_inventory: bool = False, includes: Iterable[str] = ()
    ) -> Sequence[Mapping[str, Any]]: ...


class ProductWriter(JurnalWriter, Protocol):
    """Jurnal as the product sync writes to it: the product list, batch creation, PATCH."""

    def update_product(self, product_id: int, body: Mapping[str, Any], /) -> Mapping[str, Any]: ...


class SingleWriter(Protocol):
    """Jurnal's idempotent single create, the look-up of the record already there, and the
    product list (for documents without a batch endpoint: `sync.one_by_one`)."""

    def create(
        self,
        resource: str,
        root_key: str | None,
        body: Mapping[str, Any],
        *,
        lookup: Lookup | None = None,
    ) -> dict[str, Any]: ...

    def existing_record(
        self, resource: str, body: Mapping[str, Any], existing_id: int | None = None
    ) -> dict[str, Any] | None: ...

    def list_products(self) -> Sequence[Mapping[str, Any]]: ...
