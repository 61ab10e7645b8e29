"""Missing values: one meaning for None, NaN, ``pd.NA``, ``NaT`` and blank text.

pandas stores a missing value of a text column as NaN (the ``str`` dtype of pandas 3, a
left merge, a concat, an all-None column), and NaN is truthy: ``f"customer {name}"`` prints
``customer nan`` and ``json.dumps`` writes the bare token ``NaN``, which is not JSON.
So the order frames keep missing values as ``None`` (`missing_as_none`), and whatever builds
a document for Jurnal reads each optional text through `text_or_none` and leaves out what is
missing; `non_json_values` is the last check before a document is kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal

import pandas as pd


def is_missing(value: object) -> bool:
    """True for None, NaN (any float kind), ``pd.NA``, ``NaT`` and blank or empty text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Decimal):
        return value.is_nan()
    if isinstance(value, list | tuple | dict | set | frozenset):
        return False
    try:
        missing = pd.isna(value)  # a scalar gives a bool; anything else is not missing
    except (TypeError, ValueError):
        return False
    return missing is True


def text_or_none(value: object) -> str | None:
    """The text of a value with surrounding blanks removed, or None when it is missing.

    ``None``, NaN, ``pd.NA``, ``NaT``, ``""`` and whitespace all give None, so a caller writes
    ``name = text_or_none(line.variant_name)`` and then ``if name:`` means what it says.
    """
    if is_missing(value):
        return None
    return str(value).strip()


def missing_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` in which every column but the integer and boolean ones is of
    object dtype and holds ``None`` wherever a value is missing (NaN, ``pd.NA``, ``NaT``).
    Blank text stays as it is: the frames keep what the source sent."""
    result = frame.copy()
    for column in result.columns:
        series = result[column]
        if pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            continue
        result[column] = series.astype(object).where(series.notna(), None)
    return result


def non_json_values(value: object, path: str = "$") -> Iterator[str]:
    """Where a document body holds something JSON cannot carry exactly: NaN or an infinite
    number, or a value of a type that is not JSON (Decimals, dates and datetimes are
    written as text by the store and are fine). Yields ``"<path>: <value>"``."""
    if _plain_json(value):  # the usual document: nothing to report, found without paths
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from non_json_values(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from non_json_values(item, f"{path}[{index}]")
    elif value is None or isinstance(value, str | bool | int):
        return
    elif isinstance(value, date):  # datetimes too; NaT is a datetime that is not one
        if is_missing(value):
            yield f"{path}: {value!r}"
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield f"{path}: {value!r}"
    elif isinstance(value, Decimal):
        if not value.is_finite():
            yield f"{path}: {value!r}"
    else:
        yield f"{path}: {type(value).__name__} {value!r}"


_PLAIN = frozenset({str, int, bool, type(None)})


def _plain_json(value: object) -> bool:
    """True when ``value`` is dicts and lists of text, integers, booleans and None only (their
    exact types: anything else is left to `non_json_values` to judge). A loop over a stack,
    not recursion: every document is checked when it is made, so this runs on every line."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind in _PLAIN:
            continue
        if kind is dict:
            pending.extend(item.values())  # type: ignore[attr-defined]
        elif kind is list or kind is tuple:
            pending.extend(item)  # type: ignore[arg-type]
        else:
            return False
    return True
