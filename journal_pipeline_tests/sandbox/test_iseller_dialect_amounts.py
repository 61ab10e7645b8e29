"""The emulator's dialects for the sign of ``rounding_amount`` (I-31) and the price of a cost
entry (I-19) (journal_sandbox/dialect_money.py): the same sale, its identity exact, and
GetOrderSummary summing the rounding as GetOrders serves it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.sandbox.dialect_api import Api, dialect_sandbox
from journal_sandbox.dialect import COGS_PRICES, ROUNDING_SIGNS, Dialect
from journal_sandbox.dialect_money import state_cogs, state_money

SUMMARY = {"time_zone": "0", "created_after": "2026-01-01T00:00:00", "includes": "TrackInventory"}


def _money(value: Any) -> int:
    return int(Decimal(str(value or 0)))


def test_the_keys_parse_validate_and_round_trip() -> None:
    dialect = Dialect.from_spec("rounding_sign=subtracted,cogs_price=total")
    assert (dialect.rounding_sign, dialect.cogs_price) == ("subtracted", "total")
    assert dialect.spec == "rounding_sign=subtracted,cogs_price=total"
    assert Dialect.from_spec(dialect.spec) == dialect
    assert (Dialect().rounding_sign, Dialect().cogs_price) == ("added", "unit")
    assert ROUNDING_SIGNS[0] == "added" and COGS_PRICES[0] == "unit"  # documented first
    with pytest.raises(ValueError, match="rounding_sign is one of added, subtracted"):
        Dialect.from_spec("rounding_sign=minus")
    with pytest.raises(ValueError, match="cogs_price is one of unit, total"):
        Dialect.from_spec("cogs_price=line")


def cash_order() -> dict[str, Any]:
    """Kopi Arabika 3 × 85,000 = 255,000 (unit cost 45,000) and Teh Melati 1 × 23,000 (unit
    cost 20,000), PPN 11% on top 28,050 + 2,530 = 30,580: due 308,580, paid in cash, rounded
    up to the next Rp 100: total 308,600, rounding +20. Cost 3 × 45,000 + 20,000 = 155,000."""
    return {
        "order_reference": "#JKT-000303",
        "tax_inclusive": False,
        "subtotal": 278000.0,
        "total_tax_amount": 30580.0,
        "rounding_amount": 20.0,
        "total_amount": 308600.0,
        "buying_price": 155000.0,
        "order_details": [
            {
                "quantity": 3.0,
                "cogs": [{"sku": "KOP-001", "quantity": 3.0, "buying_price": 45000.0}],
            },
            {
                "quantity": 1.0,
                "cogs": [{"sku": "TEH-002", "quantity": 1.0, "buying_price": 20000.0}],
            },
        ],
    }


def test_the_rounding_sign_worked_example() -> None:
    order = cash_order()
    before = copy.deepcopy(order)
    assert state_money(order, Dialect()) is order
    subtracted = state_money(order, Dialect(rounding_sign="subtracted"))
    assert order == before  # the argument is not changed
    # amount due − total: 308,580 − 308,600 = −20, served as a float like the rest
    assert subtracted["rounding_amount"] == -20.0 and isinstance(
        subtracted["rounding_amount"], float
    )
    assert {k: v for k, v in subtracted.items() if k != "rounding_amount"} == {
        k: v for k, v in order.items() if k != "rounding_amount"
    }
    # the identity, the rounding taken away: 278,000 + 30,580 − (−20) = 308,600
    assert 278000 + 30580 - subtracted["rounding_amount"] == subtracted["total_amount"]
    unrounded = {**order, "rounding_amount": 0.0, "total_amount": 308580.0}
    assert state_money(unrounded, Dialect(rounding_sign="subtracted")) is unrounded


def test_the_cost_price_worked_example() -> None:
    order = cash_order()
    before = copy.deepcopy(order)
    assert state_cogs(order, Dialect()) is order
    total = state_cogs(order, Dialect(cogs_price="total"))
    assert order == before
    # Kopi: 3 × 45,000 = 135,000; Teh: 1 × 20,000 = 20,000; the order's own cost unchanged
    prices = [entry["buying_price"] for line in total["order_details"] for entry in line["cogs"]]
    assert prices == [135000.0, 20000.0]
    assert total["buying_price"] == 155000.0 == sum(prices)
    assert [line["cogs"][0]["quantity"] for line in total["order_details"]] == [3.0, 1.0]
    # Decimals (stored orders) stay Decimals; a line without cost entries is left alone
    stored = {
        "order_details": [
            {"cogs": [{"quantity": Decimal(2), "buying_price": Decimal("2.5")}]},
            {"cogs": []},
        ]
    }
    served = state_cogs(stored, Dialect(cogs_price="total"))
    assert served["order_details"] == [
        {"cogs": [{"quantity": Decimal(2), "buying_price": Decimal("5.0")}]},
        {"cogs": []},
    ]


# -- over HTTP ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with dialect_sandbox(tmp_path_factory.mktemp("iseller-amounts")) as served:
        yield served


def _served(api: Api, spec: str) -> SimpleNamespace:
    api.speak(spec)
    try:
        return SimpleNamespace(
            orders=api.orders(),
            summaries=api.ok("/api/v2/GetOrderSummary", **SUMMARY)["order_summaries"],
        )
    finally:
        api.speak("documented")


def test_both_keys_serve_the_same_sale_and_summary(api: Api) -> None:
    documented = _served(api, "")
    other = _served(api, "rounding_sign=subtracted,cogs_price=total")
    assert [o["order_id"] for o in other.orders] == [o["order_id"] for o in documented.orders]
    rounded = quantities = 0
    for order, same in zip(other.orders, documented.orders, strict=True):
        assert _money(order["rounding_amount"]) == -_money(same["rounding_amount"])
        rounded += bool(same["rounding_amount"])
        assert order["buying_price"] == same["buying_price"]
        assert order["total_amount"] == same["total_amount"]
        for line, doc_line in zip(order["order_details"], same["order_details"], strict=True):
            for cost, doc_cost in zip(line["cogs"], doc_line["cogs"], strict=True):
                quantity = Decimal(str(doc_cost["quantity"]))
                unit = Decimal(str(doc_cost["buying_price"]))
                assert Decimal(str(cost["buying_price"])) == quantity * unit
                quantities += quantity != 1
        # the order's cost is Σ quantity × unit cost = Σ the served totals (I-19)
        assert _money(order["buying_price"]) == sum(
            _money(c["buying_price"]) for line in order["order_details"] for c in line["cogs"]
        )
        rest = {k for k in order if k not in ("rounding_amount", "order_details")}
        assert {k: order[k] for k in rest} == {k: same[k] for k in rest}
    assert rounded and quantities  # both readings were exercised
    # GetOrderSummary sums the rounding as GetOrders serves it; its units_hpp[] keeps unit costs
    for summary, doc_summary in zip(other.summaries, documented.summaries, strict=True):
        assert _money(summary["rounding_amount"]) == -_money(doc_summary["rounding_amount"])
        assert summary["units_hpp"] == doc_summary["units_hpp"] and summary["units_hpp"]
        rest = {k for k in summary if k != "rounding_amount"}
        assert {k: summary[k] for k in rest} == {k: doc_summary[k] for k in rest}
    assert sum(_money(s["rounding_amount"]) for s in other.summaries) == sum(
        _money(o["rounding_amount"]) for o in other.orders if o["status"] == "completed"
    )


def test_the_pipeline_reads_the_same_costs_under_both_prices(api: Api) -> None:
    documented = order_frames(_served(api, "").orders)
    total = order_frames(_served(api, "cogs_price=total").orders)
    pd.testing.assert_series_equal(documented.lines["cost"], total.lines["cost"])
    assert set(documented.orders["cost_reading"]) <= {"unit", None}
    readings = set(total.orders["cost_reading"])
    assert "total" in readings and "unmatched" not in readings
