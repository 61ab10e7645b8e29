"""`jurnal_arithmetic.fit_total` of many invoices at once, in whole-cent int64 arrays.

The same arithmetic as `jurnal_arithmetic._CentTotals` (line amounts in cents, the invoice
discount shared pro rata by the largest remainder, ties to the earlier line, each line's tax
rounded half-up to the cent) and the same search as `fit_total`: the total with no
adjustment; for an invoice above its target, the binary search for the smallest extra
discount; then a rounding line converged on the shortfall, in at most five steps. Each
invoice takes the steps `fit_total` takes, in the same order, so its fit is the same. An
invoice the search leaves here without a fit (its total stepped over the target, or the
rounding line did not converge in five steps) is not fitted here: `fit_total` carries on with
it, one invoice at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: `fit_total`'s ``max_gap`` (100 rupiah), in cents.
MAX_GAP = 10_000
#: Largest magnitude an int64 product below may take.
_LIMIT = float(2**62)
#: How far a rounding line may move while it converges, in cents (a generous bound).
_ROUNDING_ROOM = 1_000_000


@dataclass(frozen=True)
class CentLines:
    """The lines of many invoices: each line's invoice (a row of the orders), its place among
    that invoice's lines (``sequence``, increasing), its amount in cents, whether it is taxed,
    and each invoice's tax rate as a fraction p/q percent."""

    order: np.ndarray
    sequence: np.ndarray
    amount: np.ndarray
    taxed: np.ndarray
    p: np.ndarray  # per order
    q: np.ndarray  # per order

    @classmethod
    def of(
        cls,
        *,
        order: np.ndarray,
        sequence: np.ndarray,
        amount: np.ndarray,
        taxed: np.ndarray,
        p: np.ndarray,
        q: np.ndarray,
    ) -> CentLines:
        arranged = np.lexsort((sequence, order))
        return cls(
            order[arranged].astype(np.int64),
            sequence[arranged].astype(np.int64),
            amount[arranged].astype(np.int64),
            taxed[arranged].astype(bool),
            p.astype(np.int64),
            q.astype(np.int64),
        )


class _Batch:
    """The invoices of ``orders`` (rows of the orders frame), each a slot 0..k-1."""

    def __init__(
        self,
        lines: CentLines,
        orders: np.ndarray,
        discount: np.ndarray,
        shipping: np.ndarray,
        inclusive: np.ndarray,
    ):
        slot_of = np.full(len(lines.p), -1, dtype=np.int64)
        slot_of[orders] = np.arange(len(orders))
        chosen = slot_of[lines.order] >= 0
        self.size = len(orders)
        self.slot = slot_of[lines.order[chosen]]
        self.amount = lines.amount[chosen]
        self.taxed = lines.taxed[chosen]
        # each line's place within its invoice: lines are arranged by invoice, then sequence
        self.count = np.bincount(self.slot, minlength=self.size).astype(np.int64)
        self.within = np.arange(len(self.slot)) - (np.cumsum(self.count) - self.count)[self.slot]
        p, q = lines.p[orders], lines.q[orders]
        self.p = p
        self.denominator = np.where(inclusive[orders], 100 * q + p, 100 * q)
        self.discount = discount[orders]
        self.shipping = shipping[orders]
        self.inclusive = inclusive[orders]

    def total(self, extra: np.ndarray, rounding: np.ndarray) -> np.ndarray:
        """Each invoice's total in cents with ``extra`` more discount and a rounding line of
        ``rounding`` (none when 0): `_CentTotals.total`."""
        with_line = np.flatnonzero(rounding != 0)
        slot = np.concatenate([self.slot, with_line])
        amount = np.concatenate([self.amount, rounding[with_line]])
        taxed = np.concatenate([self.taxed, np.zeros(len(with_line), dtype=bool)])
        within = np.concatenate([self.within, self.count[with_line]])
        discount = self.discount + extra
        weight = np.zeros(self.size, dtype=np.int64)
        np.add.at(weight, slot, amount)
        share = np.zeros(len(slot), dtype=np.int64)
        shared = discount[slot] != 0
        # nothing to share over: the first line takes it all
        to_first = shared & (weight[slot] <= 0)
        share[to_first & (within == 0)] = discount[slot][to_first & (within == 0)]
        pro_rata = shared & (weight[slot] > 0)
        if pro_rata.any():
            rows = np.flatnonzero(pro_rata)
            owner = slot[rows]
            magnitude = discount[owner] * amount[rows]
            floors, remainders = np.divmod(magnitude, weight[owner])
            handed = np.zeros(self.size, dtype=np.int64)
            np.add.at(handed, owner, floors)
            left = discount - handed
            ranked = _largest_first(owner, remainders, within[rows], weight.max())
            counts = np.bincount(owner, minlength=self.size)
            rank = np.empty(len(rows), dtype=np.int64)
            rank[ranked] = np.arange(len(rows)) - (np.cumsum(counts) - counts)[owner[ranked]]
            share[rows] = floors + (rank < left[owner])
        tax = np.zeros(self.size, dtype=np.int64)
        taxed_rows = np.flatnonzero(taxed)
        if len(taxed_rows):
            owner = slot[taxed_rows]
            base = amount[taxed_rows] - share[taxed_rows]
            products = base * self.p[owner]
            denominator = self.denominator[owner]
            quotient, remainder = np.divmod(np.abs(products), denominator)
            quotient += (2 * remainder >= denominator).astype(np.int64)
            np.add.at(tax, owner, np.where(products < 0, -quotient, quotient))
        result: np.ndarray = weight - discount + self.shipping + np.where(self.inclusive, 0, tax)
        return result


