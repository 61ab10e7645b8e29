"""The iSeller emulator's dialects for the forms the document leaves open, over HTTP: whether a
``*_before`` date bound is inclusive (I-10), money as JSON numbers or decimal strings (I-16),
dates with a space or as .NET ISO 8601 with seven fractional digits (I-14). The pipeline's
parsing reads every form to the same frames."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.parse import (
    order_summary_frame,
    transaction_summary_frame,
    transactions_frame,
)
from journal_pipeline_tests.sandbox.dialect_api import WINDOW, Api, dialect_sandbox
from journal_sandbox.dialect import Dialect
from journal_sandbox.dialect_text import money_text, state_text

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}$")
SPACE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MONEY = re.compile(r"^-?\d+\.\d{4,}$")
SUMMARY = {"time_zone": "7", "includes": "TrackInventory"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    with dialect_sandbox(tmp_path_factory.mktemp("iseller-formats")) as api:
        yield SimpleNamespace(sandbox=api.sandbox, api=api)


@pytest.fixture
def api(served: SimpleNamespace) -> Iterator[Api]:
    served.api.speak("documented")
    yield served.api
    served.api.speak("documented")


def _leaves(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """(key, value) of every scalar in a JSON value."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _leaves(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, key)
    else:
        yield key, value


def _same_numbers(plain: Any, text: Any) -> None:
    """`text` is `plain` with every number a decimal string of the same value."""
    if isinstance(plain, dict):
        assert list(plain) == list(text)
        for name in plain:
            _same_numbers(plain[name], text[name])
    elif isinstance(plain, list):
        assert len(plain) == len(text)
        for a, b in zip(plain, text, strict=True):
            _same_numbers(a, b)
    elif isinstance(plain, int | float) and not isinstance(plain, bool):
        assert isinstance(text, str) and MONEY.match(text), text
        assert Decimal(text) == Decimal(repr(plain)), (plain, text)
    else:
        assert text == plain


def _everything(api: Api) -> dict[str, Any]:
    """Every read whose forms a dialect changes, as served."""
    return {
        "orders": api.ok(
            "/api/v2/GetOrders",
            **WINDOW,
            includes="OrderDetails,Transactions,DiscountDetails,PromotionDetails,TrackInventory,MDR",
            page_size=1000,
        ),
        "transactions": api.ok("/api/v2/GetTransactions", time_zone="0", includes="MDR"),
        "order_summaries": api.ok("/api/v2/GetOrderSummary", **SUMMARY),
        "transaction_summaries": api.ok("/api/v2/GetTransactionSummary", time_zone="7"),
    }


def _frames(answers: dict[str, Any]) -> list[pd.DataFrame]:
    """What the pipeline reads out of the answers."""
    orders = order_frames(answers["orders"]["orders"])
    return [
        orders.orders,
        orders.lines,
        orders.payments,
        transactions_frame(answers["transactions"]["transactions"]),
        order_summary_frame(answers["order_summaries"]["order_summaries"], 7),
        transaction_summary_frame(answers["transaction_summaries"]["transaction_summaries"], 7),
    ]


def _assert_same_frames(first: list[pd.DataFrame], second: list[pd.DataFrame]) -> None:
    for a, b in zip(first, second, strict=True):
        assert not a.empty
        pd.testing.assert_frame_equal(a, b)


# -- the dialect's keys -------------------------------------------------------------------------


def test_the_new_keys_parse_validate_and_round_trip() -> None:
    dialect = Dialect.from_spec("bounds=exclusive_end,money_format=string,date_format=iso")
    assert (dialect.bounds, dialect.money_format, dialect.date_format) == (
        "exclusive_end",
        "string",
        "iso",
    )
    assert Dialect.from_spec(dialect.spec) == dialect
    assert Dialect().spec == ""  # the documented defaults: inclusive, number, space
    assert Dialect.from_spec("loose") == Dialect.from_spec(
        "fulfilment=both,order_ids=1,timezone_param=both"
    )  # loose is what production scripts read: none of these
    for bad in ("bounds=exclusive", "money_format=text", "date_format=T"):
        with pytest.raises(ValueError, match=bad.split("=")[0]):
            Dialect.from_spec(bad)


def test_money_text_keeps_the_exact_number() -> None:
    assert money_text(55000.0) == "55000.0000"
    assert money_text(11) == "11.0000"
    assert money_text(Decimal("-1250.5")) == "-1250.5000"
    assert money_text(Decimal("9.090909")) == "9.090909"  # more places kept


def test_the_documented_reading_is_served_as_is() -> None:
    order = {"total_amount": 1.0, "order_date": "2026-11-20 08:15:00", "taxable": True}
    assert state_text(order, Dialect()) is order


# -- bounds ------------------------------------------------------------------------------------


