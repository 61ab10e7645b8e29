import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from journal_pipeline.core.missing import (
    is_missing,
    missing_as_none,
    non_json_values,
    text_or_none,
)
from journal_pipeline.core.orders import OrderFrames
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.orders import retail_order


@pytest.mark.parametrize(
    "value", [None, math.nan, float("nan"), pd.NA, pd.NaT, Decimal("NaN"), "", "   "]
)
def test_missing_values_give_no_text(value):
    assert is_missing(value)
    assert text_or_none(value) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [("Matcha Latte", "Matcha Latte"), ("  Large ", "Large"), ("nan", "nan"), (0, "0")],
)
def test_present_values_are_their_text(value, text):
    assert not is_missing(value)
    assert text_or_none(value) == text


def test_missing_as_none_replaces_nan_in_every_column_but_integers_and_booleans():
    # pandas 3 infers the str dtype here and stores the missing name as NaN
    frame = pd.DataFrame(
        {
            "name": ["Kopi", None, ""],
            "when": [datetime(2026, 11, 20, tzinfo=UTC), None, None],
            "rate": [1.5, None, 2.0],
            "amount": [1, 2, 3],
            "taxable": [True, False, True],
        }
    )
    assert frame["name"].isna().sum() == 1 and frame["when"].dtype.kind == "M"
    clean = missing_as_none(frame)
    assert clean["name"].tolist() == ["Kopi", None, ""]  # blank text is kept as sent
    assert clean["when"].tolist()[1:] == [None, None]
    assert clean["rate"].tolist() == [1.5, None, 2.0]
    assert clean["amount"].dtype == "int64" and clean["taxable"].dtype == bool
    assert frame["name"].isna().sum() == 1  # the input is left as it was


def test_merged_frames_keep_none():
    left = pd.DataFrame({"k": ["a", "b"], "v": ["x", "y"]}, dtype=object)
    right = pd.DataFrame({"k": ["a"], "w": ["z"]}, dtype=object)
    merged = left.merge(right, on="k", how="left")
    assert not isinstance(merged["w"][1], str) and pd.isna(merged["w"][1])  # what pandas does
    assert missing_as_none(merged)["w"].tolist() == ["z", None]


def test_order_frames_hold_none_whoever_builds_them():
    order = retail_order()
    order["order_details"][0]["product_variant_name"] = "Large"
    order["order_details"][1]["sku"] = math.nan
    built = order_frames([order])
    assert built.orders["customer_name"].tolist() == [None]
    assert built.lines["variant_name"].tolist() == ["Large", None]
    assert built.lines["sku"].tolist() == ["KOP-001", None]
    # frames built by hand the pandas way (str dtype, NaN for missing) are cleaned on the way in
    lines = pd.DataFrame({"order_id": ["o1", "o1"], "variant_name": ["Large", None]})
    assert pd.isna(lines["variant_name"][1])
    by_hand = OrderFrames(built.orders, lines, built.payments)
    assert by_hand.lines["variant_name"].tolist() == ["Large", None]
    assert by_hand.only(["o1"]).lines["variant_name"].tolist() == ["Large", None]


def test_order_without_reference_is_named_by_its_id():
    order = retail_order()
    order["order_reference"] = None
    assert order_frames([order]).orders["order_reference"].tolist() == [order["order_id"]]


def test_non_json_values_finds_nan_infinity_and_foreign_types():
    body = {
        "ok": ["text", 1, 2.5, True, None, Decimal("1.5"), date(2026, 11, 20)],
        "lines": [{"product_code": math.nan}, {"rate": math.inf}],
        "discount": Decimal("NaN"),
        "when": pd.NaT,
        "missing": pd.NA,
    }
    assert list(non_json_values(body)) == [
        "$.lines[0].product_code: nan",
        "$.lines[1].rate: inf",
        "$.discount: Decimal('NaN')",
        "$.when: NaT",
        "$.missing: NAType <NA>",
    ]
