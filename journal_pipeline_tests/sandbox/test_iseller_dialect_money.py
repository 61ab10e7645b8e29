"""The emulator's service-charge dialects: every served order keeps its money identity, and
every dialect serves the same sale (journal_sandbox/dialect_money.py, I-20/I-21)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from journal_sandbox.dialect import SERVICE_CHARGE_READINGS, Dialect
from journal_sandbox.dialect_money import service_charge_tax, state_money
from journal_sandbox.iseller_app import ISellerSandbox

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
CLIENT = {"client_id": "sandbox-iseller-client", "client_secret": "sandbox-iseller-secret"}
ALL_INCLUDES = "OrderDetails,Transactions,DiscountDetails,PromotionDetails,TrackInventory,MDR"
TIMEOUT = 10


def rhu(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def served_orders(url: str) -> list[dict[str, Any]]:
    """Every order GetOrders serves (all pages, every include), parsed as Decimals."""
    token = requests.post(
        f"{url}/oauth/token",
        data={"grant_type": "client_credentials", **CLIENT},
        timeout=TIMEOUT,
    ).json()["access_token"]
    orders: list[dict[str, Any]] = []
    page = 1
    while True:
        response = requests.post(
            f"{url}/api/v2/GetOrders",
            data={
                "created_after": "2026-01-01T00:00:00",
                "time_zone": 0,
                "includes": ALL_INCLUDES,
                "page": page,
                "page_size": 1000,
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        )
        body = response.json(parse_float=Decimal)
        assert body["status"] is True, body
        orders.extend(body["orders"])
        if not body["has_next_item"]:
            return orders
        page += 1


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[dict]]]:
    """The orders each service-charge dialect serves (same seed, clock and history)."""
    result: dict[str, list[dict]] = {}
    for reading in SERVICE_CHARGE_READINGS:
        sandbox = ISellerSandbox(
            tmp_path_factory.mktemp(f"iseller-{reading}"),
            orders_per_outlet_per_day=12,
            history_days=3,
            now=lambda: NOW,
            faults="",
            dialect=f"service_charge={reading}",
        )
        server = sandbox.serve().start()
        try:
            result[reading] = served_orders(server.url)
        finally:
            server.stop()
            sandbox.close()
    yield result


def _money(value: Any) -> int:
    return int(Decimal(str(value or 0)))


def _identity(order: dict[str, Any], reading: str) -> tuple[int, int]:
    """(what the parts add up to under ``reading``, the order's total_amount)."""
    line_tax = sum(_money(line["tax_amount"]) for line in order["order_details"])
    charge = _money(order["total_additional_subtotal_amount"])
    parts = _money(order["subtotal"]) + charge + _money(order["rounding_amount"])
    if not order["tax_inclusive"]:
        parts += _money(order["total_tax_amount"])
    elif reading == "net":
        parts += _money(order["total_tax_amount"]) - line_tax
    return parts, _money(order["total_amount"])


def _restaurant(order: dict[str, Any]) -> bool:
    return bool(order["tax_inclusive"]) and _money(order["total_additional_subtotal_amount"]) > 0


def test_every_dialect_serves_the_same_orders_and_payments(served: dict[str, list[dict]]) -> None:
    documented = served["net"]
    assert any(_restaurant(o) for o in documented) and any(
        not o["tax_inclusive"] for o in documented
    )
    for reading, orders in served.items():
        assert [o["order_id"] for o in orders] == [o["order_id"] for o in documented]
        for order, same in zip(orders, documented, strict=True):
            assert order["total_amount"] == same["total_amount"], reading
            assert order["transactions"] == same["transactions"], reading
            assert order["subtotal"] == same["subtotal"], reading
            for line, doc_line in zip(order["order_details"], same["order_details"], strict=True):
                assert (line["subtotal"], line["tax_amount"]) == (
                    doc_line["subtotal"],
                    doc_line["tax_amount"],
                )
            if not _restaurant(same):  # only tax-inclusive orders with a charge change
                assert order == same, reading


@pytest.mark.parametrize("reading", SERVICE_CHARGE_READINGS)
def test_every_served_order_keeps_its_identity(served: dict[str, list[dict]], reading: str) -> None:
    documented = {o["order_id"]: o for o in served["net"]}
    for order in served[reading]:
        parts, total = _identity(order, reading)
        assert parts == total, (reading, order["order_reference"])
        # the lines' shares add up to the order's charge in every reading
        charge = _money(order["total_additional_subtotal_amount"])
        assert sum(_money(line["additional_charge"]) for line in order["order_details"]) == charge
        if not _restaurant(order):
            continue
        rate = Decimal(order["order_details"][0]["tax_percentage"])
        line_tax = sum(_money(line["tax_amount"]) for line in order["order_details"])
        charge_tax = _money(order["total_tax_amount"]) - line_tax
        net_charge = _money(documented[order["order_id"]]["total_additional_subtotal_amount"])
        tax = rhu(net_charge * rate / 100)  # I-20: the tax added on top of the net charge
        assert tax > 0
        if reading == "net":
            assert (charge, charge_tax) == (net_charge, tax)
        elif reading == "gross":
            assert (charge, charge_tax) == (net_charge + tax, tax)
            assert charge_tax == rhu(charge * rate / (100 + rate))  # contained in the charge
        else:
            assert (charge, charge_tax) == (net_charge + tax, 0)


def test_the_documented_reading_is_served_as_stored(tmp_path: Path) -> None:
    sandbox = ISellerSandbox(
        tmp_path, orders_per_outlet_per_day=4, history_days=1, now=lambda: NOW, dialect=""
    )
    try:
        stored = sandbox.served_orders()
    finally:
        sandbox.close()
    documented = Dialect()
    for order in stored:
        assert state_money(order, documented) is order


# -- state_money on single orders --------------------------------------------------------------


def restaurant_order() -> dict[str, Any]:
    """Bali, PB1 10% inclusive, service 5%: Nasi Goreng 2 × 55,000 and Es Teh 11,000 =
    121,000 (PB1 inside 10,000 + 1,000); service 5% of 110,000 = 5,500, shared 5,000 / 500;
    its PB1 550; total tax 11,550; total 121,000 + 5,500 + 550 = 127,050."""
    return {
        "order_reference": "#DPS-000042",
        "tax_inclusive": True,
        "subtotal": 121000.0,
        "total_tax_amount": 11550.0,
        "total_additional_subtotal_amount": 5500.0,
        "total_additional_order_amount": 0.0,
        "total_additional_final_amount": 0.0,
        "total_shipping_amount": 0.0,
        "rounding_amount": 0.0,
        "total_amount": 127050.0,
        "order_details": [
            {"subtotal": 110000.0, "tax_amount": 10000.0, "additional_charge": 5000.0},
            {"subtotal": 11000.0, "tax_amount": 1000.0, "additional_charge": 500.0},
        ],
        "transactions": [{"type": "sale", "amount": 127050.0}],
    }


def test_state_money_worked_example() -> None:
    order = restaurant_order()
    before = copy.deepcopy(order)
    assert service_charge_tax(order) == 550  # 127,050 − 121,000 − 5,500
    gross = state_money(order, Dialect(service_charge="gross"))
    untaxed = state_money(order, Dialect(service_charge="gross_untaxed_total"))
    assert order == before  # the argument is not changed
    # gross: the charge with its PB1, 5,500 + 550 = 6,050; the total tax keeps that 550
    assert (gross["total_additional_subtotal_amount"], gross["total_tax_amount"]) == (6050, 11550)
    # gross_untaxed_total: the same charge; the total tax the lines' only, 11,550 − 550
    assert (untaxed["total_additional_subtotal_amount"], untaxed["total_tax_amount"]) == (
        6050,
        11000,
    )
    # the charge's PB1 550 spread over the shares 5,000 / 500: 500 / 50
    for restated in (gross, untaxed):
        assert [line["additional_charge"] for line in restated["order_details"]] == [5500, 550]
        assert isinstance(restated["total_additional_subtotal_amount"], float)  # as served
        assert (
            restated["total_amount"] == 127050
            and restated["transactions"] == (before["transactions"])
        )
        # 121,000 + 6,050 = 127,050
        assert restated["subtotal"] + restated["total_additional_subtotal_amount"] == 127050


def test_state_money_without_order_details_and_on_other_orders() -> None:
    order = restaurant_order()
    del order["order_details"]
    gross = state_money(order, Dialect(service_charge="gross"))
    assert gross["total_additional_subtotal_amount"] == 6050 and "order_details" not in gross
    exclusive = {**restaurant_order(), "tax_inclusive": False}
    no_charge = {
        **restaurant_order(),
        "total_additional_subtotal_amount": 0.0,
        "total_tax_amount": 11000.0,
        "total_amount": 121000.0,
    }
    for other in (exclusive, no_charge):
        for reading in SERVICE_CHARGE_READINGS:
            assert state_money(other, Dialect(service_charge=reading)) is other
