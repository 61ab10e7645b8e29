"""A demo week with stock: the opening stock brought in, outlet transfers, supplier receipts and
stock takes posted beside the sales. Afterwards Jurnal's stock per warehouse and SKU equals
iSeller's exactly, Jurnal's cost of sales ties out with the canonical journal, goods received
to the rupiah, and running the week again posts nothing new; whether the packages are sold as
composites or as combo sets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import dagster as dg
import pytest
import yaml

from journal_pipeline.accounting.cost_of_sales import tracked_cost_of_sales
from journal_pipeline.accounting.free_goods import TAKEN_BY_ITEMS
from journal_pipeline.config import load_config
from journal_pipeline.defs.assets import build_assets
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.resources import MerchantConfigResource
from journal_pipeline.defs.stock_assets import build_stock_assets
from journal_pipeline.defs.stock_comparison import build_stock_comparison_assets
from journal_pipeline.storage.stock_comparison import read_comparison
from journal_pipeline.sync import opening_stock
from journal_pipeline.sync.products import sync_catalogue
from journal_pipeline_tests.e2e.demo_week import synced_demo_week
from journal_pipeline_tests.e2e.test_dialects_week import _trial_balance
from journal_sandbox.defaults import DEMO_CONFIG

pytestmark = pytest.mark.e2e

WEEK = [date(2026, 11, 16) + timedelta(days=n) for n in range(7)]  # Monday to Sunday
# 05:30 WIB on Monday the 23rd: every outlet's Sunday is over, nothing of Monday has happened
FIXED_NOW = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)
JURNAL_COST = "Beban Pokok Pendapatan"
# Jurnal values each movement at its moving-average cost in cents; the pipeline's estimate is
# iSeller's whole-rupiah cost. They may part by rounding only: at most a rupiah per document
# that moved stock (docs/inventory.md, "Cost of sales").
TOLERANCE_PER_DOCUMENT = 1


def _config_path(tmp_path):
    """The demo config, comparing every day of the week whatever today's date."""
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["stock"]["comparison_days"] = 3650
    path = tmp_path / "merchant.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _documents(client, resource: str) -> dict[str, dict]:
    return {d["transaction_no"]: d for d in client.iter_list(resource, resource)}


@pytest.mark.parametrize("sets", ["composite", "comboset"])
def test_a_week_of_stock_reaches_jurnal_and_ties_out(tmp_path, sets):
    """Under both readings of a package (`sets`): a composite is a Jurnal bundle, whose sale
    moves its components; a combo set an untracked product, whose items move by adjustments."""
    path = _config_path(tmp_path)
    config = load_config(path)
    daily = daily_partitions(config)
    compared, _ = build_stock_comparison_assets(daily)
    assets = [*build_assets(daily), *build_stock_assets(daily), *compared]

    def bring_in_opening_stock(resources: dict) -> None:
        resources["merchant"] = MerchantConfigResource(path=str(path))
        iseller = resources["iseller"].client()
        store = resources["staging"].store
        jurnal = resources["jurnal"].client(store)
        assert not sync_catalogue(iseller, jurnal, config).problems
        plans = opening_stock.plan_opening_stock(iseller, jurnal, store, config, WEEK[0])
        result = opening_stock.post_opening_stock(
            store, [p for p in plans if p.document is not None], jurnal
        )
        assert result.failed == 0 and result.posted == len(config.outlets)

    with synced_demo_week(
        tmp_path,
        WEEK,
        orders_per_outlet_per_day=8,
        now=FIXED_NOW,
        assets=assets,
        before_first_day=bring_in_opening_stock,
        dialect=f"sets={sets}",
    ) as week:
        assert week.iseller.merchant.start_date == WEEK[0]  # the opening stock is iSeller's
        client = week.jurnal.client()
        transfers = _documents(client, "warehouse_transfers")
        adjustments = _documents(client, "stock_adjustments")

        # what iSeller did in the week reached Jurnal: transfers received in the week,
        # Tuesday's and Friday's supplier deliveries, Monday's stock takes, the opening stock
        kinds = {no.split("/")[0] for no in [*transfers, *adjustments]}
        assert {"TO", "TI", "SO", "STOCK-INIT"} <= kinds, kinds
        combo_sets = [a for a in adjustments.values() if TAKEN_BY_ITEMS in (a.get("memo") or "")]
        assert bool(combo_sets) == (sets == "comboset")  # the packages' items, set by set
        assert all(no.startswith("TO/") for no in transfers)
        statuses = {}
        for day in WEEK:
            for check in week.results[day].get_asset_check_evaluations():
                key = (day, check.asset_key.to_user_string(), check.check_name)
                statuses[key] = check.passed or check.metadata
        assert all(v is True for v in statuses.values()), {
            k: v for k, v in statuses.items() if v is not True
        }

        # Jurnal's stock per warehouse and SKU equals iSeller's at the end of every day
        for day in WEEK:
            rows = read_comparison(week.store, day)
            assert rows, day
            differing = [r for r in rows if Decimal(str(r["difference"] or 0)) != 0]
            assert differing == [], (day, differing[:5])
        last = read_comparison(week.store, WEEK[-1])
        assert sum(Decimal(str(r["jurnal_quantity"] or 0)) for r in last) > 0

        # cost of sales: Jurnal's own (moving average) against the canonical estimate of
        # tracked stock, within rounding
        journal = [week.store.read_journal(day) for day in WEEK]
        ours = sum(tracked_cost_of_sales(frame) for frame in journal)
        theirs = _trial_balance(client, WEEK[0], WEEK[-1]).get(JURNAL_COST, Decimal(0))
        invoices = sum(1 for _ in client.iter_list("sales_invoices", "sales_invoices"))
        assert ours > 0
        assert abs(theirs - ours) <= TOLERANCE_PER_DOCUMENT * invoices, (theirs, ours)

        # goods received from suppliers: to the rupiah
        goods_received = config.accounts["goods_received"]
        received = sum(
            int(f.loc[f["account_name"] == goods_received, "credit"].sum()) for f in journal
        )
        assert received > 0
        balance = _trial_balance(client, WEEK[0], WEEK[-1]).get(goods_received, Decimal(0))
        assert -balance == received

        # the week again: nothing new reaches Jurnal
        for day in WEEK:
            result = dg.materialize(assets, partition_key=day.isoformat(), resources=week.resources)
            assert result.success
            metadata = result.asset_materializations_for_node("jurnal_stock_documents")[0].metadata
            assert metadata["posted_now"].value == 0, day
        assert _documents(client, "warehouse_transfers").keys() == transfers.keys()
        assert _documents(client, "stock_adjustments").keys() == adjustments.keys()
