from datetime import date

import dagster as dg
import yaml

from journal_pipeline.config import load_config
from journal_pipeline.definitions import build_definitions
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.defaults import DEMO_CONFIG

DEFS = build_definitions(load_config(DEMO_CONFIG), resources={})


def _evaluate(staging, cursor=None, merchant=None):
    sensor = next(s for s in DEFS.sensors if s.name == "late_orders_sensor")
    context = dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(),
        cursor=cursor,
        resources={
            "staging": staging,
            "merchant": merchant or MerchantConfigResource(path=str(DEMO_CONFIG)),
        },
    )
    return sensor(context), context.cursor


def test_a_day_with_orders_fetched_after_it_ran_is_run_again(tmp_path):
    staging = StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}")
    store = staging.store
    # both orders were fetched now, for days that have not been built with them
    store.upsert_orders([retail_order(), restaurant_order()])
    requests, cursor = _evaluate(staging)
    assert [r.partition_key for r in requests] == ["2026-11-20"]  # Bali's 00:40 is the 20th too
    assert requests[0].tags["journal_pipeline/late_orders"] == "2"
    again, _ = _evaluate(staging)
    assert [r.run_key for r in again] == [r.run_key for r in requests]  # no duplicate runs
    asked, _ = _evaluate(staging, cursor)  # the cursor knows the day was asked for
    assert isinstance(asked, dg.SkipReason) and "waiting for their runs" in str(asked.skip_message)

    # once the day is built (posted, held or withdrawn alike), nothing is requested
    journal = day_sync.build_journal(
        store, MerchantConfigResource(path=str(DEMO_CONFIG)).config, date(2026, 11, 20)
    )
    Outbox(store).enqueue(date(2026, 11, 20), journal.documents, journal.holds)
    assert isinstance(_evaluate(staging)[0], dg.SkipReason)


def test_more_late_days_than_the_limit_are_asked_for_a_few_per_tick(tmp_path):
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["automation"] = {"max_catch_up_runs": 2}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    merchant = MerchantConfigResource(path=str(path))
    staging = StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}")
    orders = []
    for day in (17, 18, 19, 20):  # one order sold (10:15 in Jakarta) on each of four days
        order = retail_order()
        order["order_id"] = f"{order['order_id']}-{day}"
        order["closed_date"] = f"2026-11-{day} 03:15:00"
        orders.append(order)
    staging.store.upsert_orders(orders)

    first, cursor = _evaluate(staging, merchant=merchant)
    assert [r.partition_key for r in first] == ["2026-11-17", "2026-11-18"]  # oldest first
    assert all(r.tags["journal_pipeline/catch_up"] == "true" for r in first)
    assert all(r.tags["journal_pipeline/requested_by"].startswith("late_orders") for r in first)
    second, cursor = _evaluate(staging, cursor, merchant)
    assert [r.partition_key for r in second] == ["2026-11-19", "2026-11-20"]
    third, _ = _evaluate(staging, cursor, merchant)
    assert isinstance(third, dg.SkipReason)
