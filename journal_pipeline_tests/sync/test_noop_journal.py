"""A day's journal and payment fees are not built again while nothing they are built from has
changed (`defs.build_marks`); any change is built after a no-op run: a new order, a config
edit, a document's posting status.

Both sandboxes over HTTP, the sync assets materialised through Dagster.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from journal_pipeline.defs.resources import MerchantConfigResource
from journal_pipeline.storage import tables
from journal_pipeline_tests.sync.test_noop_extraction import DAY, local, metadata, noop_shop
from journal_sandbox.defaults import DEMO_CONFIG


def settle(shop) -> dict:
    """Runs of the day until one builds nothing (the first queues and posts, the next sees
    what was posted); that run's journal metadata."""
    for _ in range(3):
        built = metadata(shop.run(), "journal_entries")
        if built["rebuilt"] is False:
            return built
    raise AssertionError("the day was built again on every run")


def test_a_noop_run_reports_the_last_build_and_a_new_order_builds_again(tmp_path):
    with noop_shop(tmp_path) as shop:
        first = metadata(shop.at(local(DAY, 12)).run(), "journal_entries")
        assert first["rebuilt"] is True
        again = settle(shop)
        assert again["orders_completed"] == first["orders_completed"]
        assert again["total_debit"] == first["total_debit"]  # the same build, reported again
        fees = metadata(shop.run(), "jurnal_payment_fees")
        assert fees["rebuilt"] is False and fees["posted_now"] == 0

        later = shop.at(local(DAY, 18)).run()  # the afternoon's sales arrive
        built = metadata(later, "journal_entries")
        assert built["rebuilt"] is True
        assert built["orders_completed"] > first["orders_completed"]
        assert metadata(later, "jurnal_payment_fees")["rebuilt"] is True
        assert metadata(later, "jurnal_sales_invoices")["posted_now"] > 0


def test_a_config_edit_builds_the_day_again(tmp_path):
    edited = tmp_path / "config.yaml"
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    edited.write_text(text, encoding="utf-8")
    with noop_shop(tmp_path / "shop", config=edited) as shop:
        shop.at(local(DAY, 12)).run()
        settle(shop)
        # the rounding product renamed: the day's invoices name it, so they change
        assert "rounding_product: Pembulatan\n" in text
        edited.write_text(text.replace("rounding_product: Pembulatan", "rounding_product: Bulat"))
        shop.resources["merchant"] = MerchantConfigResource(path=str(edited))
        assert metadata(shop.run(), "journal_entries")["rebuilt"] is True


def test_a_posting_status_changed_by_another_run_builds_the_day_again(tmp_path):
    with noop_shop(tmp_path) as shop:
        shop.at(local(DAY, 12)).run()
        settle(shop)
        # an invoice of the day back to pending (as a rollback or a retry leaves it)
        o = tables.outbox
        with shop.store.engine.begin() as conn:
            key = conn.execute(
                sa.select(o.c.doc_key).where(o.c.status == "posted").limit(1)
            ).scalar_one()
            conn.execute(
                sa.update(o)
                .where(o.c.doc_key == key)
                .values(status="pending", updated_at=datetime.now(UTC))
            )
        assert metadata(shop.run(), "journal_entries")["rebuilt"] is True
