"""How an order states its service charge: the readings the accounting accepts.

iSeller's document does not say whether a tax-inclusive order's service charge
(``total_additional_subtotal_amount``, with the other two ``total_additional_*`` amounts) is
stated with or without its tax, nor whether ``total_tax_amount`` then holds the tax on it
(docs/assumptions/iseller.md, I-20/I-21). With ``X`` the charge as stated, ``Tt`` the order's
``total_tax_amount``, ``L`` Σ line ``tax_amount`` and ``r`` the outlet's tax rate, a
tax-inclusive order is read in one of three ways:

====================  ======================================  ==============  ===============
reading               the order says                          charge income   its tax T
====================  ======================================  ==============  ===============
net (documented)      X without its tax, T in Tt              X               Tt − L
gross                 X with its tax, T also in Tt            X − T           Tt − L
gross_untaxed_total   X with its tax, Tt the lines' tax only  X − T           round(X·r/(100+r))
====================  ======================================  ==============  ===============

Each reading has its own identity (the parts must add up to ``total_amount``: net
``subtotal + X + T + rounding``, both gross readings ``subtotal + X + rounding``; plus
shipping) and its own tax check, because the identities alone do not tell every reading
apart (data of ``gross_untaxed_total`` also adds up read as net with an untaxed charge):

- net: T must be round(X × r / 100), the tax added on top;
- gross: T must be round(X × r / (100 + r)), the tax contained in X;
- gross_untaxed_total: Tt must equal L (T is not in the data; the rate gives it).

Both checks allow the config's ``rounding_tolerance``. Every reading is tried; among those that
fit, the one with the smallest difference to the total wins, then the one whose tax agrees
best with the rate, then the earlier in the list (the documented reading first). Whichever
reading an order uses, the same sale gives the same charge income and the same tax.

The sign of ``rounding_amount`` is open too (I-31): ``total_amount − amount due`` (``added``,
documented: the parts plus the rounding make the total) or ``amount due − total_amount``
(``subtracted``: the parts less the rounding make it). An order with a rounding is tried under
both signs, each with every reading of its charge; among the fits the one with the smallest
difference wins as above, then the documented sign. Either way the rounding booked is
``total_amount − amount due`` (`ChargeReading.rounding`: a credit when the till rounded up).

An outlet whose service charge is not taxed (``service_charge_taxed: false`` in its config)
expects T = 0 under every reading. Tax-exclusive orders and orders without a service charge
leave nothing to choose: their amounts are read as always (``NOT_APPLICABLE``), charge tax
``Tt − L``, without a rate check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from journal_pipeline.accounting.business_day import sold_on
from journal_pipeline.accounting.object_arrays import distinct_values, objects, truthy
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.money import format_idr, to_rupiah
from journal_pipeline.core.orders import LineRow, OrderRow

NET = "net"
GROSS = "gross"
GROSS_UNTAXED_TOTAL = "gross_untaxed_total"
#: The readings of a tax-inclusive order's service charge, in the order they are tried.
READINGS = (NET, GROSS, GROSS_UNTAXED_TOTAL)
#: A tax-exclusive order, or one without a service charge: every reading gives the same.
NOT_APPLICABLE = "not_applicable"
ADDED = "added"
SUBTRACTED = "subtracted"
#: The readings of the sign of ``rounding_amount`` (I-31), in the order they are tried.
ROUNDING_SIGNS = (ADDED, SUBTRACTED)

_MEANING = {
    NET: "the charge without its {tax}, that {tax} in the total tax",
    GROSS: "the charge with its {tax} included, that {tax} also in the total tax",
    GROSS_UNTAXED_TOTAL: "the charge with its {tax} included, the total tax the lines' only",
}


@dataclass(frozen=True)
class ChargeReading:
    """An order's amounts read one way: what to book, and how well the reading fits."""

    reading: str  # NET, GROSS, GROSS_UNTAXED_TOTAL or NOT_APPLICABLE
    stated_charge: int  # X: the additional charges as the order states them
    charge: int  # service-charge income, without its tax
    charge_tax: int  # T: the tax on the service charge
    line_tax: int  # L: Σ line tax_amount
    parts: int  # what the order's parts add up to under this reading
    total: int  # the order's total_amount
    tax_deviation: int  # how far the data's tax is from what the rate gives (0 = agrees)
    explanation: str  # the arithmetic, for a hold's reason
    rounding: int = 0  # total_amount − amount due: the rounding to book (credit when positive)
    rounding_sign: str = ADDED  # how rounding_amount was read: ADDED or SUBTRACTED

    @property
    def tax(self) -> int:
        """The tax to book: the lines' and the service charge's."""
        return self.line_tax + self.charge_tax

    @property
    def difference(self) -> int:
        """``total_amount`` less the parts: what rounding has to take."""
        return self.total - self.parts

    def fits(self, tolerance: int) -> bool:
        return abs(self.difference) <= tolerance and abs(self.tax_deviation) <= tolerance


