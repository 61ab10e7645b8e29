"""Both emulators for the stock tests: a private iSeller sandbox whose clock the test moves,
a fresh Jurnal sandbox with a tracked product per SKU iSeller keeps stock of, and what the
iSeller emulator itself says its stock was at an instant."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from journal_pipeline.accounting import iseller_stock
from journal_pipeline.config import load_config
from journal_pipeline.iseller.client import ISellerClient, ISellerSettings
from journal_pipeline.iseller.paging import forget_page_bases
from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.iseller_fixtures import running_iseller_sandbox
from journal_pipeline_tests.jurnal_fixtures import JurnalSandboxHandle, running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.iseller_app import ISellerSandbox

CONFIG = load_config(DEMO_CONFIG)
FIRST_DAY = date(2026, 11, 16)  # a Monday: stock takes, a transfer to Bali, one to Bandung


class Clock:
    """The iSeller emulator's clock, moved by the test."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class StockSandboxes:
    clock: Clock
    iseller_sandbox: ISellerSandbox
    iseller_env: dict[str, str]
    jurnal: JurnalSandboxHandle
    store: StagingStore

    def iseller(self) -> ISellerClient:
        return ISellerClient(
            ISellerSettings(
                token_url=self.iseller_env["ISELLER_TOKEN_URL"],
                client_id=self.iseller_env["ISELLER_CLIENT_ID"],
                client_secret=self.iseller_env["ISELLER_CLIENT_SECRET"],
            )
        )

    def jurnal_client(self) -> JurnalClient:
        return self.jurnal.client()

    def iseller_truth(self, instants: dict[str, datetime]) -> dict[tuple[str, str], Decimal]:
        """(outlet, SKU) → what the iSeller API says the level is, with its clock at each
        outlet's instant, plus the units that outlet has in transit then."""
        saved = self.clock.now
        truth: dict[tuple[str, str], Decimal] = {}
        try:
            for outlet, instant in instants.items():
                self.clock.now = instant
                client = self.iseller()
                current = iseller_stock.current_levels(client.get_products(track_inventory=True))
                moving = iseller_stock.in_transit(
                    client.get_transfers(status="in_transfer"), {outlet: instant}
                )
                for key, units in [*current.items(), *moving.items()]:
                    if key[0] == outlet:
                        truth[key] = truth.get(key, Decimal(0)) + units
        finally:
            self.clock.now = saved
        return truth

    def track_every_stocked_product(self) -> int:
        """Jurnal inventory products for iSeller's stocked SKUs (the catalogue sync's job in
        production)."""
        products = iseller_stock.stocked_products(self.iseller().get_products(track_inventory=True))
        bodies = [
            {
                "name": product.name,
                "product_code": product.sku,
                "track_inventory": True,
                "inventory_asset_account_name": "Persediaan Barang",
                "buy_price_per_unit": int(product.buying_price),
                "unit_name": "Pcs",
            }
            for product in products.values()
        ]
        results = self.jurnal_client().batch_create("products", "product", bodies)
        assert all(r.ok for r in results), [r.errors for r in results if not r.ok]
        return len(bodies)


@contextmanager
def stock_sandboxes(base: Path, now: datetime) -> Iterator[StockSandboxes]:
    forget_page_bases()
    clock = Clock(now)
    try:
        with (
            running_iseller_sandbox(
                base / "iseller",
                orders_per_outlet_per_day=6,
                start_date=FIRST_DAY,
                now=clock,
            ) as iseller,
            running_jurnal_sandbox(base / "jurnal") as jurnal,
        ):
            yield StockSandboxes(
                clock,
                iseller.sandbox,
                iseller.env,
                jurnal,
                StagingStore(f"sqlite:///{base / 'staging.db'}"),
            )
    finally:
        forget_page_bases()
