"""A week of the demo merchant synced through the Dagster assets, for end-to-end tests.

A private iSeller sandbox (its own history, clock and dialect) and a fresh Jurnal sandbox;
every day materialized into one staging database, the way the hourly and nightly runs do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import dagster as dg

from journal_pipeline.config import load_config
from journal_pipeline.defs.assets import build_assets
from journal_pipeline.defs.fee_assets import build_fee_assets
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.resources import (
    ISellerResource,
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
)
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.iseller_app import ISellerSandbox

CONFIG = load_config(DEMO_CONFIG)
# the day's sales and the fees kept from its payments: Jurnal's ledger holds both
ASSETS = [*build_assets(daily_partitions(CONFIG)), *build_fee_assets(daily_partitions(CONFIG))]


@contextmanager
def synced_demo_week(
    base: Path,
    days: list[date],
    *,
    orders_per_outlet_per_day: int,
    now: datetime,
    dialect: str = "",
    assets: Sequence = ASSETS,
    before_first_day: Callable[[dict], None] | None = None,
    config: Path = DEMO_CONFIG,
    history_days: int | None = None,
    bank_holidays: Sequence[date] = (),
    seed: int = 7,
    cash_rounding: int | None = None,
    item_promotions: bool = False,
) -> Iterator[SimpleNamespace]:
    """Yields ``iseller`` (the sandbox), ``jurnal`` (its handle), ``store`` (staging),
    ``results`` (each day's materialization result) and ``resources`` (to run a day again);
    every day's run of ``assets`` must succeed. ``before_first_day`` gets the resources
    first (e.g. to bring in the opening stock)."""
    iseller = ISellerSandbox(
        base / "iseller",
        seed=seed,
        orders_per_outlet_per_day=orders_per_outlet_per_day,
        history_days=history_days or len(days),
        now=lambda: now,
        faults="",
        dialect=dialect,
        bank_holidays=bank_holidays,
        cash_rounding=cash_rounding,
        item_promotions=item_promotions,
    )
    server = iseller.serve().start()
    try:
        with running_jurnal_sandbox(base / "jurnal") as jurnal:
            staging_url = f"sqlite:///{base / 'staging.db'}"
            resources = {
                "staging": StagingResource(url=staging_url),
                "merchant": MerchantConfigResource(path=str(config)),
                "iseller": ISellerResource(
                    token_url=f"{server.url}/oauth/token",
                    client_id="sandbox-iseller-client",
                    client_secret="sandbox-iseller-secret",
                ),
                "jurnal": JurnalResource(
                    base_url=jurnal.env["JURNAL_BASE_URL"],
                    client_id=jurnal.env["JURNAL_CLIENT_ID"],
                    client_secret=jurnal.env["JURNAL_CLIENT_SECRET"],
                    # the sandbox's rate-limit minute lasts a real second; so does ours
                    rate_limit_window_scale=str(jurnal.sandbox.time_scale),
                ),
            }
            if before_first_day is not None:
                before_first_day(resources)
            results = {}
            for day in days:
                result = dg.materialize(assets, partition_key=day.isoformat(), resources=resources)
                assert result.success, (dialect, day)
                results[day] = result
            yield SimpleNamespace(
                iseller=iseller,
                jurnal=jurnal,
                store=StagingStore(staging_url),
                results=results,
                resources=resources,
            )
    finally:
        server.stop()
        iseller.close()
