"""A day's journal and payment fees are not built again while nothing they are built from has
changed (`defs.build_marks`); any change is built after a no-op run: a new order, a config
edit, a document's posting status.

Both sandboxes over HTTP, the sync assets materialised through Dagster.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import dagster as dg
import sqlalchemy as sa

from journal_pipeline.core.statement_lines import StatementLine
from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.recon_assets import AS_OF_TAG, build_recon_assets
from journal_pipeline.defs.resources import MerchantConfigResource
from journal_pipeline.storage import tables
from journal_pipeline.storage.bank_statements import stage_statement_lines
from journal_pipeline.storage.writing import writing
from journal_pipeline_tests.sync.test_noop_extraction import (
    ASSETS,
    CONFIG,
    DAY,
    local,
    metadata,
    noop_shop,
)
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
        # an invoice of the day back to pending (as a rollback or a retry leaves it: every
        # write of a run or a command goes through the staging write lock)
        o = tables.outbox
        with writing(shop.store.engine) as conn:
            key = conn.execute(
                sa.select(o.c.doc_key).where(o.c.status == "posted").limit(1)
            ).scalar_one()
            conn.execute(
                sa.update(o)
                .where(o.c.doc_key == key)
                .values(status="pending", updated_at=datetime.now(UTC))
            )
        assert metadata(shop.run(), "journal_entries")["rebuilt"] is True


def test_the_comparison_with_iseller_totals_is_made_again_when_they_change(tmp_path):
    with noop_shop(tmp_path) as shop:
        shop.at(local(DAY, 12)).run()
        settle(shop)
        quiet = metadata(shop.run(), "iseller_day_totals")
        assert quiet["rebuilt"] is False and quiet["iseller_summary_calls"] > 0
        # nothing staged changes, but iSeller's answer does: compared again
        shop.iseller.inject_fault("GetOrderSummary", status=400, times=3)
        failed = dg.materialize(ASSETS[:2], partition_key=DAY.isoformat(), resources=shop.resources)
        totals = metadata(failed, "iseller_day_totals")
        assert totals["rebuilt"] is True and totals["summaries_unavailable"] > 0
        assert metadata(shop.run(), "iseller_day_totals")["rebuilt"] is True  # answers again
        assert metadata(shop.run(), "iseller_day_totals")["rebuilt"] is False


def test_the_reconciliation_is_made_again_when_a_bank_line_or_its_day_changes(tmp_path):
    assets = [*ASSETS, *build_recon_assets(daily_partitions(CONFIG))]
    with noop_shop(tmp_path) as shop:
        shop.at(local(DAY, 12))

        def recon(**tags: str) -> dict:
            run = dg.materialize(
                assets, partition_key=DAY.isoformat(), resources=shop.resources, tags=tags
            )
            assert run.success
            return metadata(run, "cash_bank_reconciliation")

        for _ in range(3):
            quiet = recon()
        assert quiet["rebuilt"] is False
        line = StatementLine(
            line_key="test-line-1",
            account="Rekening Bank",
            line_date=DAY + timedelta(days=1),
            description="SETORAN TUNAI",
            reference="DEP-1",
            amount=Decimal("150000"),
            direction="CR",
            balance=None,
            source="test.csv",
            line_no=1,
        )
        assert stage_statement_lines(shop.store, [line])["staged"] == 1
        assert recon()["rebuilt"] is True  # a bank line arrived
        # its payout is posted in that run (the outbox changed): made once more, then kept
        assert [recon()["rebuilt"] for _ in range(3)][-1] is False
        later = (DAY + timedelta(days=30)).isoformat()
        assert recon(**{AS_OF_TAG: later})["rebuilt"] is True  # ages move with the day