def _largest_first(
    owner: np.ndarray, remainders: np.ndarray, within: np.ndarray, bound: int
) -> np.ndarray:
    """The rows arranged by invoice, then by remainder, largest first, then by place: what
    ``np.lexsort((within, -remainders, owner))`` gives. The rows of an invoice come in the
    order of their place (lines, then a rounding line), so a stable sort by one key of the
    invoice and the remainder (each below ``bound``) gives it too, faster, when it fits int64."""
    if (float(owner.max()) + 1) * (float(bound) + 1) >= _LIMIT:
        ranked: np.ndarray = np.lexsort((within, -remainders, owner))
        return ranked
    return np.argsort(owner * (bound + 1) + (bound - remainders), kind="stable")


def fit_orders(
    lines: CentLines,
    candidates: np.ndarray,
    discount: np.ndarray,
    shipping: np.ndarray,
    target: np.ndarray,
    inclusive: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`fit_total` of the invoices of the ``candidates`` (a bool per order; every amount in
    cents, per order): whether each is fitted here, its extra discount and its rounding line
    (module docstring). Invoices whose amounts could leave int64 are not fitted here."""
    n = len(candidates)
    fitted = np.zeros(n, dtype=bool)
    extra = np.zeros(n, dtype=np.int64)
    rounding = np.zeros(n, dtype=np.int64)
    largest = np.zeros(n, dtype=np.float64)
    np.maximum.at(largest, lines.order, np.abs(lines.amount).astype(np.float64))
    largest += _ROUNDING_ROOM
    safe = (
        (discount >= 0)
        & ((discount.astype(np.float64) + 2 * MAX_GAP) * largest < _LIMIT)
        & (largest * np.maximum(lines.p, 1).astype(np.float64) < _LIMIT)
        & (np.abs(target).astype(np.float64) < _LIMIT / 4)
    )
    orders = np.flatnonzero(candidates & safe)
    if not len(orders):
        return fitted, extra, rounding
    batch = _Batch(lines, orders, discount, shipping, inclusive)
    none = np.zeros(len(orders), dtype=np.int64)
    aim = target[orders]
    totals = batch.total(none, none)
    gap = aim - totals
    searched = np.abs(gap) <= MAX_GAP
    found = none.copy()
    above = np.flatnonzero(searched & (gap < 0))
    if len(above):  # the smallest extra discount that brings the invoice down to its target
        part = _Batch(lines, orders[above], discount, shipping, inclusive)
        low = np.zeros(len(above), dtype=np.int64)
        high = np.full(len(above), 2 * MAX_GAP, dtype=np.int64)
        zero = np.zeros(len(above), dtype=np.int64)
        while (low < high).any():
            open_ = low < high
            middle = (low + high) // 2
            below = part.total(np.where(open_, middle, 0), zero) <= aim[above]
            high = np.where(open_ & below, middle, high)
            low = np.where(open_ & ~below, middle + 1, low)
        found[above] = low
        totals[above] = part.total(low, zero)  # the others' totals stand as they were
    gap = np.where(searched, aim - totals, 0)
    done = searched & (gap == 0)
    short = np.flatnonzero(searched & (gap > 0))
    line = none.copy()
    if len(short):  # a rounding line for the shortfall, converged on as `_fit_rounding` does
        trying = gap[short].copy()
        open_ = np.ones(len(short), dtype=bool)
        for _ in range(5):  # each step totals only the invoices still open
            still = short[open_]
            part = _Batch(lines, orders[still], discount, shipping, inclusive)
            residual = np.zeros(len(short), dtype=np.int64)
            residual[open_] = aim[still] - part.total(found[still], trying[open_])
            converged = open_ & (residual == 0)
            done[short[converged]] = True
            line[short[converged]] = trying[converged]
            open_ &= ~converged
            trying = np.where(open_, trying + residual, trying)
            open_ &= np.abs(trying) <= _ROUNDING_ROOM  # far off: left to `fit_total`
            if not open_.any():
                break
    fitted[orders] = done
    extra[orders] = np.where(done, found, 0)
    rounding[orders] = np.where(done, line, 0)
    return fitted, extra, rounding
