"""The completeness check through Dagster and the sandboxes: a day agrees with iSeller's own
totals; a day whose staging misses orders fails the blocking check and nothing is posted;
summaries iSeller does not answer only warn. And the emulator's summaries agree with its
orders, in every reading of the service charge, over several days and every outlet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from journal_pipeline.accounting.business_day import day_window_utc
from journal_pipeline.accounting.completeness import (
    MATCH,
    ORDER_READINGS,
    ORDERS,
    PAYMENT_READINGS,
    PAYMENTS,
    OutletWindow,
    compare_day,
)
from journal_pipeline.config import load_config
from journal_pipeline.defs.assets import build_assets
from journal_pipeline.defs.checks import STAGED_DAY_MATCHES_ISELLER
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.resources import (
    ISellerResource,
    JurnalResource,
    MerchantConfigResource,
    StagingResource,
)
from journal_pipeline.iseller.client import ISellerClient, ISellerSettings, OrderBatch
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.parse import order_summary_frame, transaction_summary_frame
from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import completeness
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import OUTLETS
from journal_sandbox.iseller_app import ISellerSandbox

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 19)  # a whole day before the sandbox clock (2026-11-20 15:00 UTC)
CONFIG = load_config(DEMO_CONFIG)
ASSETS = build_assets(daily_partitions(CONFIG))
BEFORE_BUILD = ["iseller_orders", "iseller_day_totals", "journal_entries"]
AFTER_EXTRACT = [
    "iseller_day_totals",
    "journal_entries",
    "jurnal_products",
    "jurnal_sales_invoices",
]


def _iseller(env: dict[str, str]) -> ISellerResource:
    return ISellerResource(
        token_url=env["ISELLER_TOKEN_URL"],
        client_id=env["ISELLER_CLIENT_ID"],
        client_secret=env["ISELLER_CLIENT_SECRET"],
    )


def _jurnal(env: dict[str, str]) -> JurnalResource:
    return JurnalResource(
        base_url=env["JURNAL_BASE_URL"],
        client_id=env["JURNAL_CLIENT_ID"],
        client_secret=env["JURNAL_CLIENT_SECRET"],
    )


@pytest.fixture
def jurnal(tmp_path: Path) -> Iterator[Any]:
    """A private Jurnal: what it holds was posted by this test alone."""
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


@pytest.fixture
def resources(iseller_sandbox, jurnal, tmp_path) -> dict[str, Any]:
    return {
        "staging": StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}"),
        "merchant": MerchantConfigResource(path=str(DEMO_CONFIG)),
        "iseller": _iseller(iseller_sandbox.env),
        "jurnal": _jurnal(jurnal.env),
    }


def _check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == STAGED_DAY_MATCHES_ISELLER
    ]
    return evaluation


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {
        event.materialization.asset_key.to_user_string()
        for event in result.get_asset_materialization_events()
    }


def _nothing_posted(resources: dict[str, Any], jurnal: Any) -> None:
    store = resources["staging"].store
    assert Outbox(store).documents(DAY).empty  # nothing queued
    assert list(jurnal.client().iter_list("sales_invoices", "sales_invoices")) == []


def test_a_normal_day_agrees_with_isellers_totals(resources) -> None:
    result = dg.materialize(
        ASSETS, selection=BEFORE_BUILD, partition_key=DAY.isoformat(), resources=resources
    )
    assert result.success
    check = _check(result)
    assert check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["complete"].value is True
    readings = check.metadata["readings"].value
    assert set(readings) == {f"{o.outlet_code} {s}" for o in OUTLETS for s in (ORDERS, PAYMENTS)}
    assert all(reading.endswith("(documented)") for reading in readings.values())
    totals = result.asset_materializations_for_node("iseller_day_totals")[0].metadata
    assert totals["iseller_summary_calls"].value == 1 + 2 * len(OUTLETS)
    assert totals["complete"].value is True
    assert "journal_entries" in _materialized(result)
    journal = result.asset_materializations_for_node("journal_entries")[0].metadata
    counts = journal["readings"].value  # sales per reading of their service charge
    assert counts and all(isinstance(n, int) and n > 0 for n in counts.values()), counts


def test_a_day_whose_staging_lost_orders_fails_and_posts_nothing(resources, jurnal) -> None:
    """The day is extracted, then three of JKT's completed orders vanish from staging: the
    check names JKT, the measures and the differences, and nothing is built or posted."""
    extracted = dg.materialize(
        ASSETS, selection=["iseller_orders"], partition_key=DAY.isoformat(), resources=resources
    )
    assert extracted.success
    store: StagingStore = resources["staging"].store
    start, end = day_window_utc(DAY, *CONFIG.outlet_zone("JKT"))
    frames = order_frames(store.orders_closed_between(start, end))
    orders = frames.orders
    jkt = orders[(orders["outlet_code"] == "JKT") & (orders["status"] == "completed")]
    lost = list(jkt.sort_values("order_date")["order_id"][:3])
    assert len(lost) == 3
    t = tables.iseller_orders
    with store.engine.begin() as conn:
        conn.execute(sa.delete(t).where(t.c.order_id.in_(lost)))

    result = dg.materialize(
        ASSETS,
        selection=AFTER_EXTRACT,
        partition_key=DAY.isoformat(),
        resources=resources,
        raise_on_error=False,
    )
    assert not result.success
    check = _check(result)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    description = check.description or ""
    assert description.startswith(f"JKT {DAY.isoformat()}: ")
    assert "completed orders staged;" in description
    assert "gross sales Rp " in description and "at iSeller (−Rp " in description
    assert "No reading of GetOrderSummary agrees" in description
    assert "BDG" not in description and "DPS" not in description  # the others agree
    assert check.metadata["complete"].value is False
    assert check.metadata["outlets_disagreeing"].value == 1
    assert _materialized(result) == {"iseller_day_totals"}
    _nothing_posted(resources, jurnal)


class FirstPageLostClient(ISellerClient):
    """A client that misread the page numbering: the first page of every GetOrders query
    never arrives (with the sandbox's few orders a day, that is every order)."""

    def get_orders(self, **kwargs: Any) -> OrderBatch:
        batch = super().get_orders(**kwargs)
        return OrderBatch(batch.orders[kwargs.get("page_size", 100) :], batch.refunded_orders)


class FirstPageLostResource(ISellerResource):
    def client(self) -> ISellerClient:
        return FirstPageLostClient(
            ISellerSettings(
                token_url=self.token_url,
                client_id=self.client_id,
                client_secret=self.client_secret,
            )
        )


def test_a_client_that_loses_the_first_page_is_stopped_before_posting(
    resources, iseller_sandbox, jurnal
) -> None:
    env = iseller_sandbox.env
    resources["iseller"] = FirstPageLostResource(
        token_url=env["ISELLER_TOKEN_URL"],
        client_id=env["ISELLER_CLIENT_ID"],
        client_secret=env["ISELLER_CLIENT_SECRET"],
    )
    result = dg.materialize(
        ASSETS, partition_key=DAY.isoformat(), resources=resources, raise_on_error=False
    )
    assert not result.success
    check = _check(result)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    description = check.description or ""
    for outlet in OUTLETS:
        assert f"{outlet.outlet_code} {DAY.isoformat()}: 0 completed orders staged;" in description
    assert "journal_entries" not in _materialized(result)
    _nothing_posted(resources, jurnal)


def test_summaries_iseller_does_not_answer_warn_and_the_day_is_built(
    resources, tmp_path, iseller_sandbox
) -> None:
    sandbox = ISellerSandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=8,
        history_days=3,
        now=lambda: iseller_sandbox.now,
        faults="GetOrderSummary:error=1,status=404",
        dialect="",
    )
    server = sandbox.serve().start()
    try:
        resources["iseller"] = ISellerResource(
            token_url=f"{server.url}/oauth/token",
            client_id=sandbox.client_id,
            client_secret="sandbox-iseller-secret",
        )
        result = dg.materialize(
            ASSETS, selection=BEFORE_BUILD, partition_key=DAY.isoformat(), resources=resources
        )
    finally:
        server.stop()
        sandbox.close()
    assert result.success
    check = _check(result)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    description = check.description or ""
    assert description.startswith(f"{DAY.isoformat()} not fully compared:")
    assert "GetOrderSummary unavailable (iSeller GetOrderSummary answered HTTP 404)" in description
    assert check.metadata["summaries_unavailable"].value == len(OUTLETS)
    assert check.metadata["complete"].value is False
    assert "journal_entries" in _materialized(result)  # a warning does not block