@dataclass(frozen=True)
class OrderReading:
    """Which reading an order matched (None: none), and every reading tried."""

    matched: ChargeReading | None
    tried: tuple[ChargeReading, ...]  # with the rounding read as documented (ADDED)
    tolerance: int
    # with the rounding read the other way round (SUBTRACTED); empty when it has no rounding
    tried_subtracted: tuple[ChargeReading, ...] = ()

    @property
    def reading(self) -> str | None:
        return None if self.matched is None else self.matched.reading

    def reason(self) -> str:
        """Why no reading fits, with the arithmetic of each one tried (for a hold)."""
        if len(self.tried) == 1:
            only = self.tried[0]
            text = (
                f"its parts add up to {format_idr(only.parts)} ({only.explanation}) but its total "
                f"is {format_idr(only.total)} (difference {format_idr(only.difference)})."
            )
        else:
            tried = " ".join(f"Read as {c.reading}, {c.explanation}." for c in self.tried)
            text = (
                f"its amounts fit its total of {format_idr(self.tried[0].total)} under no reading "
                f"of its service charge (tolerance {format_idr(self.tolerance)}). {tried}"
            )
        if self.tried_subtracted:
            nearest = min(self.tried_subtracted, key=lambda c: abs(c.difference))
            text += (
                f" With its rounding read as amount due − total (I-31), its parts come to "
                f"{format_idr(nearest.parts)} at the closest (difference "
                f"{format_idr(nearest.difference)})."
            )
        return text + " The order's amounts are inconsistent; check it in iSeller."


def charge_tax_rate(
    config: MerchantConfig, outlet_code: str | None, sale_day: date | None = None
) -> Decimal:
    """The rate of tax on an outlet's service charge, in percent: the outlet's tax rate (of a
    sale of ``sale_day``), or 0 when it has no tax or its config says
    ``service_charge_taxed: false``."""
    outlet = config.outlet(outlet_code)
    tax = config.tax_for(outlet_code, sale_day)
    if outlet is None or tax is None or not outlet.service_charge_taxed:
        return Decimal(0)
    return tax.rate


def read_service_charge(
    order: OrderRow, lines: list[LineRow], config: MerchantConfig
) -> OrderReading:
    """The reading of ``order``'s service charge and rounding sign that its amounts fit
    (module docstring)."""
    tolerance = config.rounding_tolerance
    added = _read_with_rounding(order, lines, config, order.rounding_amount, ADDED)
    subtracted: tuple[ChargeReading, ...] = ()
    if order.rounding_amount:
        subtracted = _read_with_rounding(order, lines, config, -order.rounding_amount, SUBTRACTED)
    candidates = (*added, *subtracted)
    fitting = [
        (abs(c.difference), abs(c.tax_deviation), index, c)
        for index, c in enumerate(candidates)
        if c.fits(tolerance)
    ]
    best = min(fitting, key=lambda f: f[:3])[3] if fitting else None
    return OrderReading(best, added, tolerance, subtracted)


