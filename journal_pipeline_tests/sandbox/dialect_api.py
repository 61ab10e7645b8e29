"""An iSeller emulator on a free port whose dialect a test switches, and a small client of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from journal_sandbox.dialect import Dialect
from journal_sandbox.iseller_app import ISellerSandbox

TIMEOUT = 10
NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)
WINDOW = {"time_zone": "0", "created_after": "2026-01-01T00:00:00"}
ALL_INCLUDES = "OrderDetails,Transactions,DiscountDetails,PromotionDetails,TrackInventory,MDR"


class Api:
    def __init__(self, sandbox: ISellerSandbox, url: str):
        self.sandbox = sandbox
        self.url = url
        self.token = requests.post(
            f"{url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": sandbox.client_id,
                "client_secret": "sandbox-iseller-secret",
            },
            timeout=TIMEOUT,
        ).json()["access_token"]

    def speak(self, spec: str) -> None:
        self.sandbox.dialect = Dialect.from_spec(spec)

    def __call__(self, path: str, **params: Any) -> dict[str, Any]:
        response = requests.post(
            f"{self.url}{path}",
            data=params,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, path: str, **params: Any) -> dict[str, Any]:
        body = self(path, **params)
        assert body["status"] is True, body
        return body

    def orders(self, **params: Any) -> list[dict[str, Any]]:
        return self.ok(
            "/api/v2/GetOrders", **{**WINDOW, "includes": ALL_INCLUDES, "page_size": 1000, **params}
        )["orders"]

    def pages(self, path: str, key: str, first: int, **params: Any) -> list[list[Any]]:
        """Every page from `first` while ``has_next_item``."""
        pages, page = [], first
        while True:
            body = self.ok(path, page=page, **params)
            pages.append(body[key])
            if not body["has_next_item"]:
                return pages
            page += 1


@contextmanager
def dialect_sandbox(
    state_dir: Path, *, orders_per_outlet_per_day: int = 10, history_days: int = 3
) -> Iterator[Api]:
    """The emulator (by default 10 orders per outlet per day, 3 days before `NOW`; no faults)
    serving the documented dialect until a test says otherwise with `Api.speak`."""
    sandbox = ISellerSandbox(
        state_dir,
        orders_per_outlet_per_day=orders_per_outlet_per_day,
        history_days=history_days,
        now=lambda: NOW,
        faults="",
        dialect="",
    )
    server = sandbox.serve().start()
    try:
        yield Api(sandbox, server.url)
    finally:
        server.stop()
        sandbox.close()