# -- the emulator: its summaries agree with its orders -------------------------------------


@pytest.mark.parametrize("service_charge", ["net", "gross", "gross_untaxed_total"])
def test_the_emulators_summaries_agree_with_its_orders(tmp_path, service_charge) -> None:
    """Every order GetOrders serves, against GetOrderSummary and GetTransactionSummary asked
    per outlet and business day (three days, every outlet) as the pipeline asks them: the
    documented readings agree on every measure, whatever the service-charge reading."""
    now = datetime(2026, 11, 20, 15, tzinfo=UTC)
    sandbox = ISellerSandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=40,
        history_days=4,
        now=lambda: now,
        faults="",
        dialect=f"service_charge={service_charge}",
    )
    server = sandbox.serve().start()
    env = {
        "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
        "ISELLER_CLIENT_ID": sandbox.client_id,
        "ISELLER_CLIENT_SECRET": "sandbox-iseller-secret",
    }
    try:
        with ISellerClient.from_env(env) as client:
            served = client.get_orders(
                created_after=datetime(2026, 11, 1, tzinfo=UTC), created_before=now
            )
            frames = order_frames(served.orders)
            outlets = {o["outlet_code"]: o["outlet_id"] for o in served.orders}
            assert set(outlets) == {o.outlet_code for o in OUTLETS}
            compared = 0
            for day in (DAY - timedelta(days=2), DAY - timedelta(days=1), DAY):
                for code, outlet_id in sorted(outlets.items()):
                    window = completeness.outlet_window(CONFIG, code, outlet_id, day, now)
                    assert window is not None and not window.open
                    findings = _compare(client, frames, window)
                    for finding in findings:
                        assert finding.status == MATCH, finding.message
                        documented = (
                            ORDER_READINGS if finding.source == ORDERS else PAYMENT_READINGS
                        )[0]
                        assert finding.reading_key == documented.key, finding.message
                        assert finding.staged_count > 0
                    compared += 1
            assert compared == 3 * len(OUTLETS)
    finally:
        server.stop()
        sandbox.close()


def _compare(client: ISellerClient, frames, window: OutletWindow):
    asked = {
        "created_after": window.start,
        "created_before": window.end,
        "outlet_id": window.outlet_id,
        "time_zone": window.time_zone,
    }
    order_totals = order_summary_frame(client.get_order_summary(**asked), window.time_zone)
    payment_totals = transaction_summary_frame(
        client.get_transaction_summary(**asked), window.time_zone
    )
    return compare_day(
        frames,
        [window],
        order_totals.assign(outlet_code=window.outlet_code),
        payment_totals.assign(outlet_code=window.outlet_code),
    )
