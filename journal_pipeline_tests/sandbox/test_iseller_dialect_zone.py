"""The iSeller emulator's dialect for the offset output dates are written in (I-14), over HTTP:
``output_zone=requested`` (the ``time_zone`` asked, documented) or ``store`` (the store's own,
+7, whatever was asked, the filters still read in ``time_zone``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from journal_pipeline_tests.sandbox.dialect_api import (
    ALL_INCLUDES,
    WINDOW,
    Api,
    dialect_sandbox,
)
from journal_sandbox.dialect import Dialect

STORE = 7  # Asia/Jakarta
DAY = {"created_after": "2026-11-19T00:00:00", "created_before": "2026-11-19T23:59:59"}
SUMMARY = {"time_zone": "8", "includes": "TrackInventory", **DAY}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """Enough orders (30 per outlet per day) for refunds and voids to be among them."""
    with dialect_sandbox(
        tmp_path_factory.mktemp("iseller-zone"), orders_per_outlet_per_day=30
    ) as api:
        yield api


@pytest.fixture
def api(served: Api) -> Iterator[Api]:
    served.speak("documented")
    yield served
    served.speak("documented")


def _dates(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, text) of every ``*_date`` string in a JSON value, in order."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _dates(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _dates(item, key)
    elif key.endswith("_date") and isinstance(value, str):
        yield key, value


def _moved(text: str, hours: int) -> str:
    moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S") + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _orders_answer(api: Api, **params: Any) -> dict[str, Any]:
    body = api.ok(
        "/api/v2/GetOrders", **{**WINDOW, "includes": ALL_INCLUDES, "page_size": 1000, **params}
    )
    return {key: body[key] for key in ("orders", "refunded_orders", "fulfillments")}


def test_the_dialect_key_is_known_and_checked() -> None:
    assert Dialect.from_spec("output_zone=store").spec == "output_zone=store"
    assert Dialect().output_zone == "requested"
    with pytest.raises(ValueError, match="output_zone is one of requested, store"):
        Dialect.from_spec("output_zone=local")


def test_every_date_of_get_orders_is_written_in_the_store_offset(api: Api) -> None:
    documented = _orders_answer(api)
    api.speak("output_zone=store")
    store = _orders_answer(api)
    asked_at_eight = _orders_answer(api, time_zone="8", created_after="2026-01-01T08:00:00")
    pairs = list(zip(_dates(documented), _dates(store), strict=True))
    keys = {key for (key, _), _ in pairs}
    assert {"order_date", "closed_date", "modified_date", "transaction_date"} <= keys
    assert {"refund_date", "fulfill_date", "cancel_date"} <= keys
    assert all(b == (key, _moved(a, STORE)) for (key, a), b in pairs)
    # the same window asked at +8: the same orders, their dates written at +7 all the same
    assert asked_at_eight == store


def test_get_transactions_dates_and_filters(api: Api) -> None:
    asked = {**DAY, "time_zone": "0"}
    documented = api.ok("/api/v2/GetTransactions", **asked)["transactions"]
    api.speak("output_zone=store")
    store = api.ok("/api/v2/GetTransactions", **asked)["transactions"]
    assert documented and [t["transaction_id"] for t in store] == [
        t["transaction_id"] for t in documented
    ]  # the filter still reads the bounds in time_zone
    assert [t["transaction_date"] for t in store] == [
        _moved(t["transaction_date"], STORE) for t in documented
    ]
    # asked at -5, the bounds are read at -5: other transactions, still written at +7
    at_minus_five = api.ok("/api/v2/GetTransactions", **DAY, time_zone="-5")["transactions"]
    assert {t["transaction_id"] for t in at_minus_five} != {t["transaction_id"] for t in store}
    assert all(
        "2026-11-19 00:00:00" <= _moved(t["transaction_date"], -5 - STORE) <= "2026-11-19 23:59:59"
        for t in at_minus_five
    )


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/v2/GetOrderSummary", "order_summaries"),
        ("/api/v2/GetTransactionSummary", "transaction_summaries"),
    ],
)
def test_summaries_label_their_days_as_the_orders_are_written(
    api: Api, path: str, key: str
) -> None:
    documented = api.ok(path, **SUMMARY)[key]
    api.speak("output_zone=store")
    store = api.ok(path, **SUMMARY)[key]
    assert documented and len(store) == len(documented)
    # one item per UTC day, labelled with its UTC midnight at +8 asked, at +7 written
    assert {item["order_date"][11:] for item in documented} == {"08:00:00"}
    assert [item["order_date"] for item in store] == [
        _moved(item["order_date"], -1) for item in documented
    ]
    strip = [{k: v for k, v in item.items() if k != "order_date"} for item in documented]
    assert [{k: v for k, v in item.items() if k != "order_date"} for item in store] == strip
