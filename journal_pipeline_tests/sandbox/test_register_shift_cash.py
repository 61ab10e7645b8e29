"""Register shifts carry the cash of the contract (I-40), equal to the cash transactions the
emulator serves between each shift's open and close; the ``shift_cash`` dialect renames or
drops those fields, the ``shift_outlet`` dialect the outlet's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests

from journal_pipeline_tests.iseller_fixtures import ISellerSandboxHandle, running_iseller_sandbox
from journal_sandbox.dialect import Dialect

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)  # 22:00 in Jakarta: today's shifts are open
WINDOW = {"time_zone": 0, "created_after": "2026-01-01", "page_size": 1000}
CASH_FIELDS = {
    "starting_cash",
    "cash_sales",
    "cash_refunds",
    "expected_cash",
    "counted_cash",
    "cash_difference",
}


@pytest.fixture(scope="module")
def iseller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ISellerSandboxHandle]:
    with running_iseller_sandbox(
        tmp_path_factory.mktemp("shift-cash"),
        orders_per_outlet_per_day=40,
        start_date=date(2026, 11, 9),
        now=lambda: NOW,
    ) as handle:
        yield handle


def _post(handle: ISellerSandboxHandle, path: str, **params: Any) -> dict[str, Any]:
    token = requests.post(
        f"{handle.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": handle.env["ISELLER_CLIENT_ID"],
            "client_secret": handle.env["ISELLER_CLIENT_SECRET"],
        },
        timeout=10,
    ).json()["access_token"]
    body = requests.post(
        f"{handle.url}{path}",
        data=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert body["status"] is True, body
    return body


def _all(handle: ISellerSandboxHandle, name: str, key: str, **params: Any) -> list[Any]:
    items, page = [], 1
    while True:
        body = _post(handle, f"/api/v2/{name}", page=page, **WINDOW, **params)
        items.extend(body[key])
        if not body["has_next_item"]:
            return items
        page += 1


def _money(value: float) -> Decimal:
    return Decimal(str(value))


def _shifts(handle: ISellerSandboxHandle, **filters: Any) -> list[dict[str, Any]]:
    return _all(handle, "GetRegisterShifts", "register_shifts", **filters)


def test_shift_cash_equals_the_served_cash_transactions(iseller: ISellerSandboxHandle) -> None:
    shifts = _shifts(iseller)
    transactions = _all(iseller, "GetTransactions", "transactions")
    orders = _all(iseller, "GetOrders", "orders", includes="Transactions")
    outlet_of = {o["order_id"]: o["outlet_id"] for o in orders}
    cash = [t for t in transactions if t["gateway"] == "cash"]
    refunds_seen = 0
    for shift in shifts:
        end = shift["closed_date"] or NOW.strftime("%Y-%m-%d %H:%M:%S")
        inside = [
            t
            for t in cash
            if outlet_of[t["order_id"]] == shift["outlet_id"]
            and shift["open_date"] <= t["transaction_date"] <= end
        ]
        sales = sum(_money(t["amount"]) for t in inside if t["type"] == "sale")
        refunds = sum(_money(t["amount"]) for t in inside if t["type"] in ("refund", "void"))
        refunds_seen += refunds > 0
        assert _money(shift["cash_sales"]) == sales > 0, shift
        assert _money(shift["cash_refunds"]) == refunds, shift
        assert _money(shift["expected_cash"]) == _money(shift["starting_cash"]) + sales - refunds
        if shift["closed_date"] is None:
            assert shift["counted_cash"] is None and shift["cash_difference"] is None
        else:
            counted, expected = _money(shift["counted_cash"]), _money(shift["expected_cash"])
            assert counted - expected == _money(shift["cash_difference"])
    assert refunds_seen >= 3
    closed = [s for s in shifts if s["closed_date"]]
    assert len(closed) == 3 * 11 and len(shifts) == 3 * 12
    differences = [s["cash_difference"] for s in closed]
    # mostly exact; a few short by 500–20,000 in steps of 500
    assert 1 <= sum(d != 0 for d in differences) <= len(closed) // 3
    assert all(-20_000 <= d <= 10_000 and d % 500 == 0 for d in differences)
    assert {s["outlet_code"] for s in shifts} == {"JKT", "DPS", "BDG"}


def test_shift_cash_dialects(iseller: ISellerSandboxHandle) -> None:
    documented = _shifts(iseller)
    try:
        iseller.sandbox.dialect = Dialect.from_spec("shift_cash=actual")
        actual = _shifts(iseller)
        iseller.sandbox.dialect = Dialect.from_spec("shift_cash=none")
        bare = _shifts(iseller)
    finally:
        iseller.sandbox.dialect = Dialect()
    assert set(documented[0]) >= CASH_FIELDS
    for before, renamed in zip(documented, actual, strict=True):
        assert renamed["actual_cash"] == before["counted_cash"]
        assert renamed["difference"] == before["cash_difference"]
        assert "counted_cash" not in renamed and "cash_difference" not in renamed
        assert renamed["cash_sales"] == before["cash_sales"]
    assert all(not CASH_FIELDS & set(s) for s in bare)
    assert [s["register_shift_id"] for s in bare] == [s["register_shift_id"] for s in documented]
    assert all(s["outlet_code"] for s in bare)


def test_unknown_shift_cash_reading_is_refused() -> None:
    with pytest.raises(ValueError, match="shift_cash is one of documented, actual, none"):
        Dialect.from_spec("shift_cash=counted")


def test_shift_outlet_absent_leaves_the_outlet_out_and_the_filter_still_reads_it(
    iseller: ISellerSandboxHandle,
) -> None:
    given = _shifts(iseller)
    try:
        iseller.sandbox.dialect = Dialect.from_spec("shift_outlet=absent")
        bare = _shifts(iseller)
        # the documented outlet_id filter (a GUID, read in any case) still picks each outlet's
        by_outlet = {
            s["outlet_id"]: _shifts(iseller, outlet_id=s["outlet_id"].upper()) for s in given
        }
    finally:
        iseller.sandbox.dialect = Dialect()
    assert not any({"outlet_id", "outlet_code"} & set(s) for s in bare)
    outlet_fields = ("outlet_id", "outlet_code")
    assert bare == [{k: v for k, v in s.items() if k not in outlet_fields} for s in given]
    assert len(by_outlet) == 3
    for outlet_id, answer in by_outlet.items():
        assert [s["register_shift_id"] for s in answer] == [
            s["register_shift_id"] for s in given if s["outlet_id"] == outlet_id
        ]


def test_the_shift_outlet_key_parses_validates_and_round_trips() -> None:
    assert Dialect().shift_outlet == "given"
    dialect = Dialect.from_spec("shift_outlet=absent")
    assert dialect.shift_outlet == "absent" and dialect.spec == "shift_outlet=absent"
    assert Dialect.from_spec(dialect.spec) == dialect
    assert Dialect.from_spec("shift_outlet=given").spec == ""
    with pytest.raises(ValueError, match="shift_outlet is one of given, absent"):
        Dialect.from_spec("shift_outlet=hidden")
