"""The iSeller emulator's dialects for what the document leaves open, over HTTP: the page base
(I-7), the ``timezone`` parameter (I-9), the spelling of the fulfilment status (I-24) and the ids
production scripts read on lines and discounts. The documented reading is served unchanged,
and the pipeline's parsing reads every shape alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.sandbox.dialect_api import (
    ALL_INCLUDES,
    WINDOW,
    Api,
    dialect_sandbox,
)
from journal_sandbox.dialect import Dialect
from journal_sandbox.dialect_shapes import shape_order
from journal_sandbox.iseller_app import ISellerSandbox

#: Every paged read: path, the parameters it needs, its list key, its id.
PAGED = [
    ("/api/v2/GetOrders", WINDOW, "orders", "order_id"),
    (
        "/api/v2/GetProducts",
        {"track_inventory": "false", "modified_after": "2026-01-01T00:00:00"},
        "products",
        "product_id",
    ),
    ("/api/v2/GetTransactions", {"time_zone": "0"}, "transactions", "transaction_id"),
    ("/api/v2/GetRegisterShifts", {"time_zone": "0"}, "register_shifts", "register_shift_id"),
    ("/api/v3/GetOutlets", {}, "Outlets", "id"),
    ("/api/v3/GetCustomers", {}, "customers", "customer_id"),
    ("/api/v3/GetTransfer", {}, "transfers", "transfer_id"),
    ("/api/v3/InventoryAdjustments", {}, "inventory_adjustments", "adjustment_id"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    with dialect_sandbox(tmp_path_factory.mktemp("iseller-dialects")) as api:
        yield SimpleNamespace(sandbox=api.sandbox, api=api)


@pytest.fixture
def api(served: SimpleNamespace) -> Iterator[Api]:
    """The emulator's client; each test sets the dialect it needs (documented to start)."""
    served.api.speak("documented")
    yield served.api
    served.api.speak("documented")


# -- the documented reading ---------------------------------------------------------------------


def test_the_documented_reading_is_the_stored_order(api: Api) -> None:
    orders = api.orders()
    stored = {o["order_id"]: o for o in api.sandbox.served_orders()}
    assert orders and shape_order(orders[0], Dialect()) is orders[0]
    for order in orders:
        assert list(order) == list(stored[order["order_id"]])
        assert "fulfillment_status" in order and "fulfilment_status" not in order
        for line in order["order_details"]:
            assert "fulfilment_status" in line and "fulfillment_status" not in line
            assert "order_id" not in line
        assert all("order_detail_id" not in d for d in order["discounts"])


def test_the_documented_reading_knows_one_name_per_parameter(api: Api) -> None:
    refused = api("/api/v2/GetOrders", timezone="0", created_after="2026-01-01T00:00:00")
    assert refused["status"] is False and "time_zone" in refused["error_message"]
    everything = api.orders()
    assert api.orders(fulfilment_status="none") == everything  # not a parameter: ignored


# -- fulfilment status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "on_order", "on_line"),
    [
        ("fulfillment", {"fulfillment_status"}, {"fulfilment_status"}),
        ("fulfilment", {"fulfilment_status"}, {"fulfilment_status"}),
        ("both", {"fulfillment_status", "fulfilment_status"}, None),
    ],
)
def test_fulfilment_status_spellings(
    api: Api, spelling: str, on_order: set[str], on_line: set[str] | None
) -> None:
    api.speak(f"fulfilment={spelling}")
    names = {"fulfillment_status", "fulfilment_status"}
    for order in api.orders():
        assert names & set(order) == on_order
        assert {order[name] for name in on_order} == {"fulfilled"}
        for line in order["order_details"]:
            assert names & set(line) == (on_line or on_order)
            assert {line[name] for name in names & set(line)} == {"fulfilled"}
        keys = list(order)
        if spelling == "both":  # the second spelling right after the first
            assert keys.index("fulfilment_status") == keys.index("fulfillment_status") + 1


def test_the_fulfilment_filter_under_both_spellings(api: Api) -> None:
    api.speak("fulfilment=both")
    everything = api.orders()
    assert everything
    assert api.orders(fulfilment_status="fulfilled") == everything
    assert api.orders(fulfilment_status="none") == []
    assert api.orders(fulfilment_status="Fulfilled", fulfillment_status="fulfilled") == everything
    clash = api(
        "/api/v2/GetOrders", **WINDOW, fulfilment_status="none", fulfillment_status="fulfilled"
    )
    assert clash["status"] is False and "fulfilment_status" in clash["error_message"]
    # every read that filters on it reads it from the same place
    summary = api.ok("/api/v2/GetOrderSummary", time_zone="0", fulfilment_status="none")
    assert summary["order_summaries"] == []
    api.speak("fulfilment=fulfilment")  # one spelling of the field, the parameter as documented
    assert api.orders(fulfilment_status="none") == api.orders()


