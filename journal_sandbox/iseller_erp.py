"""The ERP API (v3) reads of the iSeller emulator, and the shapes it serves.

iSeller documents GetOutlets through an integrator's notes only, and GetCustomers, GetTransfer
and InventoryAdjustments by name only (docs/assumptions/iseller.md, I-41). The shapes
below are the emulator's choice; a client should read them through one adapter so that they can
be corrected in one place once a live tenant has been seen.

Common to every v3 read
-----------------------

- ``POST {resource_url}/api/v3/<Name>``, ``Authorization: Bearer``, body form-urlencoded or
  JSON (both accepted). HTTP 401 for a refused bearer, as in v2.
- Paging: ``page`` (1-based, default 1; 0-based under the dialect ``page_base=0``, as in v2)
  and ``page_size`` (1..1000, default 100); the answer has ``has_next_item``. ``count`` is the
  number of items in the page.
- Optional date filters ``created_after``/``created_before``/``modified_after``/
  ``modified_before`` (inclusive, ISO 8601 without zone) read in ``time_zone`` (whole hours,
  optional here, default 0); dates in the answer are converted to the same offset.
- Envelope: ``{<list key>: [...], "count", "has_next_item", "error_message": null,
  "status": true, "time": "00:00:00.0012345", "error_detail": null}``; a logical error is HTTP
  200 with ``status: false``, ``error_message`` and ``error_detail``. Items are sorted by
  creation date ascending, ties by id.

GetOutlets: list key ``Outlets`` (PascalCase, as live tenants answer)
---------------------------------------------------------------------

``{"id", "outlet_code", "name", "phone", "address", "email", "is_active", "outlet_groups"}``;
``outlet_groups`` is ``[{"outlet_group_id", "name"}]`` with ``includes=OutletGroups``, else
``null``. No date filters.

GetCustomers: list key ``customers``
------------------------------------

``{"customer_id", "external_customer_id" (null), "first_name", "last_name", "email",
"phone_number", "gender" (null), "birth_date" (null), "member_code", "home_outlet_id",
"created_date", "modified_date", "customer_addresses": []}``. Filters: dates (on
``created_date`` / ``modified_date``).

GetTransfer: list key ``transfers``
-----------------------------------

``{"transfer_id", "transfer_number", "type": "out" | "in", "out_type": "to_outlet" | null,
"status": "pending" | "in_transfer" | "completed" | "cancelled", "from_outlet_id",
"from_outlet_code", "from_outlet_name" (null for a supplier delivery), "to_outlet_id",
"to_outlet_code", "to_outlet_name", "supplier_name" (transfer in only), "notes",
"created_date", "start_date" (null while pending, and for a transfer cancelled while pending),
"completed_date" (null until completed; a cancelled transfer has none), "modified_date" (the
last change: for a cancelled transfer, the cancel instant), "items": [{"product_id", "sku",
"product_name", "quantity", "quantity_accepted", "quantity_rejected", "quantity_cancelled",
"buying_price"}]}``. The three received quantities are null until the transfer is completed
(and stay null on a cancelled one); then ``accepted + rejected + cancelled = quantity`` (a
partial receipt has cancelled units). ``buying_price`` is the unit cost; on a supplier
delivery it is the product's catalogue ``buying_price``. Stock leaves the origin at
``start_date`` (``in_transfer``); at ``completed_date`` the accepted units reach the
destination and the rejected and cancelled ones go back to the origin; a transfer cancelled in
transit returns every unit to the origin at its ``modified_date``, one cancelled while pending
moves nothing (`iseller_stock_levels`). Filters: dates (on ``created_date`` /
``modified_date``), ``status``, ``type``, ``outlet_id`` (either end).

InventoryAdjustments: list key ``inventory_adjustments``
--------------------------------------------------------

Stock takes: ``{"adjustment_id", "adjustment_number", "action": "opname", "status":
"in_progress" | "completed", "outlet_id", "outlet_code", "outlet_name", "notes",
"created_date", "completed_date" (null until completed), "modified_date", "items": [
{"product_id", "sku", "product_name", "system_stock", "actual_stock", "difference",
"buying_price"}]}`` with ``difference = actual_stock - system_stock`` (negative: shrinkage).
A stock take is counted at ``completed_date``: ``system_stock`` is the stock level just before
that instant, and the level becomes ``actual_stock``. While in progress, ``system_stock`` is
the level at the clock and ``actual_stock`` and ``difference`` are null. Filters: dates,
``status``, ``outlet_id``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from journal_sandbox.demo_merchant import OUTLETS, catalogue_uuid, fmt_dt
from journal_sandbox.iseller_stock import documents_until

if TYPE_CHECKING:
    from journal_sandbox.iseller_app import ISellerSandbox

_DATE_FIELDS = ("created_date", "modified_date", "start_date", "completed_date")


def erp_endpoints(
    sandbox: ISellerSandbox,
) -> dict[str, Callable[[dict[str, str]], dict[str, Any]]]:
    """Name -> query function (parameters -> answer body) of every v3 read."""
    from journal_sandbox import iseller_app as app

    merchant = sandbox.merchant
    seed = merchant.seed

    def page_of(items: list[dict[str, Any]], params: dict[str, str], key: str) -> dict[str, Any]:
        page, page_size = app._paging(params)
        shown = items[(page - 1) * page_size : page * page_size]
        return {key: shown, "count": len(shown), "has_next_item": page * page_size < len(items)}

    def dated(
        items: list[dict[str, Any]], params: dict[str, str], sort: str = "created_date"
    ) -> list[dict[str, Any]]:
        """Filter on the date bounds, sort, and convert the dates to ``time_zone``."""
        raw_zone = params.get("time_zone")
        time_zone = app._parse_time_zone(raw_zone) if (raw_zone or "").strip() else 0
        bounds = {
            name: app._parse_filter_date(name, params.get(name), time_zone)
            for name in ("created_after", "created_before", "modified_after", "modified_before")
        }
        kept = []
        for item in items:
            ok = True
            for name, bound in bounds.items():
                if bound is None:
                    continue
                value = item["created_date" if name.startswith("created") else "modified_date"]
                ok &= value >= bound if name.endswith("after") else value <= bound
            if ok:
                kept.append(item)
        id_key = next(k for k in item if k.endswith("_id")) if items else ""
        kept.sort(key=lambda i: (i[sort], i[id_key]))
        for item in kept:
            for name in _DATE_FIELDS:
                if item.get(name) is not None:
                    item[name] = app._shift(item[name], time_zone)
        return kept

    def match(items: list[dict[str, Any]], params: dict[str, str], *names: str) -> list[dict]:
        for name in names:
            value = (params.get(name) or "").strip().lower()
            if value:
                items = [i for i in items if str(i.get(name)).lower() == value]
        return items

    def get_outlets(params: dict[str, str]) -> dict[str, Any]:
        includes = app.parse_includes(params.get("includes"))
        outlets = [
            {
                "id": merchant.outlet_id(o.outlet_code),
                "outlet_code": o.outlet_code,
                "name": o.outlet_name,
                "phone": o.phone,
                "address": o.address,
                "email": o.email,
                "is_active": True,
                "outlet_groups": (
                    [
                        {
                            "outlet_group_id": catalogue_uuid(seed, "outlet_group", o.timezone),
                            "name": "Bali" if o.timezone == "Asia/Makassar" else "Jawa",
                        }
                    ]
                    if "outletgroups" in includes
                    else None
                ),
            }
            for o in OUTLETS
        ]
        return page_of(outlets, params, "Outlets")

    def get_customers(params: dict[str, str]) -> dict[str, Any]:
        start = datetime.combine(merchant.start_date, time(0), tzinfo=UTC)
        customers = [
            {
                "customer_id": c["customer_id"],
                "external_customer_id": None,
                "first_name": c["first_name"],
                "last_name": c["last_name"],
                "email": c["email"],
                "phone_number": c["phone_number"],
                "gender": None,
                "birth_date": None,
                "member_code": f"MBR-{index + 1:04d}",
                "home_outlet_id": merchant.outlet_id(c["home_outlet_code"]),
                "created_date": fmt_dt(start + timedelta(hours=index)),
                "modified_date": fmt_dt(start + timedelta(hours=index)),
                "customer_addresses": [],
            }
            for index, c in enumerate(merchant.customers())
        ]
        return page_of(dated(customers, params), params, "customers")

    def get_transfer(params: dict[str, str]) -> dict[str, Any]:
        transfers = documents_until(seed, merchant.start_date, sandbox.now(), "transfer")
        transfers = match(transfers, params, "status", "type")
        outlet_id = (params.get("outlet_id") or "").strip().lower()
        if outlet_id:
            transfers = [
                t for t in transfers if outlet_id in (t["from_outlet_id"], t["to_outlet_id"])
            ]
        return page_of(dated(transfers, params), params, "transfers")

    def inventory_adjustments(params: dict[str, str]) -> dict[str, Any]:
        adjustments = documents_until(
            seed, merchant.start_date, sandbox.now(), "adjustment", ledger=sandbox.stock_ledger
        )
        adjustments = match(adjustments, params, "status", "outlet_id")
        return page_of(dated(adjustments, params), params, "inventory_adjustments")

    return {
        "GetOutlets": get_outlets,
        "GetCustomers": get_customers,
        "GetTransfer": get_transfer,
        "InventoryAdjustments": inventory_adjustments,
    }
