"""Jurnal emulator: ``GET inventory_summary``, each tracked product's units and value (J-56).

The value is what the stock movements carried in and out (moving average, J-32) up to the
report's end date, over every warehouse, so the grand total equals the inventory accounts'
balance that those movements posted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from journal_sandbox.http import Request, Response, Router
from journal_sandbox.jurnal_common import ZERO, jurnal_date, quantity_json, report_amount

NO_MINIMUM = "-"  # buffer_quantity of a product without a minimum stock


class InventorySummaryMixin:
    store: Any
    _report_period: Callable[[Request], tuple[date, date]]  # ReportsMixin's

    def _routes_inventory_summary(self, r: Router) -> None:
        r.add("GET", r"inventory_summary", self._inventory_summary)

    def _inventory_summary(self, request: Request) -> Response:
        """One row per tracked product (``excl_empty_stock=true`` drops those at zero units);
        ``detail`` is accepted and answered with the simple table."""
        start, end = self._report_period(request)
        last = end.isoformat()
        held: dict[int, tuple[Decimal, Decimal]] = {}
        for move in self.store.stock_moves():
            if (move["tx_date"] or "") <= last:
                units, value = held.get(move["product_id"], (ZERO, ZERO))
                held[move["product_id"]] = (units + move["quantity"], value + move["value"])
        skip_empty = (request.query.get("excl_empty_stock") or "").strip().lower() == "true"
        rows, grand = [], ZERO
        products = sorted(self.store.all("product"), key=lambda p: (p["name"], p["id"]))
        for product in products:
            units, value = held.get(product["id"], (ZERO, ZERO))
            if not product.get("track_inventory") or (skip_empty and units == 0):
                continue
            grand += value
            url = f"/products/detail/{product['id']}"
            rows.append(
                {
                    "product_code": product.get("product_code"),
                    "product_code_url": url,
                    "product_name": product["name"],
                    "product_name_url": url,
                    "quantity": str(quantity_json(units)),
                    "buffer_quantity": NO_MINIMUM,
                    "units": (product.get("unit") or {}).get("name"),
                    "average_cost": report_amount(value / units if units > 0 else ZERO),
                    "value": report_amount(value),
                }
            )
        header = {
            "report_date": f"{jurnal_date(start)} - {jurnal_date(end)}",
            "currency": "(dalam IDR)",
        }
        body = {
            "header": header,
            "list": rows,
            "grand_total": {"total_value": report_amount(grand)},
        }
        return Response(200, {"inventory_summary": body})
