"""Object arrays (text, accounts, dates) built for a whole day at once, without a Python step
per row where a step per distinct value does.

A day's columns hold few distinct values (a handful of outlets, payment methods, products),
so what is read from a value (its stripped text, its account) is computed once per distinct
value and spread to the rows by their codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from journal_pipeline.core.missing import text_or_none


def objects(values: Sequence[Any]) -> np.ndarray:
    """A one-dimensional object array of ``values``."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def repeated(value: object, count: int) -> np.ndarray:
    """An object array of ``count`` times ``value`` (``np.full`` takes a hundred times longer
    for an object array)."""
    array = np.empty(count, dtype=object)
    array.fill(value)
    return array


def truthy(values: np.ndarray) -> np.ndarray:
    """``bool`` of each value (an object column of flags, None being False)."""
    if values.dtype == bool:
        return values
    return np.fromiter(map(bool, values), dtype=bool, count=len(values))


def distinct_values(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """``(codes, uniques)``: ``uniques[codes[i]]`` is ``values[i]``, or a value equal to it as
    a dict key (``1`` and ``1.0`` are one key). Text and None are factorized in C; other
    values are looked up one by one."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        codes, found = pd.factorize(values)
        uniques = list(found)
        missing = codes < 0
        if not missing.any():
            return codes, uniques
        if all(v is None for v in values[missing]):  # NaN would be a key of its own
            return np.where(missing, len(uniques), codes), [*uniques, None]
    index: dict[Any, int] = {}
    found_codes = np.fromiter(
        (index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values)
    )
    return found_codes, list(index)


def distinct_numbers(numbers: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """``(codes, distinct)``: ``distinct[codes[i]]`` is ``numbers[i]`` (integer keys of a few
    values combined, hashed rather than sorted)."""
    codes, found = pd.factorize(numbers)
    distinct: list[int] = found.tolist()
    return codes, distinct


def stripped_texts(values: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
    """``(codes, texts)``: ``texts[codes[i]]`` is `text_or_none` of ``values[i]``, stripped
    once per distinct text."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        # 1 and 1.0 are one key but two texts: each value read on its own
        return distinct_values(objects([text_or_none(v) for v in values]))
    codes, uniques = distinct_values(values)
    return codes, [text_or_none(v) for v in uniques]


#: The type pandas gives a column of text (``str``: missing values NaN).
TEXT = pd.StringDtype(na_value=np.nan)


def spread_column(values: np.ndarray, rows: np.ndarray) -> Any:
    """``values[rows]`` (every value taken at least once) as a frame would hold it: text when
    every value is text, checked and converted once per value rather than once per row;
    objects otherwise (missing values too, as the frame infers them)."""
    if len(rows) and pd.api.types.infer_dtype(values, skipna=False) == "string":
        return pd.array(values, dtype=TEXT).take(rows)
    spread: np.ndarray = values[rows]
    return spread


def text_or_none_all(values: Sequence[object]) -> list[str | None]:
    """`text_or_none` of each value."""
    codes, texts = stripped_texts(objects(values))
    spread: list[str | None] = objects(texts)[codes].tolist() if len(codes) else []
    return spread
