"""Incremental extraction (`sync.order_marks`): after a run, the next one asks iSeller only for
the orders changed since; what changed after a no-op run is still staged, and what a full
fetch would stage is what the incremental runs staged.

The demo merchant on a clock of the test's (`Shop.at`), both sandboxes over HTTP, the sync
assets materialised through Dagster as the hourly schedule does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

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
from journal_pipeline.sync.order_marks import FULL_EVERY, ORDERS_MARK, plan_fetch
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.iseller_app import ISellerSandbox

CONFIG = load_config(DEMO_CONFIG)
ASSETS = [*build_assets(daily_partitions(CONFIG)), *build_fee_assets(daily_partitions(CONFIG))]
JAKARTA = timedelta(hours=7)
DAY = date(2026, 3, 10)  # a business day of the demo merchant (Asia/Jakarta)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` in Jakarta on ``day``, as a UTC moment."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - JAKARTA


@dataclass
class Shop:
    iseller: ISellerSandbox
    jurnal: Any
    store: StagingStore
    resources: dict[str, Any]
    clock: list[datetime]

    def at(self, moment: datetime) -> Shop:
        self.clock[0] = moment
        return self

    def run(self, day: date = DAY) -> dg.ExecuteInProcessResult:
        result = dg.materialize(ASSETS, partition_key=day.isoformat(), resources=self.resources)
        assert result.success
        return result


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    found = result.asset_materializations_for_node(asset)[0].metadata
    return {key: getattr(value, "value", value) for key, value in found.items()}


@contextmanager
def noop_shop(
    base: Path, *, start: date = DAY, orders: int = 6, config: Path = DEMO_CONFIG
) -> Iterator[Shop]:
    """The demo merchant from ``start`` (``orders`` per outlet per day) and a fresh Jurnal."""
    clock = [local(start, 12)]
    iseller = ISellerSandbox(
        base / "iseller",
        orders_per_outlet_per_day=orders,
        start_date=start,
        now=lambda: clock[0],
        faults="",
        dialect="",
    )
    server = iseller.serve().start()
    try:
        with running_jurnal_sandbox(base / "jurnal") as jurnal:
            url = f"sqlite:///{base / 'staging.db'}"
            resources = {
                "staging": StagingResource(url=url),
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
                    rate_limit_window_scale=str(jurnal.sandbox.time_scale),
                ),
            }
            yield Shop(iseller, jurnal, StagingStore(url), resources, clock)
    finally:
        server.stop()
        iseller.close()


def staged_ids(store: StagingStore) -> set[str]:
    """Every staged order id with its modified date."""
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT order_id, modified_at FROM iseller_orders").all()
    return {f"{order_id}@{modified}" for order_id, modified in rows}


def test_orders_after_a_noop_run_are_fetched_as_changes_and_nothing_is_missed(tmp_path):
    with noop_shop(tmp_path) as shop:
        first = metadata(shop.at(local(DAY, 12)).run(), "iseller_orders")
        assert first["fetch"].startswith("full")
        noop = metadata(shop.run(), "iseller_orders")  # nothing new: the same moment
        assert noop["fetch"].startswith("changed since")
        # only the overlap's orders come again, none of them new
        assert noop["fetched_created_window"] < first["fetched_created_window"]
        assert noop["inserted"] == 0 and noop["updated"] == 0

        later = metadata(shop.at(local(DAY, 20)).run(), "iseller_orders")
        assert later["fetch"].startswith("changed since")
        assert later["inserted"] > 0  # the afternoon's sales
        journal = metadata(shop.run(), "journal_entries")
        incremental = staged_ids(shop.store)

        # a full fetch of the same moment finds nothing the incremental runs did not stage
        shop.store.clear_mark(ORDERS_MARK, DAY.isoformat())
        full = metadata(shop.run(), "iseller_orders")
        assert full["fetch"].startswith("full")
        assert full["inserted"] == 0 and full["updated"] == 0
        assert staged_ids(shop.store) == incremental
        assert journal["orders_completed"] > 0


def _first_refund(base: Path, start: date, orders: int) -> tuple[str, date, datetime]:
    """The first refund the demo merchant makes (a sandbox of the same seed, its clock two
    weeks on): the refunded order's id and business day, and the refund's moment."""
    later = local(start + timedelta(days=14), 12)
    probe = ISellerSandbox(
        base,
        orders_per_outlet_per_day=orders,
        start_date=start,
        now=lambda: later,
        faults="",
        dialect="",
    )
    try:
        served = probe.served_orders()
    finally:
        probe.close()
    refunds = [
        (_utc(t["transaction_date"]), str(o["order_id"]), (_utc(o["closed_date"]) + JAKARTA).date())
        for o in served
        if o.get("closed_date")
        for t in o.get("transactions") or []
        if t.get("type") == "refund"
    ]
    moment, order_id, sold_on = min(refunds)
    return order_id, sold_on, moment


def _utc(text: Any) -> datetime:
    return datetime.fromisoformat(str(text).replace(" ", "T")).replace(tzinfo=UTC)


def test_a_refund_of_an_older_order_after_a_noop_run_is_staged_and_booked(tmp_path):
    order_id, sold_on, refunded_at = _first_refund(tmp_path / "probe", DAY, orders=12)
    refund_day = (refunded_at + JAKARTA).date()
    assert refund_day > sold_on
    with noop_shop(tmp_path / "shop", orders=12) as shop:
        shop.at(local(sold_on, 23, 30)).run(sold_on)
        # the refund's day runs twice before the refund: the second asks only for changes
        shop.at(refunded_at - timedelta(hours=3)).run(refund_day)
        before = shop.at(refunded_at - timedelta(hours=2)).run(refund_day)
        assert metadata(before, "iseller_orders")["fetch"].startswith("changed since")
        assert not shop.store.refunds_of_orders([order_id])
        entries_before = metadata(before, "journal_entries")["entries"]

        after = shop.at(refunded_at + timedelta(minutes=30)).run(refund_day)
        fetched = metadata(after, "iseller_orders")
        assert fetched["fetch"].startswith("changed since")
        assert fetched["updated"] >= 1 and fetched["refunds_inserted"] >= 1
        assert shop.store.refunds_of_orders([order_id])
        built = metadata(after, "journal_entries")
        assert built["rebuilt"] is True
        assert built["entries"] > entries_before


def test_the_whole_day_is_fetched_again_on_the_rules_of_the_module(tmp_path):
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    noon = local(DAY, 12)
    assert plan_fetch(store, CONFIG, DAY, noon).since is None  # no mark: first fetch
    mark = {"through": (noon - timedelta(minutes=5)).isoformat(), "full_at": noon.isoformat()}
    windows = plan_fetch(store, CONFIG, DAY, noon).windows
    store.set_mark(ORDERS_MARK, DAY.isoformat(), {**mark, "windows": windows})

    hourly = plan_fetch(store, CONFIG, DAY, noon + timedelta(hours=1))
    assert hourly.since == noon - timedelta(minutes=5) - timedelta(hours=1)  # the overlap
    assert plan_fetch(store, CONFIG, DAY, noon + FULL_EVERY).since is None
    # the first run after the day's end (the nightly finalise) sweeps the whole day
    assert plan_fetch(store, CONFIG, DAY, local(DAY + timedelta(days=1), 2, 30)).since is None
    store.set_mark(ORDERS_MARK, DAY.isoformat(), {**mark, "windows": "another config"})
    assert plan_fetch(store, CONFIG, DAY, noon + timedelta(hours=1)).since is None


@pytest.mark.parametrize("stage", ["before the staging commit"])
def test_a_run_that_fails_before_staging_keeps_the_previous_mark(tmp_path, stage):
    with noop_shop(tmp_path) as shop:
        shop.at(local(DAY, 12)).run()
        kept = shop.store.mark(ORDERS_MARK, DAY.isoformat())
        shop.iseller.inject_fault("GetOrders", status=400, times=50)  # a refusal, not retried
        failed = dg.materialize(
            ASSETS[:1],
            partition_key=DAY.isoformat(),
            resources=shop.resources,
            raise_on_error=False,
        )
        assert not failed.success, stage
        assert shop.store.mark(ORDERS_MARK, DAY.isoformat()) == kept