def _bound_of_an_order(api: Api) -> tuple[dict[str, Any], str, str]:
    """A completed order, its order date as a filter bound (time_zone 0) and a bound an hour
    earlier."""
    order = next(o for o in api.orders() if o["status"] == "completed")
    at = datetime.fromisoformat(order["order_date"])
    return order, at.isoformat(), (at - timedelta(hours=1)).isoformat()


@pytest.mark.parametrize(("bounds", "returned"), [("inclusive", True), ("exclusive_end", False)])
def test_an_order_at_exactly_the_before_bound(api: Api, bounds: str, returned: bool) -> None:
    order, at, earlier = _bound_of_an_order(api)
    api.speak(f"bounds={bounds}")
    created = api.orders(created_after=earlier, created_before=at)
    assert (order["order_id"] in {o["order_id"] for o in created}) is returned
    modified = api.orders(
        created_after="2026-01-01T00:00:00",
        modified_after=earlier,
        modified_before=order["modified_date"].replace(" ", "T"),
    )
    assert (order["order_id"] in {o["order_id"] for o in modified}) is returned
    paid_at = order["transactions"][0]["transaction_date"].replace(" ", "T")
    payments = api.ok(
        "/api/v2/GetTransactions", time_zone="0", created_after=earlier, created_before=paid_at
    )["transactions"]
    assert (order["order_id"] in {t["order_id"] for t in payments}) is returned


@pytest.mark.parametrize("path", ["/api/v2/GetOrderSummary", "/api/v2/GetTransactionSummary"])
def test_the_summaries_read_the_before_bound_as_the_dialect_does(api: Api, path: str) -> None:
    """Under ``exclusive_end`` a summary up to an order's date is the inclusive summary up to
    the second before it; the order itself makes a difference."""
    order, at, earlier = _bound_of_an_order(api)
    if path.endswith("TransactionSummary"):
        at = order["transactions"][0]["transaction_date"].replace(" ", "T")
    second_before = (datetime.fromisoformat(at) - timedelta(seconds=1)).isoformat()

    def summary(before: str) -> Any:
        body = api.ok(path, time_zone="0", created_after=earlier, created_before=before)
        return {key: value for key, value in body.items() if key != "time"}

    inclusive_at, inclusive_before = summary(at), summary(second_before)
    assert inclusive_at != inclusive_before
    api.speak("bounds=exclusive_end")
    assert summary(at) == inclusive_before


# -- money as text -----------------------------------------------------------------------------


def test_money_as_decimal_strings(api: Api) -> None:
    plain = _everything(api)
    api.speak("money_format=string")
    text = _everything(api)
    for read in plain:
        body_plain = {k: v for k, v in plain[read].items() if k not in ("time", "count")}
        body_text = {k: v for k, v in text[read].items() if k not in ("time", "count")}
        _same_numbers(body_plain, body_text)
    numbers = [
        value
        for _, value in _leaves(text["orders"]["orders"])
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    assert numbers == []
    kinds = {key for key, value in _leaves(text["orders"]["orders"]) if isinstance(value, str)}
    assert {"total_amount", "tax_percentage", "quantity", "buying_price", "amount"} <= kinds
    assert {"payment_method_fee", "promotion_amount", "discount_amount", "stock"} <= kinds
    assert isinstance(text["orders"]["has_next_item"], bool)
    _assert_same_frames(_frames(plain), _frames(text))


# -- dates as ISO 8601 -------------------------------------------------------------------------


def test_dates_as_dotnet_iso(api: Api) -> None:
    plain = _everything(api)
    api.speak("date_format=iso")
    iso = _everything(api)
    dates = [
        (key, value)
        for key, value in _leaves(iso)
        if key.endswith("_date") and isinstance(value, str)
    ]
    assert {key for key, _ in dates} >= {
        "order_date",
        "closed_date",
        "modified_date",
        "transaction_date",
        "fulfill_date",
    }
    assert all(ISO.match(value) for _, value in dates), dates[:3]
    assert [v for k, v in _leaves(plain) if k.endswith("_date") and isinstance(v, str)] == [
        value.replace("T", " ")[:19] for _, value in dates
    ]
    assert all(SPACE.match(v) for k, v in _leaves(plain) if k.endswith("_date") and v)
    _assert_same_frames(_frames(plain), _frames(iso))


def test_every_form_at_once_reads_the_same(api: Api) -> None:
    plain = _frames(_everything(api))
    api.speak("bounds=exclusive_end,money_format=string,date_format=iso")
    _assert_same_frames(plain, _frames(_everything(api)))


def test_filters_accept_both_date_forms_whatever_the_dialect(api: Api) -> None:
    api.speak("date_format=iso")
    window = {"created_after": "2026-11-19 00:00:00", "created_before": "2026-11-19T23:59:59"}
    assert api.orders(**window) == api.orders(
        created_after="2026-11-19T00:00:00", created_before="2026-11-19 23:59:59"
    )
