"""Tampered GetOrders answers: malformed or hostile data served on purpose, for tests.

`ISellerSandbox.tamper` is an `OrderTamper`. Two knobs:

- ``tamper.orders({order_id: fn, ...})``: each time GetOrders serves one of these orders,
  ``fn`` gets a deep copy of the order as rendered (every date, amount and block as it would go
  out) and returns what is served in its place: a dict (the order changed, even its
  ``order_id``), a list (several items in its place: the same id twice with different contents)
  or None (served unchanged, ``fn`` having edited the copy). Amounts in the copy are numbers
  as rendered (Decimal or float: ``Decimal(str(x))`` computes with them exactly);
  ``float("nan")`` and ``float("inf")`` go out as JSON ``NaN`` / ``Infinity``.
- ``tamper.raw_answer(body, times=1)``: the next ``times`` GetOrders requests are answered
  HTTP 200 with ``body`` (bytes or text) as it is: a JSON cut short, an HTML error page.

``tamper.clear()`` takes every tamper away: the order as fixed at the source. The summaries
(GetOrderSummary, GetTransactionSummary) and GetTransactions are never tampered: they keep
telling what the store really sold.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from typing import Any

OrderFn = Callable[[dict[str, Any]], Any]


class OrderTamper:
    """What GetOrders serves instead of the truth; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._orders: dict[str, OrderFn] = {}
        self._raw: list[bytes] = []

    def orders(self, changes: Mapping[str, OrderFn]) -> None:
        """Serve ``fn(order)`` in place of each order named (see the module's docstring)."""
        with self._lock:
            self._orders.update({str(k).lower(): fn for k, fn in changes.items()})

    def raw_answer(self, body: bytes | str, times: int = 1) -> None:
        """Answer the next ``times`` GetOrders requests with ``body``, HTTP 200, as it is."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self._raw.extend([data] * times)

    def clear(self) -> None:
        with self._lock:
            self._orders.clear()
            self._raw.clear()

    def take_raw(self) -> bytes | None:
        """The raw answer due now, if any (used by the sandbox)."""
        with self._lock:
            return self._raw.pop(0) if self._raw else None

    def apply(self, orders: list[dict[str, Any]]) -> list[Any]:
        """The orders of one answer as served (used by the sandbox)."""
        with self._lock:
            changes = dict(self._orders)
        if not changes:
            return orders
        served: list[Any] = []
        for order in orders:
            fn = changes.get(str(order.get("order_id")).lower())
            if fn is None:
                served.append(order)
                continue
            mine = copy.deepcopy(order)
            result = fn(mine)
            if result is None:
                served.append(mine)
            elif isinstance(result, list):
                served.extend(result)
            else:
                served.append(result)
        return served
