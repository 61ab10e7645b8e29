"""The forms iSeller's document leaves open for money and dates, read by the pipeline exactly:
amounts and percentages as JSON numbers or decimal strings (I-16), dates with a space or as
.NET ISO 8601 with ``T`` and seven fractional digits (I-14); staging keeps the same times
from either."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest

from journal_pipeline.core.money import to_rupiah
from journal_pipeline.core.timestamps import parse_utc
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.parse import (
    order_summary_frame,
    parse_time,
    transaction_summary_frame,
    transactions_frame,
)
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.dialect import Dialect
from journal_sandbox.dialect_text import state_text

TEXT = Dialect(money_format="string", date_format="iso")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20 08:15:00", datetime(2026, 11, 20, 8, 15, tzinfo=UTC)),
        ("2026-11-20T08:15:00", datetime(2026, 11, 20, 8, 15, tzinfo=UTC)),
        ("2026-11-20T08:15:00.0000000", datetime(2026, 11, 20, 8, 15, tzinfo=UTC)),
        # seven digits: the first six are read, the seventh dropped (never rounded up)
        ("2026-11-20T08:15:00.1234567", datetime(2026, 11, 20, 8, 15, 0, 123456, tzinfo=UTC)),
        ("2026-11-20T23:59:59.9999999", datetime(2026, 11, 20, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2026-11-20 08:15:00.5", datetime(2026, 11, 20, 8, 15, 0, 500000, tzinfo=UTC)),
    ],
)
def test_both_date_forms_are_read_as_utc(text: str, expected: datetime) -> None:
    assert parse_utc(text) == expected
    assert parse_time(text) == expected
    wib = expected.replace(tzinfo=timezone(timedelta(hours=7)))
    assert parse_time(text, 7) == wib.astimezone(UTC)


@pytest.mark.parametrize(
    ("value", "rupiah"),
    [
        (55000.0, 55000),
        (Decimal("55000.0"), 55000),
        ("55000.0000", 55000),
        ("-1250.5000", -1251),  # half away from zero, as every amount
        ("0.0000", 0),
        ("", 0),
    ],
)
def test_both_money_forms_are_read_exactly(value: object, rupiah: int) -> None:
    assert to_rupiah(value) == rupiah


@pytest.mark.parametrize("order", [retail_order(), restaurant_order()], ids=["retail", "resto"])
def test_an_order_in_text_forms_gives_the_same_frames(order) -> None:
    text = state_text(order, TEXT)
    assert text["total_amount"] == f"{order['total_amount']}".split(".")[0] + ".0000"
    assert isinstance(text["order_details"][0]["tax_percentage"], str)
    assert text["closed_date"].endswith(".0000000") and "T" in text["closed_date"]
    plain, read = order_frames([order]), order_frames([text])
    for name in ("orders", "lines", "payments"):
        pd.testing.assert_frame_equal(getattr(plain, name), getattr(read, name))
    assert read.lines["quantity"].map(type).eq(Decimal).all()
    assert read.lines["tax_percentage"].tolist() == plain.lines["tax_percentage"].tolist()


def test_a_fraction_of_a_second_stays_in_its_second() -> None:
    order = retail_order()
    order["closed_date"] = "2026-11-20T03:15:00.9999999"
    (closed,) = order_frames([order]).orders["closed_date"]
    assert closed.replace(microsecond=0) == datetime(2026, 11, 20, 3, 15, tzinfo=UTC)


def test_summaries_and_payments_in_text_forms_give_the_same_frames() -> None:
    order_item = {
        "order_date": "2026-11-19 00:00:00",
        "currency": "IDR",
        "total_order_amount": 170000.0,
        "subtotal": 160000.0,
        "total_amount": 177600.0,
        "units_used": [{"sku": "A", "stock": 2.0}],
        "units_returned": None,
        "units_fulfilled": [{"sku": "A", "stock": 2}],
    }
    payment_item = {
        "order_date": "2026-11-19 00:00:00",
        "cash": 99900.0,
        "customs": [{"name": "GoPay", "amount": 55500.0}],
    }
    transaction = {
        "transaction_id": "t1",
        "transaction_date": "2026-11-19 03:05:00",
        "type": "sale",
        "amount": 99900.0,
        "mdr": [{"payment_method_fee": 700.0, "total_amount_fee": 700.0}],
    }
    for read, item in (
        (order_summary_frame, order_item),
        (transaction_summary_frame, payment_item),
        (transactions_frame, transaction),
    ):
        text = state_text(item, TEXT)
        assert not any(isinstance(v, float) for v in text.values())
        pd.testing.assert_frame_equal(read([item], 7), read([text], 7))


def test_staging_keeps_the_same_times_from_either_date_form(tmp_path) -> None:
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    order = state_text(retail_order(), TEXT)
    assert store.upsert_orders([order])["inserted"] == 1
    closed = datetime(2026, 11, 20, 3, 15, tzinfo=UTC)
    (found,) = store.orders_touching(closed, closed + timedelta(seconds=1))
    assert found["order_id"] == order["order_id"]
    assert found["closed_date"] == "2026-11-20T03:15:00.0000000"  # the raw text as served
    assert found["total_amount"] == "187702.0000"
    assert store.orders_touching(closed - timedelta(seconds=1), closed) == []
    # the same order fetched again in the documented forms: same modified time, kept once
    counts = store.upsert_orders([retail_order()])
    assert counts["inserted"] == 0
    assert len(store.orders_touching(closed, closed + timedelta(seconds=1))) == 1
