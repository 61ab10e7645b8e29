"""The offset iSeller writes its output dates in (I-14), learnt by the client: the detection on
its own, then the client against the emulator over real HTTP under both readings
(``output_zone=requested``, documented, and ``store``), which must give the same UTC dates."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from journal_pipeline.accounting.business_day import extraction_windows
from journal_pipeline.iseller.client import ISellerClient
from journal_pipeline.iseller.errors import ISellerDateZoneError
from journal_pipeline.iseller.output_zone import (
    Bound,
    OutputZones,
    detect,
    evidence,
    forget_output_zones,
    shift_dates,
    shift_text,
)
from journal_pipeline.iseller.parse import order_summary_frame, transaction_summary_frame
from journal_pipeline.iseller.validation import order_problems
from journal_sandbox.dialect import Dialect
from journal_sandbox.iseller_app import ISellerSandbox

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)
DAY = date(2026, 11, 18)
ZONES = [("Asia/Jakarta", 0), ("Asia/Makassar", 2)]  # the demo merchant's outlets
START = datetime(2026, 11, 17, 17, tzinfo=UTC)  # a Jakarta business day
END = datetime(2026, 11, 18, 17, tzinfo=UTC)
CREATED = Bound("created", "order_date", START, END)


@pytest.fixture(autouse=True)
def _nothing_learnt() -> Iterator[None]:
    forget_output_zones()
    yield
    forget_output_zones()


def _orders(*dates: str) -> list[dict[str, Any]]:
    return [{"order_id": f"o{n}", "order_date": text} for n, text in enumerate(dates)]


# --- the detection ---------------------------------------------------------------------------


def test_nothing_learnt_when_no_item_tells_the_readings_apart() -> None:
    # 01:00 and 09:00 UTC lie in the window read as UTC, and at +7 as well
    found = evidence(_orders("2026-11-18 01:00:00", "2026-11-18 09:00:00"), [CREATED], "order_id")
    assert detect("v2/GetOrders", found) is None
    zones = OutputZones()
    payload = {"orders": _orders("2026-11-18 01:00:00")}
    assert zones.adopt("v2/GetOrders", payload, found) is payload
    assert zones.get("v2/GetOrders") is None
    assert detect("v2/GetOrders", []) is None  # nothing answered: nothing to tell


def test_items_fitting_no_offset_are_an_error_naming_the_endpoint() -> None:
    # 20 hours before the window's start and 20 hours after its end: no one offset fits both
    found = evidence(_orders("2026-11-16 21:00:00", "2026-11-19 13:00:00"), [CREATED], "order_id")
    with pytest.raises(ISellerDateZoneError, match="GetOrders") as caught:
        OutputZones().adopt("v2/GetOrders", {"orders": []}, found)
    message = str(caught.value)
    assert "fit no time zone" in message and caught.value.endpoint == "v2/GetOrders"
    assert "order_date in [2026-11-17T17:00:00, 2026-11-18T17:00:00] UTC" in message
    assert "2026-11-16 21:00:00" in message


def test_an_item_at_the_second_of_a_bound_asked_with_a_fraction_is_inside() -> None:
    # an incremental fetch asks from a mark with microseconds; dates come to the second
    mark = datetime(2026, 12, 2, 16, 59, 59, 400_000, tzinfo=UTC)
    changed = Bound("modified", "modified_date", mark, None)
    rows = [{"order_id": "o1", "modified_date": "2026-12-02 16:59:59"}]
    assert detect("v2/GetOrders", evidence(rows, [changed], "order_id")) is None
    until = Bound("modified", "modified_date", None, mark)
    rows = [{"order_id": "o2", "modified_date": "2026-12-02 17:00:00"}]
    assert detect("v2/GetOrders", evidence(rows, [until], "order_id")) is None


def test_one_offset_that_fits_every_item_is_learnt() -> None:
    # at the window's start + 7h (offset <= 7) and its end + 7h (offset >= 7)
    found = evidence(_orders("2026-11-18 00:00:00", "2026-11-19 00:00:00"), [CREATED], "order_id")
    assert detect("v2/GetOrders", found) == 7


def test_several_fitting_offsets_are_settled_by_probing_the_nearest_first() -> None:
    found = evidence(_orders("2026-11-18 12:00:00", "2026-11-18 22:00:00"), [CREATED], "order_id")
    asked: list[tuple[str, datetime, datetime, str]] = []

    def probe(kind: str, after: datetime, before: datetime, item_id: str) -> bool:
        asked.append((kind, after, before, item_id))
        return after == datetime(2026, 11, 18, 15, tzinfo=UTC)  # written at +7

    assert detect("v2/GetOrders", found, probe) == 7
    # 22:00 lies 5h past the end: +5 is the nearest candidate, then +6, then +7
    assert [a[1].hour for a in asked] == [17, 16, 15]
    assert asked[-1] == ("created", asked[-1][1], asked[-1][1] + timedelta(seconds=1), "o1")
    with pytest.raises(ISellerDateZoneError, match="cannot tell"):
        detect("v2/GetOrders", found, lambda *args: False)


def test_a_learnt_offset_converts_later_answers_and_is_checked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    zones = OutputZones()
    found = evidence(_orders("2026-11-18 00:00:00", "2026-11-19 00:00:00"), [CREATED], "order_id")
    caplog.set_level(logging.WARNING)
    answer = zones.adopt("v2/GetOrders", {"orders": _orders("2026-11-19 00:00:00")}, found)
    assert answer["orders"][0]["order_date"] == "2026-11-18 17:00:00"
    assert zones.get("v2/GetOrders") == 7
    later = {"orders": [{"order_date": "2026-11-18T08:00:00.0000000", "x": {"cancel_date": None}}]}
    assert zones.adopt("v2/GetOrders", later, []) == {
        "orders": [{"order_date": "2026-11-18T01:00:00.0000000", "x": {"cancel_date": None}}]
    }
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "iSeller v2/GetOrders writes its dates at UTC+7 whatever time_zone asks (I-14); "
        "they are read in that offset"
    ]
    stray = evidence(_orders("2026-11-17 18:00:00"), [CREATED], "order_id")  # 11:00 read at +7
    with pytest.raises(ISellerDateZoneError, match="no longer fit the offset UTC\\+7"):
        zones.adopt("v2/GetOrders", {"orders": []}, stray)


def test_dates_keep_their_form() -> None:
    assert shift_text("2026-11-18 03:00:00", -7) == "2026-11-17 20:00:00"
    assert shift_text("2026-11-18T03:00:00.1234567", -7) == "2026-11-17T20:00:00.1234567"
    assert shift_text("2026-11-18T03:00:00+07:00", -7) == "2026-11-18T03:00:00+07:00"
    value = {"order_date": "2026-11-18 03:00:00", "order_reference": "2026-11-18 03:00:00"}
    assert shift_dates(value, 1) == {**value, "order_date": "2026-11-18 04:00:00"}


# --- the client against the emulator ---------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    sandbox = ISellerSandbox(
        Path(tmp_path_factory.mktemp("iseller-output-zone")),
        orders_per_outlet_per_day=30,
        history_days=3,
        now=lambda: NOW,
        faults="",
        dialect="",
    )
    server = sandbox.serve().start()
    env = {
        "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
        "ISELLER_CLIENT_ID": sandbox.client_id,
        "ISELLER_CLIENT_SECRET": "sandbox-iseller-secret",
    }
    try:
        yield SimpleNamespace(sandbox=sandbox, env=env)
    finally:
        sandbox.dialect = Dialect()
        server.stop()
        sandbox.close()


def _day_read(served: SimpleNamespace, spec: str) -> dict[str, Any]:
    """The demo day as the client reads it, the emulator speaking `spec`; what it learnt."""
    served.sandbox.dialect = Dialect.from_spec(spec)
    forget_output_zones()
    windows = extraction_windows(DAY, ZONES)
    with ISellerClient.from_env(served.env) as client:
        created = client.get_orders(created_after=windows["created"][0], created_before=END)
        modified = client.get_orders(
            modified_after=windows["modified"][0], modified_before=windows["modified"][1]
        )
        orders = [*created.orders, *modified.orders]
        for batch in (created, modified):  # read once, in UTC, for every reader of the batch
            assert [seen for seen, _ in batch.checked] == batch.orders
            pairs = zip(batch.checked, batch.orders, strict=True)
            assert all(seen is order for (seen, _), order in pairs)
            assert [found for _, found in batch.checked] == [
                order_problems(order) for order in batch.orders
            ]
        summaries = {
            time_zone: (
                order_summary_frame(
                    client.get_order_summary(
                        created_after=START, created_before=END, time_zone=time_zone
                    ),
                    time_zone,
                ),
                transaction_summary_frame(
                    client.get_transaction_summary(
                        created_after=START, created_before=END, time_zone=time_zone
                    ),
                    time_zone,
                ),
            )
            for time_zone in (7, 8)
        }
        read = {
            "orders": sorted(
                (
                    o["order_id"],
                    o["order_date"],
                    o["closed_date"],
                    o["modified_date"],
                    *(t["transaction_date"] for t in o["transactions"]),
                )
                for o in orders
            ),
            "cancelled": sorted((o["order_id"], o["cancel_date"]) for o in orders),
            "refunds": sorted(
                (r["refund_id"], r["order_date"], r["refund_date"])
                for r in [*created.refunded_orders, *modified.refunded_orders]
            ),
            "transactions": [
                (t["transaction_id"], t["transaction_date"])
                for t in client.get_transactions(created_after=START, created_before=END)
            ],
            "summary_days": {
                time_zone: (list(orders_["day_start"]), sorted(set(payments["day_start"])))
                for time_zone, (orders_, payments) in summaries.items()
            },
        }
        learnt = {name: client._zones.get(name) for name in ("v2/GetOrders", "v2/GetTransactions")}
    return {"read": read, "learnt": learnt}


def test_the_client_reads_the_same_utc_dates_under_either_reading(
    served: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    documented = _day_read(served, "documented")
    caplog.set_level(logging.WARNING)
    store = _day_read(served, "output_zone=store")
    iso = _day_read(served, "output_zone=store,date_format=iso")
    assert documented["learnt"] == {"v2/GetOrders": None, "v2/GetTransactions": None}
    assert store["learnt"] == {"v2/GetOrders": 7, "v2/GetTransactions": 7}
    read = documented["read"]
    assert read["refunds"] and read["transactions"] and any(c for _, c in read["cancelled"])
    assert store["read"] == read
    # every day label is a UTC midnight, whichever offset the summary was asked in
    for order_days, payment_days in read["summary_days"].values():
        assert order_days and all(day.hour == 0 for day in order_days + payment_days)
    assert iso["read"]["orders"] == [
        tuple(text.replace(" ", "T") + ".0000000" if ":" in text else text for text in row)
        for row in read["orders"]
    ]
    warned = {r.getMessage().split(" writes")[0] for r in caplog.records}
    assert warned == {"iSeller v2/GetOrders", "iSeller v2/GetTransactions"}
