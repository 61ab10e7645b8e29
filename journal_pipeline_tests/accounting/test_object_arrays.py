"""A day's text columns read once per distinct value give what reading every row gives."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from journal_pipeline.accounting.object_arrays import (
    distinct_values,
    objects,
    repeated,
    stripped_texts,
    text_or_none_all,
    truthy,
)
from journal_pipeline.core.missing import text_or_none

COLUMNS = {
    "plain text": [" KOP-001", "KOP-001 ", "TEH", "KOP-001", ""],
    "None among text": ["KOP-001", None, " TEH ", None],
    "NaN among text": ["KOP-001", math.nan, "TEH", None],
    "pd.NA among text": [pd.NA, "A", "  ", "A"],
    "numbers read as text": [1, 1.0, Decimal("1.50"), "1", True],
    "all missing": [None, math.nan, None],
    "empty": [],
}


@pytest.mark.parametrize("values", COLUMNS.values(), ids=COLUMNS.keys())
def test_texts_are_those_of_each_value(values):
    assert text_or_none_all(values) == [text_or_none(v) for v in values]
    codes, texts = stripped_texts(objects(values))
    assert [texts[c] for c in codes] == [text_or_none(v) for v in values]


def test_one_and_one_point_zero_keep_their_own_text():
    # as dict keys 1 == 1.0 == True, but their texts differ
    assert text_or_none_all([1, 1.0, True]) == ["1", "1.0", "True"]


@pytest.mark.parametrize("values", COLUMNS.values(), ids=COLUMNS.keys())
def test_distinct_values_give_back_every_value(values):
    codes, uniques = distinct_values(objects(values))
    for code, value in zip(codes.tolist(), values, strict=True):
        found = uniques[code]
        assert found is value or found == value or (pd.isna(found) and pd.isna(value))


def test_repeated_and_truthy():
    assert repeated("order", 3).tolist() == ["order", "order", "order"]
    assert repeated(None, 0).tolist() == []
    assert truthy(objects([True, None, 0, 1, "x", ""])).tolist() == [
        True,
        False,
        False,
        True,
        True,
        False,
    ]
    flags = np.array([True, False])
    assert truthy(flags) is flags
