from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal_pipeline.core.money import allocate, format_idr, round_half_up, to_rupiah


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("55000.0000", 55_000), (Decimal("15988.5"), 15_989), ("-2.5", -3), (None, 0), (7, 7)],
)
def test_to_rupiah(raw, expected):
    assert to_rupiah(raw) == expected


def test_to_rupiah_rejects_text():
    with pytest.raises(ValueError, match="not an amount"):
        to_rupiah("lima ribu")


def test_round_half_up():
    assert round_half_up(5, 2) == 3 and round_half_up(-5, 2) == -3 and round_half_up(4, 3) == 1


@given(st.integers(-(10**9), 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=20))
def test_allocate_sums_exactly(total, weights):
    shares = allocate(total, weights)
    assert sum(shares) == total and len(shares) == len(weights)


def test_format_idr():
    assert format_idr(1234567) == "Rp 1.234.567"