# -- ids ----------------------------------------------------------------------------------------


def test_order_ids_on_lines_and_discounts(api: Api) -> None:
    plain = {o["order_id"]: o for o in api.orders()}
    api.speak("order_ids=1")
    orders = api.orders()
    assert any(order["discounts"] for order in orders)  # member discounts are order-level
    for order in orders:
        for line in order["order_details"]:
            assert line["order_id"] == order["order_id"]
            keys = list(line)
            assert keys.index("order_id") == keys.index("order_detail_id") + 1
        for discount in order["discounts"]:
            assert "order_detail_id" in discount and discount["order_detail_id"] is None
        before = plain[order["order_id"]]
        assert [
            {k: v for k, v in line.items() if k != "order_id"} for line in order["order_details"]
        ] == before["order_details"]
        assert [
            {k: v for k, v in d.items() if k != "order_detail_id"} for d in order["discounts"]
        ] == before["discounts"]


def test_a_discount_on_one_line_names_it() -> None:
    order = {
        "order_id": "o-1",
        "order_details": [{"order_detail_id": "l-1"}],
        "discounts": [
            {"discount_name": "Member", "discount_amount": 5.0},
            {"discount_name": "Line", "discount_amount": 1.0, "order_detail_id": "l-1"},
        ],
    }
    shaped = shape_order(order, Dialect(order_ids=True))
    assert [d["order_detail_id"] for d in shaped["discounts"]] == [None, "l-1"]
    assert shaped["order_details"] == [{"order_detail_id": "l-1", "order_id": "o-1"}]
    assert "order_id" not in order["order_details"][0]  # the argument is not changed


def test_orders_without_their_blocks_are_shaped_too(api: Api) -> None:
    api.speak("loose")
    orders = api.orders(includes="")
    assert orders and all("order_details" not in o and "discounts" not in o for o in orders)
    assert all(o["fulfilment_status"] == o["fulfillment_status"] for o in orders)


# -- timezone ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/v2/GetOrders", "orders"),
        ("/api/v2/GetTransactions", "transactions"),
        ("/api/v2/GetRegisterShifts", "register_shifts"),
        ("/api/v2/GetTransactionSummary", "transaction_summaries"),
        ("/api/v2/GetOrderSummary", "order_summaries"),
    ],
)
def test_timezone_is_read_as_time_zone(api: Api, path: str, key: str) -> None:
    window = {"created_after": "2026-11-19T00:00:00", "created_before": "2026-11-19T23:59:59"}
    expected = api.ok(path, time_zone="7", **window)[key]
    assert expected
    api.speak("timezone_param=both")
    assert api.ok(path, timezone="7", **window)[key] == expected
    assert api.ok(path, timezone="7", time_zone="07", **window)[key] == expected
    clash = api(path, timezone="7", time_zone="8", **window)
    assert clash["status"] is False
    assert "timezone" in clash["error_message"] and "time_zone" in clash["error_message"]
    bad = api(path, timezone="seven", **window)
    assert bad["status"] is False and "time_zone" in bad["error_message"]
    api.speak("documented")
    refused = api(path, timezone="7", **window)
    assert refused["status"] is False and "time_zone is required" in refused["error_message"]


# -- page base ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "params", "key", "id_key"), PAGED)
def test_page_base_zero_serves_the_first_page_at_zero(
    api: Api, path: str, params: dict[str, str], key: str, id_key: str
) -> None:
    size = 2 if key in ("Outlets", "transfers") else 7
    from_one = api.pages(path, key, 1, page_size=size, **params)
    refused = api(path, page=0, page_size=size, **params)
    assert refused["status"] is False and "page" in refused["error_message"]
    api.speak("page_base=0")
    from_zero = api.pages(path, key, 0, page_size=size, **params)
    assert from_zero == from_one
    ids = [item[id_key] for page in from_zero for item in page]
    assert len(ids) == len(set(ids))
    negative = api(path, page=-1, page_size=size, **params)
    assert negative["status"] is False and "page" in negative["error_message"]
    assert ">= 0" in (negative["error_detail"] or "")
    past = api.ok(path, page=len(from_zero), page_size=size, **params)
    assert past[key] == [] and past["has_next_item"] is False


def test_the_paging_keys_parse_validate_and_round_trip() -> None:
    assert (Dialect().next_flag, Dialect().shift_bound) == ("everywhere", "both")
    dialect = Dialect.from_spec("next_flag=orders_only,shift_bound=modified_date")
    assert (dialect.next_flag, dialect.shift_bound) == ("orders_only", "modified_date")
    assert Dialect.from_spec(dialect.spec) == dialect
    assert Dialect.from_spec("next_flag=everywhere,shift_bound=both").spec == ""
    for bad in ("next_flag=never", "shift_bound=modified_after"):
        with pytest.raises(ValueError, match=bad.split("=")[0]):
            Dialect.from_spec(bad)