def _read_with_rounding(
    order: OrderRow, lines: list[LineRow], config: MerchantConfig, rounding: int, sign: str
) -> tuple[ChargeReading, ...]:
    """Every reading of ``order``'s service charge, its rounding (``total_amount − amount
    due``) taken as ``rounding``."""
    sale_day = sold_on(order)  # as iSeller taxed the sale; undated: the config's day
    tax = config.tax_for(order.outlet_code, sale_day)
    tax_name = tax.jurnal_name if tax is not None else "tax"
    rate = charge_tax_rate(config, order.outlet_code, sale_day)
    stated = (
        order.total_additional_subtotal_amount
        + order.total_additional_order_amount
        + order.total_additional_final_amount
    )
    line_subtotal = sum(line.subtotal for line in lines)
    line_tax = sum(line.tax_amount for line in lines)
    inclusive = bool(order.tax_inclusive)
    total_tax = order.total_tax_amount
    extras = order.total_shipping_amount + rounding
    extras_text = _extras_text(order, rounding)

    if not inclusive or stated == 0:
        charge_tax = total_tax - line_tax
        goods = line_subtotal + (0 if inclusive else line_tax)
        parts = goods + stated + charge_tax + extras
        if inclusive:
            text = f"lines {format_idr(line_subtotal)} with their {tax_name} inside"
            if charge_tax:
                text += f" + total tax {format_idr(total_tax)} − line tax {format_idr(line_tax)}"
        else:
            text = f"lines {format_idr(line_subtotal)} + tax {format_idr(total_tax)}"
            if stated:
                text += f" + service charge {format_idr(stated)}"
        only = ChargeReading(
            NOT_APPLICABLE,
            stated,
            stated,
            charge_tax,
            line_tax,
            parts,
            order.total_amount,
            0,
            text + extras_text,
            rounding,
            sign,
        )
        return (only,)

    tried = []
    for reading in READINGS:
        if reading == GROSS_UNTAXED_TOTAL:
            charge_tax = _rate_of(stated, rate, contained=True)
            expected = charge_tax
            deviation = total_tax - line_tax
        else:
            charge_tax = total_tax - line_tax
            expected = _rate_of(stated, rate, contained=reading == GROSS)
            deviation = charge_tax - expected
        if reading == NET:
            parts = line_subtotal + stated + charge_tax + extras
            sum_text = (
                f"lines {format_idr(line_subtotal)} + charge {format_idr(stated)} + its "
                f"{tax_name} {format_idr(charge_tax)}"
            )
        else:
            parts = line_subtotal + stated + extras
            sum_text = f"lines {format_idr(line_subtotal)} + charge {format_idr(stated)}"
        sum_text += f"{extras_text} = {format_idr(parts)}"
        if parts != order.total_amount:
            sum_text += f", not {format_idr(order.total_amount)}"
        rule = _rule_text(stated, rate, reading == NET, expected)
        if reading == GROSS_UNTAXED_TOTAL:
            check = (
                f"the total tax {format_idr(total_tax)} should equal the line tax "
                f"{format_idr(line_tax)} (the charge's {tax_name}: {rule})"
            )
        else:
            check = (
                f"its {tax_name} {format_idr(charge_tax)} (total tax {format_idr(total_tax)} − "
                f"line tax {format_idr(line_tax)}) should be {rule}"
            )
        meaning = _MEANING[reading].format(tax=tax_name)
        tried.append(
            ChargeReading(
                reading,
                stated,
                stated if reading == NET else stated - charge_tax,
                charge_tax,
                line_tax,
                parts,
                order.total_amount,
                deviation,
                f"{meaning}: {sum_text}; {check}",
                rounding,
                sign,
            )
        )
    return tuple(tried)


def _rate_of(amount: int, rate: Decimal, *, contained: bool) -> int:
    """Tax at ``rate`` percent on ``amount`` (added on top), or contained in it."""
    if rate == 0:
        return 0
    base = Decimal(100) + rate if contained else Decimal(100)
    return to_rupiah(Decimal(amount) * rate / base)


def _rule_text(stated: int, rate: Decimal, on_top: bool, expected: int) -> str:
    if rate == 0:
        return f"{format_idr(expected)}, the outlet's service charge being untaxed"
    base = 100 if on_top else 100 + rate
    return f"round({format_idr(stated)} × {rate} / {base}) = {format_idr(expected)} at {rate}%"


def _extras_text(order: OrderRow, rounding: int) -> str:
    text = ""
    if order.total_shipping_amount:
        text += f" + shipping {format_idr(order.total_shipping_amount)}"
    if rounding:
        text += f" + rounding {format_idr(rounding)}"
    return text


