"""Staged orders and GetOrders pages are read to exactly what the standard library reads."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal_pipeline.core.decimal_json import decimal_loads
from journal_pipeline.storage.store import dumps

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)  # a JSON number: 1.5, 1e-07, -0.0
    | st.decimals(allow_nan=False, allow_infinity=False, places=4)  # stored as text
    | st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_VALUES)
def test_every_value_reads_as_the_standard_library_reads_it(value):
    text = dumps(value)
    expected = json.loads(text, parse_float=Decimal)
    got = decimal_loads(text)
    assert got == expected
    assert repr(got) == repr(expected)  # Decimal('1.50') stays 1.50, an int stays an int


def test_money_keeps_its_digits():
    order = decimal_loads('{"total": 187701.0000, "big": 123456789012345678901234567890, "e": 1e5}')
    assert order == {
        "total": Decimal("187701.0000"),
        "big": 123456789012345678901234567890,
        "e": Decimal("1E+5"),
    }


def test_nan_and_infinity_read_as_the_standard_library_reads_them():
    values = decimal_loads('{"amount": NaN, "rate": Infinity}')
    assert math.isnan(values["amount"]) and values["rate"] == math.inf


def test_text_that_is_not_json_raises_the_standard_error():
    with pytest.raises(json.JSONDecodeError):
        decimal_loads("<html>502 Bad Gateway</html>")
