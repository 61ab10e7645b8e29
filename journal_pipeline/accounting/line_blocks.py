"""Journal lines built in blocks, one kind of line for many orders at once, then put in the
order `posting_rules.sale_entry` adds them.

A block's amounts are arrays; its texts may be one text for every line, an array, or a
function of the lines kept (a text is made only for a line that is posted); its roles and
accounts are places among a few distinct values (`Coded`), so their columns are made from
those values. Every column is gathered once, for the lines kept, in their final order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from journal_pipeline.accounting.object_arrays import TEXT, objects

#: One text for every line of a block, a text per line, or the texts of the lines kept
#: (given their places in the block).
Texts = str | np.ndarray | Callable[[np.ndarray], Sequence[object]]


@dataclass(frozen=True)
class Coded:
    """A value per line given as its place among a few distinct values: ``values[codes[i]]``
    (an account per outlet, a role per payment method). The column is made from them."""

    values: Sequence[object]
    codes: np.ndarray

    def take(self, rows: np.ndarray) -> Coded:
        return Coded(self.values, self.codes[rows])


#: How many steps an entry has (a block's ``step``: 0 payments, 1 receivable, 2 lines, ...).
STEPS = 8


@dataclass(frozen=True)
class LineBlock:
    """Lines of one kind, each of an order (``position``: its row in the orders frame)."""

    step: int  # where in its entry the line comes (below `STEPS`)
    position: np.ndarray
    rank: np.ndarray  # its place among its order's lines of the same step (>= 0)
    role: str | Coded
    account: Coded  # the account name, None when the config has none
    unresolved: np.ndarray  # bool: the account is None
    debit: np.ndarray  # int64
    credit: np.ndarray  # int64
    text: Texts
    cogs: bool  # a line of the cost-of-sales estimate entry


class LineBlocks:
    """The blocks of a day's sale lines, in the order they were added."""

    def __init__(self) -> None:
        self.blocks: list[LineBlock] = []

    def add(self, block: LineBlock) -> None:
        if not 0 <= block.step < STEPS:
            raise ValueError(f"step {block.step} is not below {STEPS}")
        self.blocks.append(block)

    def balance(self, orders: int) -> np.ndarray:
        """Each order's debits less its credits, over the blocks so far."""
        difference = np.zeros(orders, dtype=np.int64)
        for b in self.blocks:
            np.add.at(difference, b.position, b.debit - b.credit)
        return difference

    def unresolved_orders(self) -> np.ndarray:
        """The orders with a line that has an amount but no account, over the blocks so far."""
        found = [b.position[((b.debit != 0) | (b.credit != 0)) & b.unresolved] for b in self.blocks]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def ordered(self, eligible: np.ndarray) -> dict[str, Any]:
        """The lines with an amount of the ``eligible`` orders: by order, its sale entry then
        its cost entry, within each by step and rank. Columns ``position``, ``cogs``, ``debit``,
        ``credit``, ``role``, ``account``, ``text``."""
        blocks = self.blocks
        kept = [
            np.flatnonzero(((b.debit != 0) | (b.credit != 0)) & eligible[b.position])
            for b in blocks
        ]
        block_of = np.repeat(np.arange(len(blocks)), [len(k) for k in kept])
        position = np.concatenate([b.position[k] for b, k in zip(blocks, kept, strict=True)])
        cogs = np.array([b.cogs for b in blocks], dtype=bool)[block_of]
        steps = np.array([b.step for b in blocks], dtype=np.int64)[block_of]
        rank = np.concatenate([b.rank[k] for b, k in zip(blocks, kept, strict=True)])
        sequence = _sequence(position, cogs, steps, rank)
        # where each kept line goes: its block's values are put there in one step
        where = np.empty(len(sequence), dtype=np.int64)
        where[sequence] = np.arange(len(sequence))
        text = np.empty(len(sequence), dtype=object)
        placed = []
        start = 0
        for b, k in zip(blocks, kept, strict=True):
            rows = where[start : start + len(k)]
            start += len(k)
            text[rows] = _texts(b.text, k)
            placed.append((rows, k))

        def amounts(name: str) -> np.ndarray:
            values = [getattr(b, name)[k] for b, k in zip(blocks, kept, strict=True)]
            ordered: np.ndarray = np.concatenate(values).astype(np.int64, copy=False)[sequence]
            return ordered

        return {
            "position": position[sequence],
            "cogs": cogs[sequence],
            "debit": amounts("debit"),
            "credit": amounts("credit"),
            "role": _coded_column([b.role for b in blocks], placed, len(sequence)),
            "account": _coded_column([b.account for b in blocks], placed, len(sequence)),
            "text": text,
        }


def _coded_column(
    values: list[str | Coded], placed: list[tuple[np.ndarray, np.ndarray]], count: int
) -> Any:
    """A column of the lines kept (``placed``: per block, the lines' rows in the column and
    their places in the block) from each block's coded values: text made from the distinct
    values when every value taken is text (each checked once, not once per line), objects
    otherwise, as a frame would infer them."""
    table: list[object] = []
    codes = np.zeros(count, dtype=np.int64)
    for value, (rows, places) in zip(values, placed, strict=True):
        if isinstance(value, str):
            codes[rows] = len(table)
            table.append(value)
        else:
            codes[rows] = value.codes[places] + len(table)
            table.extend(value.values)
    used = np.zeros(len(table), dtype=bool)
    used[codes] = True
    distinct = objects(table)
    distinct[~used] = None  # never taken
    if count and all(isinstance(v, str) for v in distinct[used]):
        return pd.array(distinct, dtype=TEXT).take(codes)
    return distinct[codes]


def _texts(texts: Texts, places: np.ndarray) -> object:
    """The texts of a block's lines at ``places`` (a str stays one value, broadcast)."""
    if isinstance(texts, str):
        return texts
    if isinstance(texts, np.ndarray):
        return texts[places]
    return objects(texts(places))


def _sequence(
    position: np.ndarray, cogs: np.ndarray, step: np.ndarray, rank: np.ndarray
) -> np.ndarray:
    """The order sorting lines by position, cogs, step and rank (a lexsort of the four), as
    one integer key when it fits (ten times faster). No two lines share all four (blocks of
    one step and entry differ in rank), so the sort needs no stability."""
    if not len(position):
        return np.zeros(0, dtype=np.int64)
    span = int(rank.max()) + 1
    if (int(position.max()) + 1) * 2 * STEPS * span < 2**62:
        key = ((position * 2 + cogs) * STEPS + step) * span + rank
        order: np.ndarray = np.argsort(key)
        return order
    return np.lexsort((rank, step, cogs, position))
