"""One business day's events from the staged orders: sales, later payments, refunds, voids.

Each order and payment is dated by its business date at its outlet (time zone and cut-off
hour); `sales_of_day` picks what belongs to one day and which reading each sale's amounts
match (`service_charge.py`), for the posting rules (`posting_rules.py`) to book.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from journal_pipeline.accounting.business_day import business_date
from journal_pipeline.accounting.object_arrays import (
    distinct_numbers,
    distinct_values,
    objects,
)
from journal_pipeline.accounting.service_charge import SUBTRACTED, charge_readings
from journal_pipeline.config import MerchantConfig
from journal_pipeline.core.cycle_collection import cycle_collection_paused
from journal_pipeline.core.missing import is_missing, missing_as_none
from journal_pipeline.core.orders import OrderFrames, PaymentRow


class DatedPayment(PaymentRow, Protocol):
    """A payment row of `dated_payments`: with its order's outlet, reference, status and
    sale date, and its own business date."""

    outlet_code: str | None
    order_reference: str | None
    order_status: str | None
    sale_date: date | None
    business_date: date | None


@dataclass
class DaySales:
    """The completed orders of one business day, and what was left out and why."""

    day: date
    frames: OrderFrames  # the day's completed orders; payments carry their business_date
    voided: list[str] = field(default_factory=list)  # order ids voided before posting
    other_status: list[str] = field(default_factory=list)
    # payments made on the day for orders sold on an earlier day (on-account orders)
    later_payments: pd.DataFrame = field(default_factory=pd.DataFrame)
    refunds: pd.DataFrame = field(default_factory=pd.DataFrame)  # refund payments of the day
    voided_later: pd.DataFrame = field(default_factory=pd.DataFrame)  # voided today, sold before
    payments: pd.DataFrame = field(default_factory=pd.DataFrame)  # every staged payment, dated
    # order id → the reading of its service charge its amounts match (`service_charge.py`),
    # then, space-separated, each other reading of its amounts that is not the documented one:
    # "rounding:subtracted" (I-31), "cogs:total" or "cogs:unmatched" (I-19), e.g.
    # "gross rounding:subtracted"; an order that matches no reading is absent (its sale is held)
    readings: dict[str, str] = field(default_factory=dict)
    # the reading of each sale's service charge (`service_charge.charge_readings`, one row per
    # row of ``frames.orders``), for the posting rules and invoices; None: not read yet
    charges: pd.DataFrame | None = None


def with_business_dates(orders: pd.DataFrame, config: MerchantConfig) -> pd.DataFrame:
    """Orders plus a ``business_date`` column from closed date (else order date) per outlet."""
    result = orders.copy(deep=False)  # copy on write: the new column leaves ``orders`` as it is
    closed = result["closed_date"]
    try:
        moments = closed.where(closed.notna(), result["order_date"])
        result["business_date"] = business_dates(moments, result["outlet_code"], config)
    except _NotVectorisable:
        dates = []
        for row in result.itertuples(index=False):
            moment = row.order_date if is_missing(row.closed_date) else row.closed_date
            dates.append(outlet_business_date(moment, row.outlet_code, config))
        result["business_date"] = dates
    return result


class _NotVectorisable(Exception):
    """Values the vectorised business dates do not read (not aware datetimes): the caller
    dates them one by one, as `outlet_business_date` does."""


def business_dates(
    moments: pd.Series, outlet_codes: pd.Series, config: MerchantConfig
) -> np.ndarray:
    """`outlet_business_date` of each moment at the outlet beside it, at once: each outlet's
    moments converted to its time zone together, the cut-off taken off the local wall time
    (as `business_date` does). An object array of dates, None where the moment is missing.
    Raises `_NotVectorisable` for a present value that is not an aware datetime."""
    result = np.empty(len(moments), dtype=object)  # None throughout
    values = moments.to_numpy(dtype=object)
    present = ~pd.isna(values)
    if not present.any():
        return result
    if not _aware_datetimes(values[present]):
        raise _NotVectorisable
    try:
        stamps = pd.DatetimeIndex(pd.to_datetime(values[present], utc=True))
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        raise _NotVectorisable from exc
    slot, codes = distinct_values(outlet_codes.to_numpy(dtype=object)[present])
    # each outlet's (time zone, cut-off), and the rows of each
    zones: dict[tuple[str, int], int] = {}
    zone_of_outlet = [
        zones.setdefault(config.outlet_zone(None if pd.isna(c) else c), len(zones)) for c in codes
    ]
    zone_of_row = np.array(zone_of_outlet, dtype=np.int64)[slot]
    dated = np.empty(len(slot), dtype=object)
    for (zone, cutoff), number in zones.items():
        mask = zone_of_row == number
        local = stamps[mask].tz_convert(ZoneInfo(zone)).tz_localize(None)
        dated[mask] = _dates(local - pd.Timedelta(hours=cutoff))
    result[present] = dated
    return result


def _aware_datetimes(values: np.ndarray) -> bool:
    """Whether every value is an aware datetime (the types, then the zones, read in C)."""
    if pd.api.types.infer_dtype(values, skipna=False) != "datetime":
        return False
    return None not in map(attrgetter("tzinfo"), values)


def _dates(moments: pd.DatetimeIndex) -> np.ndarray:
    """The date of each (naive) moment, a `datetime.date` made once per distinct day."""
    days = moments.to_numpy().astype("datetime64[D]").view(np.int64)
    which, distinct = pd.factorize(days)
    dates: np.ndarray = distinct.astype("datetime64[D]").astype(object)[which]
    return dates


def outlet_business_date(
    moment: datetime | None, outlet_code: str | None, config: MerchantConfig
) -> date | None:
    """Business date of a UTC moment at an outlet (its time zone and cut-off hour)."""
    if moment is None or is_missing(moment):
        return None
    zone, cutoff = config.outlet_zone(outlet_code)
    return business_date(moment, zone, cutoff)


def dated_payments(
    frames: OrderFrames, dated_orders: pd.DataFrame, config: MerchantConfig
) -> pd.DataFrame:
    """Payments with their order's outlet, reference, sale date and their own business date
    (rows: `DatedPayment`). A payment whose order is not among ``dated_orders`` has None
    there (the merge would say NaN)."""
    return _dated_payments(frames, dated_orders, config)[0]


def _dated_payments(
    frames: OrderFrames, dated_orders: pd.DataFrame, config: MerchantConfig
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """`dated_payments`, and the row in ``dated_orders`` of each payment's order (-1: not
    there; None: not found by place, an order id being there twice)."""
    info = dated_orders[["order_id", "outlet_code", "order_reference", "business_date", "status"]]
    info = info.rename(columns={"business_date": "sale_date", "status": "order_status"})
    found = _with_order_info(frames.payments, info)
    if found is None:
        payments = missing_as_none(frames.payments.merge(info, on="order_id", how="left"))
        order_rows = None
    else:
        payments, order_rows = found
    try:
        dates = business_dates(payments["transaction_date"], payments["outlet_code"], config)
        payments["business_date"] = list(dates)
    except _NotVectorisable:
        payments["business_date"] = [
            outlet_business_date(p.transaction_date, p.outlet_code, config)
            for p in payments.itertuples(index=False)
        ]
    _not_before_the_sale(payments)
    return payments, order_rows


def _not_before_the_sale(payments: pd.DataFrame) -> None:
    """Date a sale payment made before its order's business day on that day, in place.

    A down payment, or one taken seconds before the day's cut-off for an order closed after
    it, is paid at the sale: the sale's day books it (the deposit of its invoice), where no
    day would (the day it was made has no sale to book it with, and it is not a later payment
    of an earlier sale)."""
    if not len(payments):
        return
    own = payments["business_date"].to_numpy(dtype=object)
    sold = payments["sale_date"].to_numpy(dtype=object)
    dated = (payments["type"].to_numpy(dtype=object) == "sale") & pd.notna(own) & pd.notna(sold)
    early = np.zeros(len(own), dtype=bool)
    early[dated] = own[dated] < sold[dated]
    if early.any():
        own = own.copy()
        own[early] = sold[early]
        payments["business_date"] = own


def _with_order_info(
    payments: pd.DataFrame, info: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """What ``missing_as_none`` of the left merge of ``payments`` with ``info`` on
    ``order_id`` gives, each payment's order found by its id (no join of every column), and
    the row in ``info`` of each payment's order (-1: none); None when the merge would do more
    than that (an order id twice, a missing id, a column that is not of objects). The
    payments' own columns are clean already (`OrderFrames`)."""
    index = pd.Index(info["order_id"].to_numpy(dtype=object), dtype=object)
    paid_for = payments["order_id"].to_numpy(dtype=object)
    columns = [c for c in info.columns if c != "order_id"]
    if (
        not index.is_unique
        or pd.isna(paid_for).any()
        or not all(pd.api.types.is_object_dtype(info[c].dtype) for c in columns)
        or any(c in payments.columns for c in columns)
        or not all(_clean_kind(dtype) for dtype in payments.dtypes)
    ):
        return None
    position = index.get_indexer(paid_for)
    unknown = position < 0
    result = payments.reset_index(drop=True)
    for column in columns:
        values = info[column].to_numpy(dtype=object)[position]
        values[unknown | pd.isna(values)] = None
        result[column] = pd.Series(values, dtype=object)  # as merged: objects, not inferred text
    return result, position