#: The columns of `charge_readings`: the reading each order matched, as `read_service_charge`
#: gives it (``matched`` False: none fits; its other columns are then meaningless).
CHARGE_COLUMNS = (
    "order_id",
    "matched",
    "reading",
    "rounding_sign",
    "stated_charge",
    "charge",
    "charge_tax",
    "line_tax",
    "rounding",
)


def rates_of(amounts: np.ndarray, rates: np.ndarray, *, contained: bool) -> np.ndarray:
    """`_rate_of` of many amounts at once: ``round(amount × rate / base)`` half away from zero
    in exact integers (``rates``: each amount's rate in percent, a Decimal). The quotient of
    Decimal arithmetic is the same: its 28 digits cannot reach a half of a rupiah this close
    (the exact quotient's fraction is a multiple of 1 / (100·q + p), rate = p/q).
    Raises OverflowError when an amount is too large for int64 arithmetic."""
    codes, found = pd.factorize(rates)  # equal rates have equal ratios
    if (codes < 0).any():  # a missing rate fails as it would alone
        codes, found = np.arange(len(rates)), rates
    return rates_at(amounts, list(found), codes, contained=contained)


def rates_at(
    amounts: np.ndarray, rates: list[Decimal], slots: np.ndarray, *, contained: bool
) -> np.ndarray:
    """`rates_of`, each amount's rate being ``rates[slots[i]]`` (a day's few rates, each
    read once)."""
    used = np.zeros(len(rates), dtype=bool)
    used[slots] = True  # a rate no amount has is not read (as when given per amount)
    ratios = [
        Decimal(r).as_integer_ratio() if u else (0, 1)
        for r, u in zip(rates, used.tolist(), strict=True)
    ]
    numerators = np.array([p for p, _ in ratios], dtype=np.int64)[slots]
    denominators = np.array([q for _, q in ratios], dtype=np.int64)[slots] * 100
    if contained:
        denominators = denominators + numerators
    amounts = np.asarray(amounts, dtype=np.int64)
    if len(amounts) and (
        (denominators <= 0).any()
        or int(np.abs(amounts).max()) * max(1, int(np.abs(numerators).max())) >= 2**62
    ):
        raise OverflowError("amounts too large for the vectorised rate")
    products = amounts * numerators
    magnitude = np.abs(products)
    quotient, remainder = np.divmod(magnitude, denominators)
    quotient += (2 * remainder >= denominators).astype(np.int64)
    signed: np.ndarray = np.where(products < 0, -quotient, quotient)
    return signed


