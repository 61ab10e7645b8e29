from decimal import Decimal as D
from math import gcd

from hypothesis import example, given, settings
from hypothesis import strategies as st

from journal_pipeline.accounting.jurnal_arithmetic import (
    Fit,
    InvoiceLine,
    _share,
    fit_total,
    invoice_totals,
)
from journal_sandbox.jurnal_common import InvoiceLine as EmulatorLine
from journal_sandbox.jurnal_common import allocate_cents, compute_invoice


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


TIED = [  # #JKT-002518 (rounding_orders.py): 108,000 / 99,000 / 150,000 after line discounts
    InvoiceLine(D(1), D(120_000), D(10), D(11)),
    InvoiceLine(D(1), D(110_000), D(10), D(11)),
    InvoiceLine(D(1), D(150_000), tax_rate=D(11)),
]


def test_an_exact_tie_in_the_discount_shares_goes_to_the_earlier_line():
    # 25,000.01 over 357,000: the second and third lines are each 10/17 of a cent past a whole
    # cent, so the second takes the cent (J-6): shares 7,563.03 / 6,932.78 / 10,504.20, taxes
    # 11,048.07 + 10,127.39 + 15,344.54
    totals = invoice_totals(TIED, discount_value=D("25000.01"))
    assert totals.tax == D("36520.00")
    assert totals.total == D("368519.99")


def test_the_tied_invoice_is_fitted_to_the_orders_total():
    fit = fit_total(TIED, D(368_520), discount_value=D(25_000))
    assert fit == Fit(extra_discount=D("0.01"), rounding=D("0.01"))
    fitted = [*TIED, InvoiceLine(D(1), fit.rounding)]
    assert invoice_totals(fitted, discount_value=D("25000.01")).total == D(368_520)
    assert _emulator_total(fitted, D("25000.01"), inclusive=False) == D(368_520)


def _emulator_total(lines, discount, *, inclusive, shipping=D(0)):
    return _emulator(lines, discount, inclusive=inclusive, shipping=shipping).original_amount


def _emulator(lines, discount, *, inclusive, shipping=D(0)):
    """The Jurnal emulator's arithmetic (journal_sandbox), the documented J-6 reading."""
    return compute_invoice(
        [
            EmulatorLine(
                product={},
                tax=None if line.tax_rate is None else {"rate": str(line.tax_rate)},
                quantity=line.quantity,
                rate=line.rate,
                discount=line.discount_percent,
                description=None,
                custom_id=None,
            )
            for line in lines
        ],
        discount_type="value",
        discount_unit=discount,
        tax_after_discount=True,
        tax_inclusive=inclusive,
        shipping_price=shipping,
        witholding_type=None,
        witholding_value=D(0),
        deposit=D(0),
    )


@st.composite
def _tied_split(draw):
    """Line amounts and an invoice discount that leave two lines the same remainder of a cent:
    ``discount × (a − b)`` a multiple of Σ amounts (all in cents)."""
    amounts = draw(st.lists(st.integers(1, 400).map(lambda k: k * 500_00), min_size=2, max_size=5))
    first, second = draw(
        st.lists(st.sampled_from(range(len(amounts))), min_size=2, max_size=2, unique=True)
    )
    total = sum(amounts)
    step = total // gcd(total, abs(amounts[first] - amounts[second]) or total)
    discount = step * draw(st.integers(1, max(1, total // step - 1)))
    discount += draw(st.sampled_from([0, 0, 1, 7]))  # near a tie, too
    return [D(a) / 100 for a in amounts], D(min(discount, total)) / 100


@given(_tied_split())
@settings(max_examples=300)
def test_discount_shares_match_the_emulator_on_ties_too(split):
    amounts, discount = split
    shares = _share(discount, amounts)
    assert shares == allocate_cents(discount, amounts)
    assert sum(shares) == discount


# invoice shapes like the pipeline's: goods lines with line discounts, taxed or not, a service
# charge line (untaxed or taxed), an invoice discount in rupiah or with cents, shipping; round
# prices make exact ties in the discount shares common
_LINE = st.tuples(
    st.integers(1, 3),
    st.integers(1, 300).map(lambda k: k * 500),
    st.sampled_from([D(0), D(0), D(5), D(10), D("12.5"), D(15)]),
    st.booleans(),
)


@given(
    shape=st.lists(_LINE, min_size=1, max_size=6),
    rate=st.sampled_from([D(10), D(11), D(12)]),
    inclusive=st.booleans(),
    discount_rupiah=st.integers(0, 60_000),
    discount_cents=st.integers(0, 99),
    shipping=st.sampled_from([D(0), D(15_000)]),
)
@example(
    shape=[(1, 120_000, D(10), True), (1, 110_000, D(10), True), (1, 150_000, D(0), True)],
    rate=D(11),
    inclusive=False,
    discount_rupiah=25_000,
    discount_cents=1,
    shipping=D(0),
)
@settings(max_examples=300)
def test_the_model_computes_what_the_emulator_computes(
    shape, rate, inclusive, discount_rupiah, discount_cents, shipping
):
    lines = [InvoiceLine(D(q), D(p), d, rate if taxed else None) for q, p, d, taxed in shape]
    lines_total = sum((invoice_totals([line]).subtotal for line in lines), D(0))  # Σ line amounts
    discount = min(D(discount_rupiah) + D(discount_cents) / 100, lines_total)
    ours = invoice_totals(
        lines, discount_value=discount, tax_inclusive=inclusive, shipping=shipping
    )
    theirs = _emulator(lines, discount, inclusive=inclusive, shipping=shipping)
    assert (ours.tax, ours.total) == (theirs.tax_amount, theirs.original_amount)


@given(
    shape=st.lists(_LINE, min_size=1, max_size=6),
    rate=st.sampled_from([D(10), D(11), D(12)]),
    inclusive=st.booleans(),
    discount=st.integers(0, 60_000),
    drift=st.integers(-3, 3),
    service=st.sampled_from([None, (D(12_500), False), (D(12_500), True)]),
)
@example(
    shape=[(1, 120_000, D(10), True), (1, 110_000, D(10), True), (1, 150_000, D(0), True)],
    rate=D(11),
    inclusive=False,
    discount=25_000,
    drift=0,
    service=None,
)
@settings(max_examples=200)
def test_the_fitted_invoice_comes_to_the_target_in_the_emulator(
    shape, rate, inclusive, discount, drift, service
):
    lines = [InvoiceLine(D(q), D(p), d, rate if taxed else None) for q, p, d, taxed in shape]
    if service is not None:
        charge, taxed = service
        lines.append(InvoiceLine(D(1), charge, tax_rate=rate if taxed else None))
    lines_total = sum((invoice_totals([line]).subtotal for line in lines), D(0))
    value = min(D(discount), lines_total - 100)
    if value < 0:
        return
    base = invoice_totals(lines, discount_value=value, tax_inclusive=inclusive).total
    target = base.to_integral_value() + drift
    if target <= 100:
        return
    fit = fit_total(lines, target, discount_value=value, tax_inclusive=inclusive)
    assert fit is not None
    fitted = [*lines, InvoiceLine(D(1), fit.rounding)] if fit.rounding else lines
    total = _emulator_total(fitted, value + fit.extra_discount, inclusive=inclusive)
    assert total == target