@pytest.mark.parametrize(("path", "params", "key", "id_key"), PAGED)
def test_next_flag_orders_only_leaves_has_next_item_to_get_orders(
    api: Api, path: str, params: dict[str, str], key: str, id_key: str
) -> None:
    """The document lists ``has_next_item`` for GetOrders only (changelog of 21 December 2021)."""
    page = {"page": "1", "page_size": "2"}
    everywhere = api.ok(path, **params, **page)
    assert "has_next_item" in everywhere
    api.speak("next_flag=orders_only")
    answer = api.ok(path, **params, **page)
    assert ("has_next_item" in answer) is (key == "orders")
    assert answer[key] == everywhere[key]
    assert {k: v for k, v in answer.items() if k not in ("has_next_item", "time")} == {
        k: v for k, v in everywhere.items() if k not in ("has_next_item", "time")
    }


@pytest.mark.parametrize(("shift_bound", "after_read"), [("both", True), ("modified_date", False)])
def test_the_lower_modified_bound_of_get_register_shifts(
    api: Api, shift_bound: str, after_read: bool
) -> None:
    """The document names it ``modified_date``; ``shift_bound=modified_date`` reads that name
    only, ``modified_after`` being an unknown parameter there."""
    path, query = "/api/v2/GetRegisterShifts", {"time_zone": "0", "page_size": "1000"}
    every = api.ok(path, **query)["register_shifts"]
    bound = "2026-11-19T12:00:00"
    changed = [s for s in every if (s["closed_date"] or s["open_date"]) >= bound.replace("T", " ")]
    assert 0 < len(changed) < len(every)
    api.speak(f"shift_bound={shift_bound}")
    for name, read in (("modified_after", after_read), ("modified_date", True)):
        answer = api.ok(path, **query, **{name: bound})["register_shifts"]
        assert answer == (changed if read else every), name


@pytest.mark.parametrize("order_bound", ["created", "either"])
def test_get_orders_lower_bound(api: Api, order_bound: str) -> None:
    """The document's table marks ``created_after`` required (I-9): under the documented
    ``order_bound=created`` a modified window alone is refused; ``either`` takes it in its
    place. A modified window asked from a ``created_after`` far back answers alike in both."""
    window = {"time_zone": "0", "page_size": "1000"}
    window |= {"modified_after": "2026-11-20T00:00:00", "modified_before": "2026-11-20T23:59:59"}
    api.speak(f"order_bound={order_bound}")
    alone = api("/api/v2/GetOrders", **window)
    assert alone["status"] is (order_bound == "either"), alone
    if order_bound == "created":
        assert "created_after" in alone["error_message"]
    changed = api.ok("/api/v2/GetOrders", created_after="2000-01-01", **window)["orders"]
    assert changed and all(o["modified_date"][:10] == "2026-11-20" for o in changed)
    assert any(o["order_date"][:10] < "2026-11-20" for o in changed)  # changed after their day
    if order_bound == "either":
        assert [o["order_id"] for o in alone["orders"]] == [o["order_id"] for o in changed]


def test_page_base_zero_without_page_is_the_first_page(api: Api) -> None:
    first = api.ok("/api/v2/GetOrders", **WINDOW, page_size=5)["orders"]
    api.speak("page_base=0")
    assert api.ok("/api/v2/GetOrders", **WINDOW, page_size=5)["orders"] == first
    assert api.ok("/api/v2/GetOrders", **WINDOW, page=0, page_size=5)["orders"] == first
    for summary in ("/api/v2/GetTransactionSummary", "/api/v2/GetOrderSummary"):
        assert api.ok(summary, time_zone="0", page=0)["status"] is True
        assert api(summary, time_zone="0", page=-1)["status"] is False


# -- the pipeline reads every shape ------------------------------------------------------------


@pytest.mark.parametrize(
    "spec", ["loose", "fulfilment=fulfilment", "loose,page_base=0", "modifier_sku=parent"]
)
def test_the_pipeline_parses_every_shape_alike(api: Api, spec: str) -> None:
    documented = order_frames(api.orders())
    api.speak(spec)
    raw = api.orders(page=0) if "page_base=0" in spec else api.orders()
    if spec == "modifier_sku=parent":  # the modifiers' own SKUs only in product_modifier_sku
        modifiers = [d for o in raw for d in o["order_details"] if d["product_modifier_id"]]
        assert modifiers and all(d["sku"] != d["product_modifier_sku"] for d in modifiers)
    shaped = order_frames(raw)
    for name in ("orders", "lines", "payments"):
        pd.testing.assert_frame_equal(getattr(shaped, name), getattr(documented, name))


