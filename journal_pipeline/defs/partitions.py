"""Daily partitions in the merchant's time zone; today's partition exists (end_offset=1)."""

from __future__ import annotations

from datetime import date

import dagster as dg

from journal_pipeline.config import MerchantConfig


def daily_partitions(config: MerchantConfig) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=config.start_date.isoformat(), timezone=config.timezone, end_offset=1
    )


def partition_date(context: dg.AssetExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)
