"""HTTP client for iSeller's Public API v2 and the ERP API v3 reads (OAuth 2.0).

Reads: GetStoreInfo, GetOrders, GetProducts, GetTransactions, GetTransactionSummary,
GetOrderSummary, GetRegisterShifts (v2); GetOutlets, GetCustomers, GetTransfer,
InventoryAdjustments (v3). ``journal_pipeline.iseller.parse`` turns the answers into frames.

:class:`ISellerClient` is the one object callers use; its methods only name the endpoint and
its parameters. The work is done by:

- ``settings``: configuration from the ``ISELLER_*`` environment variables;
- ``auth``: the OAuth token (cached until expiry, one re-authentication on a 401);
- ``transport``: the session (retries, backoff, ``Retry-After``), timeouts, JSON with
  ``Decimal``, ``status: false`` as :class:`ISellerApiError`, counters, redacted debug logs;
- ``paging``: paged reads from the first page, whose index (0 or 1) is learnt once per
  endpoint and credential, while ``has_next_item`` (without it, until a page comes back empty);
  items repeated across pages kept once; list keys in any case, a renamed one an error; and
  the date-window parameters;
- ``output_zone``: the offset the service writes its dates in, learnt once per endpoint and
  credential from the windows asked (I-14); every answer's dates are returned in UTC (the
  summaries' day labels in the ``time_zone`` asked), whichever reading the service follows.

Credentials never appear in exception text, log lines or reprs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import requests

from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.iseller import paging
from journal_pipeline.iseller.auth import TOKEN_EXPIRY_MARGIN_SECONDS, TokenSource
from journal_pipeline.iseller.cancelled_lines import without_cancelled_lines
from journal_pipeline.iseller.errors import (
    ISellerApiError,
    ISellerAuthError,
    ISellerConfigError,
    ISellerError,
    ISellerHttpError,
)
from journal_pipeline.iseller.line_money import with_line_gross, with_line_money
from journal_pipeline.iseller.output_zone import OutputZones, evidence, item_probe, window_bounds
from journal_pipeline.iseller.paging import (
    EPOCH,
    PARAM_DATE_FORMAT,
    PageBases,
    add_filters,
    includes_param,
    order_pages,
    page_items,
    utc_param,
    window_params,
)
from journal_pipeline.iseller.settings import DEFAULT_TOKEN_URL, ISellerSettings
from journal_pipeline.iseller.transport import (
    CONNECT_TIMEOUT_SECONDS,
    READ_TIMEOUT_SECONDS,
    Transport,
    build_session,
)
from journal_pipeline.iseller.validation import OrderBatch, order_problems, page_orders

__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "DEFAULT_INCLUDES",
    "DEFAULT_TOKEN_URL",
    "EPOCH",
    "PARAM_DATE_FORMAT",
    "READ_TIMEOUT_SECONDS",
    "TOKEN_EXPIRY_MARGIN_SECONDS",
    "ISellerApiError",
    "ISellerAuthError",
    "ISellerClient",
    "ISellerConfigError",
    "ISellerError",
    "ISellerHttpError",
    "ISellerSettings",
    "OrderBatch",
    "build_session",
]

DEFAULT_INCLUDES: tuple[str, ...] = (
    "OrderDetails",
    "Transactions",
    "DiscountDetails",
    "PromotionDetails",
    "TrackInventory",
    "MDR",  # the fee iSeller Pay keeps from each payment (accounting/mdr.py)
    "ProfitDetails",  # what a marketplace keeps from its orders (accounting/platform_fees.py)
)


class ISellerClient:
    """Reads a store's data from iSeller. Thread-safe; one token shared by all calls.

    `calls` counts HTTP requests (token requests included) and `latency` adds up their
    wall-clock time in seconds, for run metadata.
    """

    def __init__(
        self,
        settings: ISellerSettings,
        session: requests.Session | None = None,
        *,
        tokens: Callable[[ISellerSettings, Transport], TokenSource] = TokenSource,
    ):
        """``tokens``: e.g. `client_tokens.SharedTokenSource` (one token per process)."""
        self.settings = settings
        self._transport = Transport(session if session is not None else build_session())
        self._tokens = tokens(settings, self._transport)
        self._transport.secrets = self._tokens.secrets
        self._page_bases = PageBases(scope=self._page_scope)
        self._zones = OutputZones(scope=self._page_scope)

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        session: requests.Session | None = None,
        **overrides: Any,
    ) -> ISellerClient:
        return cls(ISellerSettings.from_env(env, **overrides), session=session)

    def __repr__(self) -> str:
        return (
            f"ISellerClient(token_url={self.settings.token_url!r}, "
            f"resource_url={self.resource_url!r}, client_id={self.settings.client_id!r})"
        )

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> ISellerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def resource_url(self) -> str | None:
        """The store's API base URL (known once configured or after the first token)."""
        return self._tokens.resource_url

    @property
    def calls(self) -> int:
        return self._transport.calls

    @property
    def latency(self) -> float:
        return self._transport.latency

    @property
    def latency_seconds(self) -> float:
        return self.latency

    def stats(self) -> dict[str, float | int]:
        return {"iseller_calls": self.calls, "iseller_latency_seconds": round(self.latency, 3)}

    def _page_scope(self) -> tuple[str, str]:
        """(resource URL, client id): what a learnt page base belongs to (the resource URL may
        come with the first token, fetched here if need be)."""
        if self.resource_url is None:
            self._tokens.token()
        return str(self.resource_url), self.settings.client_id

    def _call(
        self, endpoint: str, data: Mapping[str, str], *, version: str = "v2"
    ) -> dict[str, Any]:
        """One authenticated read: the answer of ``/api/{version}/{endpoint}``."""
        response = self._tokens.send(endpoint, data, version=version)
        return self._transport.api_payload(response, endpoint)

    # -- orders -------------------------------------------------------------------------------

    def get_store_info(self) -> dict[str, Any]:
        """The ``store_info`` object: store, active outlets, active payment types."""
        payload = self._call("GetStoreInfo", {})
        return payload["store_info"]

    def order_by_id(self, order_id: str, order_date: datetime) -> dict[str, Any] | None:
        """One order as iSeller holds it now (GetOrders filtered by ``order_id``, in a window
        of a day around when it was created), or None when iSeller no longer has it."""
        batch = self.get_orders(
            created_after=order_date - timedelta(days=1),
            created_before=order_date + timedelta(days=1),
            outlet_id=None,
            order_id=order_id,
        )
        return next((o for o in batch.orders if str(o.get("order_id")) == order_id), None)

    def iter_orders(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        includes: Iterable[str] = DEFAULT_INCLUDES,
        page_size: int = 100,
        outlet_id: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The raw order dicts of every page, each order once, dates in UTC (read once every
        page is in: a later page may tell in which offset they are written). Bounds are
        inclusive and must be tz-aware."""
        yield from self.get_orders(
            created_after=created_after,
            created_before=created_before,
            modified_after=modified_after,
            modified_before=modified_before,
            includes=includes,
            page_size=page_size,
            outlet_id=outlet_id,
        ).orders

    @cycle_collection_paused()  # a day's orders, decoded page by page, stay alive
    def get_orders(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        includes: Iterable[str] = DEFAULT_INCLUDES,
        page_size: int = 100,
        outlet_id: str | None = None,
        order_id: str | None = None,
    ) -> OrderBatch:
        """Every page of GetOrders gathered: the orders and the refunded orders (a refund
        repeated on several pages is kept once), every date in UTC (`output_zone`)."""
        orders: list[dict[str, Any]] = []
        origins: list[str] = []
        conflicts: dict[str, str] = {}
        refunds: list[dict[str, Any]] = []
        seen_refunds: set[str] = set()
        for page, payload in enumerate(
            order_pages(
                self._call,
                created_after=created_after,
                created_before=created_before,
                modified_after=modified_after,
                modified_before=modified_before,
                includes=includes,
                page_size=page_size,
                outlet_id=outlet_id,
                order_id=order_id,
                bases=self._page_bases,
            ),
            start=1,
        ):
            kept, where, twice = page_orders(page_items(payload, "orders", "GetOrders"), page)
            orders.extend(
                with_line_money(without_cancelled_lines(with_line_gross(order))) for order in kept
            )
            origins.extend(where)
            conflicts.update(twice)
            for refund in payload.get("refunded_orders") or []:
                key = json.dumps(refund, sort_keys=True, default=str)
                if key not in seen_refunds:
                    seen_refunds.add(key)
                    refunds.append(refund)
        bounds = window_bounds(
            {"created": "order_date", "modified": "modified_date"},
            created_after,
            created_before,
            modified_after,
            modified_before,
        )
        problems = [order_problems(order) for order in orders]
        readable = [order for order, bad in zip(orders, problems, strict=True) if not bad]
        answer = self._zones.adopt(
            "v2/GetOrders",
            {"orders": orders, "refunded_orders": refunds},
            # an order held at the edge (a date of 2999, say) tells nothing of the offset
            evidence(readable, bounds, "order_id"),
            item_probe(self._call, "GetOrders", "orders", "order_id", by_id=True),
        )
        adopted = answer["orders"]
        if adopted is not orders:  # its dates moved to UTC: read as they now are
            problems = [order_problems(order) for order in adopted]
        return OrderBatch(
            orders=adopted,
            refunded_orders=answer["refunded_orders"],
            origins=origins,
            conflicts=conflicts,
            checked=list(zip(adopted, problems, strict=True)),
        )

    # -- every read endpoint ------------------------------------------------------------------

    def iter_pages(
        self,
        endpoint: str,
        params: Mapping[str, str] | None = None,
        *,
        list_key: str,
        version: str = "v2",
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Every page (the whole answer) of a paged read (`paging.iter_pages`: from the
        endpoint's first page, learnt once; while ``has_next_item``, or until a page comes back
        empty when the answer has no such key; an item seen on an earlier page left out)."""
        return paging.iter_pages(
            self._call,
            endpoint,
            params,
            list_key=list_key,
            version=version,
            page_size=page_size,
            bases=self._page_bases,
        )

    def iter_items(
        self,
        endpoint: str,
        params: Mapping[str, str] | None = None,
        *,
        list_key: str,
        version: str = "v2",
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """The items of every page of a paged read (see :meth:`iter_pages`)."""
        for payload in self.iter_pages(
            endpoint, params, list_key=list_key, version=version, page_size=page_size
        ):
            yield from page_items(payload, list_key, endpoint)

    def get_outlets(self, *, includes: Iterable[str] = ("OutletGroups",)) -> list[dict[str, Any]]:
        """``/api/v3/GetOutlets``: every outlet (list key ``Outlets``; ``outlets`` accepted)."""
        params = includes_param(includes)
        return list(self.iter_items("GetOutlets", params, list_key="Outlets", version="v3"))

    def get_products(
        self,
        *,
        modified_after: datetime = EPOCH,
        track_inventory: bool = False,
        includes: Iterable[str] = (),
        product_type: str | None = None,
        page_size: int = 500,
    ) -> list[dict[str, Any]]:
        """``/api/v2/GetProducts`` with its required parameters (track_inventory,
        modified_after, page, page_size); every product modified since ``modified_after``."""
        params = {
            "track_inventory": "true" if track_inventory else "false",
            "modified_after": utc_param("modified_after", modified_after),
            **includes_param(includes),
        }
        add_filters(params, product_type=product_type)
        return list(
            self.iter_items("GetProducts", params, list_key="products", page_size=page_size)
        )

    def get_transactions(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        outlet_id: str | None = None,
        includes: Iterable[str] = ("MDR",),
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """``/api/v2/GetTransactions``: payments, refunds and voids in a UTC window, every
        date in UTC (`output_zone`)."""
        params = window_params(created_after, created_before, modified_after, modified_before)
        params.update(includes_param(includes))
        add_filters(params, outlet_id=outlet_id)
        items = list(
            self.iter_items("GetTransactions", params, list_key="transactions", page_size=page_size)
        )
        bounds = window_bounds(
            {"created": "transaction_date", "modified": "transaction_date"},
            created_after,
            created_before,
            modified_after,
            modified_before,
        )
        answer = self._zones.adopt(
            "v2/GetTransactions",
            {"transactions": items},
            evidence(items, bounds, "transaction_id"),
            item_probe(
                self._call, "GetTransactions", "transactions", "transaction_id", by_id=False
            ),
        )
        return list(answer["transactions"])

    def get_transaction_summary(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        outlet_id: str | None = None,
        time_zone: int = 0,
    ) -> list[dict[str, Any]]:
        """``/api/v2/GetTransactionSummary``: totals per day and gateway (days in
        ``time_zone``, whole hours; bounds are sent in that offset)."""
        params = window_params(created_after, created_before, None, None, time_zone=time_zone)
        add_filters(params, outlet_id=outlet_id)
        payload = self._call("GetTransactionSummary", params)
        items = page_items(payload, "transaction_summaries", "GetTransactionSummary")
        return self._zones.summary("v2/GetTransactionSummary", items, time_zone)

    def get_order_summary(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        outlet_id: str | None = None,
        includes: Iterable[str] = ("TrackInventory",),
        time_zone: int = 0,
    ) -> list[dict[str, Any]]:
        """``/api/v2/GetOrderSummary``: completed orders' money per day (``order_summaries``;
        ``order_summary`` accepted)."""
        params = window_params(created_after, created_before, None, None, time_zone=time_zone)
        params.update(includes_param(includes))
        add_filters(params, outlet_id=outlet_id)
        payload = self._call("GetOrderSummary", params)
        items = page_items(payload, "order_summaries", "GetOrderSummary")
        return self._zones.summary("v2/GetOrderSummary", items, time_zone)

    def get_register_shifts(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        outlet_id: str | None = None,
        register_id: str | None = None,
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """``/api/v2/GetRegisterShifts``: shifts opened (created_*) or changed in a window (the
        lower modified bound sent as the documented ``modified_date`` and as ``modified_after``)."""
        params = window_params(
            created_after, created_before, modified_after, modified_before, required=False
        )
        if "modified_after" in params:
            params["modified_date"] = params["modified_after"]
        add_filters(params, outlet_id=outlet_id, register_id=register_id)
        return list(
            self.iter_items(
                "GetRegisterShifts", params, list_key="register_shifts", page_size=page_size
            )
        )

    def get_customers(
        self,
        *,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """``/api/v3/GetCustomers``: the customer master (changed in the window, if given)."""
        params = window_params(None, None, modified_after, modified_before, required=False)
        return list(
            self.iter_items(
                "GetCustomers", params, list_key="customers", version="v3", page_size=page_size
            )
        )

    def get_transfers(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        status: str | None = None,
        type: str | None = None,
        outlet_id: str | None = None,
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """``/api/v3/GetTransfer``: stock transfers between outlets and from suppliers."""
        params = window_params(
            created_after, created_before, modified_after, modified_before, required=False
        )
        add_filters(params, status=status, type=type, outlet_id=outlet_id)
        return list(
            self.iter_items(
                "GetTransfer", params, list_key="transfers", version="v3", page_size=page_size
            )
        )

    def get_inventory_adjustments(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        modified_after: datetime | None = None,
        modified_before: datetime | None = None,
        status: str | None = None,
        outlet_id: str | None = None,
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """``/api/v3/InventoryAdjustments``: stock takes (opname) and their differences."""
        params = window_params(
            created_after, created_before, modified_after, modified_before, required=False
        )
        add_filters(params, status=status, outlet_id=outlet_id)
        return list(
            self.iter_items(
                "InventoryAdjustments",
                params,
                list_key="inventory_adjustments",
                version="v3",
                page_size=page_size,
            )
        )
