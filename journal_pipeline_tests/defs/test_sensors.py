from datetime import date

import dagster as dg

from journal_pipeline.config import load_config
from journal_pipeline.definitions import build_definitions
from journal_pipeline.defs.resources import MerchantConfigResource, StagingResource
from journal_pipeline.sync import day as day_sync
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.defaults import DEMO_CONFIG

DEFS = build_definitions(load_config(DEMO_CONFIG), resources={})


def _evaluate(staging):
    sensor = next(s for s in DEFS.sensors if s.name == "late_orders_sensor")
    context = dg.build_sensor_context(
        resources={"staging": staging, "merchant": MerchantConfigResource(path=str(DEMO_CONFIG))}
    )
    return sensor(context)


def test_a_day_with_orders_fetched_after_it_ran_is_run_again(tmp_path):
    staging = StagingResource(url=f"sqlite:///{tmp_path / 'staging.db'}")
    store = staging.store
    # both orders were fetched now, for days that have not been built with them
    store.upsert_orders([retail_order(), restaurant_order()])
    requests = _evaluate(staging)
    assert [r.partition_key for r in requests] == ["2026-11-20"]  # Bali's 00:40 is the 20th too
    assert requests[0].tags["journal_pipeline/late_orders"] == "2"
    again = _evaluate(staging)
    assert [r.run_key for r in again] == [r.run_key for r in requests]  # no duplicate runs

    # once the day is built (posted, held or withdrawn alike), nothing is requested
    journal = day_sync.build_journal(
        store, MerchantConfigResource(path=str(DEMO_CONFIG)).config, date(2026, 11, 20)
    )
    Outbox(store).enqueue(date(2026, 11, 20), journal.documents, journal.holds)
    assert isinstance(_evaluate(staging), dg.SkipReason)