def charge_readings(
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    config: MerchantConfig,
    *,
    line_orders: np.ndarray | None = None,
) -> pd.DataFrame:
    """`read_service_charge` of every order of a frame at once (columns `CHARGE_COLUMNS`, one
    row per order, in its order): the same choice among the same candidates, in integer
    arrays. ``lines``: the orders' lines (a row of `OrderFrames.lines` each);
    ``line_orders``: the row in ``orders`` of each line's order, when known
    (`OrderFrames.line_orders`)."""
    n = len(orders)
    slot, codes = distinct_values(orders["outlet_code"].to_numpy(dtype=object))
    rates = [charge_tax_rate(config, code) for code in codes]  # of each outlet
    line_subtotal, line_tax = _line_sums(orders, lines, line_orders)

    def money(column: str) -> np.ndarray:
        values: np.ndarray = orders[column].to_numpy(dtype=np.int64)
        return values

    stated = (
        money("total_additional_subtotal_amount")
        + money("total_additional_order_amount")
        + money("total_additional_final_amount")
    )
    inclusive = truthy(orders["tax_inclusive"].to_numpy(dtype=object))
    total_tax, total = money("total_tax_amount"), money("total_amount")
    shipping, rounding_amount = money("total_shipping_amount"), money("rounding_amount")
    tolerance = config.rounding_tolerance
    applicable = inclusive & (stated != 0)
    on_top = rates_at(stated, rates, slot, contained=False)
    contained = rates_at(stated, rates, slot, contained=True)
    rest_tax = total_tax - line_tax

    # the readings and signs as numbers (their place in `_NAMES`, -1: none fits yet)
    found = np.zeros(n, dtype=bool)
    best_difference = np.zeros(n, dtype=np.int64)
    best_deviation = np.zeros(n, dtype=np.int64)
    reading = np.full(n, -1, dtype=np.int64)
    sign = np.full(n, -1, dtype=np.int64)
    charge = np.zeros(n, dtype=np.int64)
    charge_tax = np.zeros(n, dtype=np.int64)
    rounding_of = np.zeros(n, dtype=np.int64)
    for sign_name, rounding in ((ADDED, rounding_amount), (SUBTRACTED, -rounding_amount)):
        signed = np.ones(n, dtype=bool) if sign_name == ADDED else rounding_amount != 0
        extras = shipping + rounding
        goods = line_subtotal + np.where(inclusive, 0, line_tax)
        candidates = [
            # (valid, reading per order, charge tax, parts, deviation, charge income)
            (
                signed,
                np.where(applicable, _NAMES.index(NET), _NAMES.index(NOT_APPLICABLE)),
                rest_tax,
                np.where(
                    applicable,
                    line_subtotal + stated + rest_tax + extras,
                    goods + stated + rest_tax + extras,
                ),
                np.where(applicable, rest_tax - on_top, 0),
                stated,
            ),
            (
                signed & applicable,
                np.full(n, _NAMES.index(GROSS)),
                rest_tax,
                line_subtotal + stated + extras,
                rest_tax - contained,
                stated - rest_tax,
            ),
            (
                signed & applicable,
                np.full(n, _NAMES.index(GROSS_UNTAXED_TOTAL)),
                contained,
                line_subtotal + stated + extras,
                rest_tax,
                stated - contained,
            ),
        ]
        for valid, names, tax, parts, deviation, income in candidates:
            difference = np.abs(total - parts)
            deviation = np.abs(deviation)
            fits = valid & (difference <= tolerance) & (deviation <= tolerance)
            better = fits & (
                ~found
                | (difference < best_difference)
                | ((difference == best_difference) & (deviation < best_deviation))
            )
            found |= better
            best_difference = np.where(better, difference, best_difference)
            best_deviation = np.where(better, deviation, best_deviation)
            reading = np.where(better, names, reading)
            sign = np.where(better, _NAMES.index(sign_name), sign)
            charge = np.where(better, income, charge)
            charge_tax = np.where(better, tax, charge_tax)
            rounding_of = np.where(better, rounding, rounding_of)
    names = objects([*_NAMES, None])  # -1: the last, None
    return pd.DataFrame(
        {
            "order_id": orders["order_id"].to_numpy(dtype=object),
            "matched": found,
            "reading": names[reading],
            "rounding_sign": names[sign],
            "stated_charge": stated,
            "charge": charge,
            "charge_tax": charge_tax,
            "line_tax": line_tax,
            "rounding": rounding_of,
        },
        columns=list(CHARGE_COLUMNS),
    )


#: The names `charge_readings` chooses among, by number.
_NAMES = (*READINGS, NOT_APPLICABLE, *ROUNDING_SIGNS)


def _line_sums(
    orders: pd.DataFrame, lines: pd.DataFrame, line_orders: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Each order's Σ line ``subtotal`` and Σ line ``tax_amount`` (0 without lines), as
    grouped by ``order_id``: added up by each line's order's row when the ids allow."""
    n = len(orders)
    if not len(lines):
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    ids = orders["order_id"]
    if line_orders is None and not ids.hasnans:
        index = pd.Index(ids.to_numpy(dtype=object), dtype=object)
        if index.is_unique:
            line_orders = index.get_indexer(lines["order_id"].to_numpy(dtype=object))
    if line_orders is None or ids.hasnans:  # each row of an id gets the id's sums
        sums = lines.groupby("order_id", sort=False)[["subtotal", "tax_amount"]].sum()
        sums = sums.reindex(ids, fill_value=0)
        return (
            sums["subtotal"].to_numpy(dtype=np.int64),
            sums["tax_amount"].to_numpy(dtype=np.int64),
        )
    known = line_orders >= 0
    subtotal, tax = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    np.add.at(subtotal, line_orders[known], lines["subtotal"].to_numpy(dtype=np.int64)[known])
    np.add.at(tax, line_orders[known], lines["tax_amount"].to_numpy(dtype=np.int64)[known])
    return subtotal, tax