def _clean_kind(dtype: Any) -> bool:
    """A column type `missing_as_none` leaves as it is."""
    is_type = pd.api.types
    return bool(
        is_type.is_object_dtype(dtype)
        or is_type.is_integer_dtype(dtype)
        or is_type.is_bool_dtype(dtype)
    )


@cycle_collection_paused()
def sales_of_day(frames: OrderFrames, config: MerchantConfig, day: date) -> DaySales:
    """The day's events: completed orders sold on ``day``, later payments, refunds, voids."""
    dated = with_business_dates(frames.orders, config)
    payments, payment_rows = _dated_payments(frames, dated, config)
    order_ids = dated["order_id"].to_numpy(dtype=object)
    status = dated["status"].to_numpy(dtype=object)
    of_day = dated["business_date"].to_numpy(dtype=object) == day
    completed = of_day & (status == "completed")
    index = pd.Index(order_ids, dtype=object)
    if payment_rows is not None and index.is_unique and not index.hasnans:
        line_rows = index.get_indexer(frames.lines["order_id"].to_numpy(dtype=object))
        sales = _sales_frames(frames, payments, completed, line_rows, payment_rows)
    else:
        keep = set(order_ids[completed])
        sales = OrderFrames.of_clean(  # rows of clean frames: dated payments come clean too
            frames.orders[frames.orders["order_id"].isin(keep)].reset_index(drop=True),
            frames.lines[frames.lines["order_id"].isin(keep)].reset_index(drop=True),
            payments[payments["order_id"].isin(keep)].reset_index(drop=True),
        )
    kind = payments["type"].to_numpy(dtype=object)
    succeeded = (payments["status"].to_numpy(dtype=object) == "success") & (
        payments["business_date"].to_numpy(dtype=object) == day
    )
    earlier = np.zeros(len(payments), dtype=bool)
    earlier[succeeded] = _before(payments["sale_date"].to_numpy(dtype=object)[succeeded], day)
    later = (
        earlier
        & (kind == "sale")
        & (payments["order_status"].to_numpy(dtype=object) == "completed")
    )
    # A void is read from the order's status and cancel date (else its last change), not from
    # a void transaction, which iSeller may not list (I-23).
    voided = dated[status == "void"].copy()
    cancelled = voided["cancel_date"]
    try:
        voided["cancel_business_date"] = list(
            business_dates(
                cancelled.where(cancelled.notna(), voided["modified_date"]),
                voided["outlet_code"],
                config,
            )
        )
    except _NotVectorisable:
        voided["cancel_business_date"] = [
            outlet_business_date(
                o.modified_date if is_missing(o.cancel_date) else o.cancel_date,
                o.outlet_code,
                config,
            )
            for o in voided.itertuples(index=False)
        ]
    voided_later = voided[(voided["cancel_business_date"] == day) & (voided["business_date"] < day)]
    charges = charge_readings(  # the day's sales, taxed as on the day
        sales.orders, sales.lines, config.on(day), line_orders=sales.line_orders
    )
    other = of_day & ~dated["status"].isin(["completed", "void"]).to_numpy()
    return DaySales(
        day=day,
        frames=sales,
        voided=sorted(order_ids[of_day & (status == "void")].tolist()),
        other_status=sorted(order_ids[other].tolist()),
        later_payments=payments[later].reset_index(drop=True),
        refunds=payments[succeeded & (kind == "refund")].reset_index(drop=True),
        voided_later=voided_later.reset_index(drop=True),
        payments=payments,
        readings=_readings(charges, sales.orders["cost_reading"].to_numpy(dtype=object)),
        charges=charges,
    )


