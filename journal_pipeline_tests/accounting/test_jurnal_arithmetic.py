from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from journal_pipeline.accounting.jurnal_arithmetic import InvoiceLine, fit_total, invoice_totals


def test_documented_example():
    # jurnal-api.md §3.1: 12,000,000 less 10% = 10,800,000; invoice discount 1,080,000;
    # PPN 10% after discount 972,000; total 10,692,000
    totals = invoice_totals(
        [InvoiceLine(D(1), D(12_000_000), D(10), D(10))], discount_value=D(1_080_000)
    )
    assert totals.subtotal == D(10_800_000)
    assert totals.tax == D(972_000)
    assert totals.total == D(10_692_000)


def test_inclusive_tax_is_contained_not_added():
    totals = invoice_totals([InvoiceLine(D(2), D(55_000), tax_rate=D(10))], tax_inclusive=True)
    assert totals.tax == D(10_000) and totals.total == D(110_000)


def test_excess_is_fitted_with_extra_discount_then_rounding():
    lines = [InvoiceLine(D(1), D(4_550), tax_rate=D(11))]  # 4,550 × 1.11 = 5,050.50
    fit = fit_total(lines, D(5_050))
    assert fit is not None and fit.extra_discount > 0
    fitted = [*lines, InvoiceLine(D(1), fit.rounding)] if fit.rounding else lines
    assert invoice_totals(fitted, discount_value=fit.extra_discount).total == D(5_050)


@given(
    prices=st.lists(st.integers(1, 2_000).map(lambda k: k * 50), min_size=1, max_size=6),
    rate=st.sampled_from([D(10), D(11), D(12)]),
    inclusive=st.booleans(),
    discount=st.integers(0, 500).map(lambda k: k * 10),
    drift=st.integers(-3, 3),
)
def test_fit_always_lands_on_the_target(prices, rate, inclusive, discount, drift):
    lines = [InvoiceLine(D(1), D(p), tax_rate=rate) for p in prices]
    base = invoice_totals(lines, discount_value=D(discount), tax_inclusive=inclusive).total
    if base <= 10:
        return
    target = base.to_integral_value() + drift
    fit = fit_total(lines, target, discount_value=D(discount), tax_inclusive=inclusive)
    assert fit is not None
    fitted = [*lines, InvoiceLine(D(1), fit.rounding)] if fit.rounding else lines
    total = invoice_totals(
        fitted, discount_value=D(discount) + fit.extra_discount, tax_inclusive=inclusive
    ).total
    assert total == target