def test_the_loose_preset(api: Api) -> None:
    api.speak("loose,page_base=0")
    assert api.sandbox.dialect == Dialect(
        page_base=0, fulfilment="both", order_ids=True, timezone_param="both"
    )
    orders = api.ok(
        "/api/v2/GetOrders",
        timezone="0",
        created_after="2026-01-01T00:00:00",
        includes=ALL_INCLUDES,
        page=0,
        page_size=3,
    )["orders"]
    assert len(orders) == 3
    line = orders[0]["order_details"][0]
    assert line["order_id"] == orders[0]["order_id"]
    assert line["fulfillment_status"] == line["fulfilment_status"] == "fulfilled"
    assert orders[0]["fulfilment_status"] == orders[0]["fulfillment_status"] == "fulfilled"


def test_a_dialect_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_ISELLER_DIALECT", "page_base=0,fulfilment=fulfilment")
    sandbox = ISellerSandbox(tmp_path / "env", orders_per_outlet_per_day=2, history_days=1)
    try:
        assert sandbox.dialect == Dialect(page_base=0, fulfilment="fulfilment")
    finally:
        sandbox.close()


def test_the_array_envelope_wraps_every_v2_answer_and_no_v3_one(api: Api) -> None:
    """I-6: the document's GetOrders sample shows the answer inside a one-element array."""
    page = {"page": "1", "page_size": "50"}
    documented = {path: api(path, **params, **page) for path, params, _, _ in PAGED}
    api.speak("envelope=array")
    for path, params, key, _ in PAGED:
        answer = api(path, **params, **page)
        if path.startswith("/api/v2/"):
            assert isinstance(answer, list) and len(answer) == 1, path
            (answer,) = answer
        assert isinstance(answer, dict), path
        assert answer["status"] is True and answer[key] == documented[path][key], path
    (refused,) = api("/api/v2/GetOrders")  # no date bound: refused, in the array too
    assert refused["status"] is False
    (info,) = api("/api/v2/GetStoreInfo")
    assert info["store_info"]["store_name"]


# -- packages sold as combo sets ----------------------------------------------------------------


def test_packages_sold_as_combo_sets_list_their_items_as_the_set_s(api: Api) -> None:
    products = {
        "track_inventory": "false",
        "modified_after": "2026-01-01T00:00:00",
        "page": "1",
        "page_size": "500",
    }
    composites = {
        p["sku"]: p
        for p in api.ok("/api/v2/GetProducts", **products)["products"]
        if p["type"] == "composite"
    }
    plain = {o["order_id"]: o for o in api.orders()}
    api.speak("sets=comboset")
    listed = {p["sku"]: p for p in api.ok("/api/v2/GetProducts", **products)["products"]}
    assert composites
    for sku, composite in composites.items():
        combo = listed[sku]
        assert combo["type"] == "comboset" and combo["ingredients"] == []
        assert [(b["sku"], b["product_name"], b["quantity"]) for b in combo["bundles"]] == [
            (i["sku"], i["name"], i["quantity"]) for i in composite["ingredients"]
        ]
    sold = 0
    for order in api.orders():
        before = plain[order["order_id"]]
        for line, was in zip(order["order_details"], before["order_details"], strict=True):
            if was["type"] != "composite":
                assert line == was
                continue
            sold += 1
            assert line["type"] == "comboset" and line["product_composites"] == []
            assert line["product_combos"] == was["product_composites"]
            assert line["units_used"] == was["units_used"] and line["cogs"] == was["cogs"]
        assert order["total_amount"] == before["total_amount"]
    assert sold  # the window sells packages
    # the pipeline reads the same money and stock from either
    assert order_frames(api.orders()).lines.equals(order_frames(list(plain.values())).lines)


def test_orders_without_modified_date_are_still_filtered_by_their_last_change(api: Api) -> None:
    """I-12: under ``order_modified=absent`` no order carries ``modified_date``, as the
    document's Order table has it, and the ``modified_*`` filters answer the same orders."""
    window = {"time_zone": "0", "page_size": "1000", "includes": "Transactions"}
    window |= {
        "created_after": "2000-01-01",
        "modified_after": "2026-11-19T00:00:00",
        "modified_before": "2026-11-19T23:59:59",
    }
    stamped = api.ok("/api/v2/GetOrders", **window)["orders"]
    assert stamped and all("modified_date" in order for order in stamped)
    api.speak("order_modified=absent")
    bare = api.ok("/api/v2/GetOrders", **window)["orders"]
    assert not any("modified_date" in order for order in bare)
    assert [o["order_id"] for o in bare] == [o["order_id"] for o in stamped]
    assert [{k: v for k, v in o.items() if k != "modified_date"} for o in stamped] == bare
    assert Dialect.from_spec("order_modified=absent").spec == "order_modified=absent"
    with pytest.raises(ValueError, match="order_modified"):
        Dialect.from_spec("order_modified=sometimes")