def _sales_frames(
    frames: OrderFrames,
    payments: pd.DataFrame,
    sold: np.ndarray,
    line_rows: np.ndarray,
    payment_rows: np.ndarray,
) -> OrderFrames:
    """The ``sold`` orders with their lines and (dated) payments, picked by their orders' rows
    (``line_rows``, ``payment_rows``; each order id once): the rows `OrderFrames.only` picks
    by id, and each line's and payment's order among them, found on the way."""
    row = np.cumsum(sold) - 1  # a sold order's row among the sold
    lines = _of_orders(line_rows, sold)
    paid = _of_orders(payment_rows, sold)
    return OrderFrames.of_clean(  # rows of clean frames: dated payments come clean too
        frames.orders[sold].reset_index(drop=True),
        frames.lines[lines].reset_index(drop=True),
        payments[paid].reset_index(drop=True),
        line_orders=row[line_rows[lines]],
        payment_orders=row[payment_rows[paid]],
    )


def _of_orders(rows: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """Which rows belong to one of ``orders`` (a mask of the orders' rows; -1: no order)."""
    found = rows >= 0
    found[found] = orders[rows[found]]
    return found


def _before(dates: np.ndarray, day: date) -> np.ndarray:
    """Whether each date (None: not known) is before ``day``, compared once per distinct
    date."""
    codes, found = pd.factorize(dates)
    before = np.zeros(len(dates), dtype=bool)
    known = codes >= 0
    before[known] = np.array([d < day for d in found], dtype=bool)[codes[known]]
    missing = np.flatnonzero(~known)  # None is not before; any other missing value as it compares
    before[missing] = [d is not None and d < day for d in dates[missing]]
    return before


def _readings(charges: pd.DataFrame, cost_readings: np.ndarray) -> dict[str, str]:
    """`DaySales.readings` of the orders whose amounts matched a reading, the words made once
    per distinct (reading, rounding sign, cost reading)."""
    matched = charges["matched"].to_numpy(dtype=bool)
    order_ids = charges["order_id"].to_numpy(dtype=object)[matched]
    reading_codes, readings = distinct_values(charges["reading"].to_numpy(dtype=object)[matched])
    sign_codes, signs = distinct_values(charges["rounding_sign"].to_numpy(dtype=object)[matched])
    cost_codes, costs = distinct_values(cost_readings[matched])
    key = (reading_codes * len(signs) + sign_codes) * len(costs) + cost_codes
    which, keys = distinct_numbers(key)
    texts = []
    for k in keys:
        rest, cost = divmod(k, len(costs))
        reading, sign = divmod(rest, len(signs))
        words = [readings[reading]]
        if signs[sign] == SUBTRACTED:
            words.append(f"rounding:{SUBTRACTED}")
        if costs[cost] in ("total", "unmatched"):
            words.append(f"cogs:{costs[cost]}")
        texts.append(" ".join(words))
    return dict(zip(order_ids.tolist(), objects(texts)[which].tolist(), strict=True))


def records_by_order(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """The rows of a frame as named tuples, grouped by ``order_id``: per-order rules work on
    a handful of rows, where plain tuples are a hundred times faster than frame slices.
    (The rows' type is the frame's row protocol: `LineRow`, `DatedPayment`, ...)"""
    grouped: dict[str, list[Any]] = {}
    for row in frame.itertuples(index=False):
        grouped.setdefault(row.order_id, []).append(row)
    return grouped
