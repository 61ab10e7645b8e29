"""Lines served as the document's OrderDetail table lists them (I-18: no `total_order_amount`,
`discount_order_amount`, `subtotal`, `additional_charge`): the pipeline makes them from what is
listed and books the same sale as from the full lines."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
import requests

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.config import load_config
from journal_pipeline.iseller.cancelled_lines import CANCELLED_KEY, without_cancelled_lines
from journal_pipeline.iseller.client import ISellerClient
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.line_money import MADE, shared, with_line_gross, with_line_money
from journal_pipeline_tests.accounting.mixed_tax_orders import ON_BUKU, mixed_order
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.iseller_app import ISellerSandbox

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)  # the day of the sample orders


def _as_table(order: dict[str, Any]) -> dict[str, Any]:
    bare = copy.deepcopy(order)
    for line in bare["order_details"]:
        for field in MADE:
            line.pop(field, None)
    return bare


def _books(orders: list[dict[str, Any]], day: date) -> tuple[pd.DataFrame, list[dict]]:
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, day)
    lines, holds = posting_rules.journal_lines(sales, CONFIG)
    assert holds == []
    documents, held = invoices.sales_invoices(sales, CONFIG)
    assert held == []
    return lines.reset_index(drop=True), [d.payload for d in documents]


@pytest.mark.parametrize(
    ("order", "day"),
    [(retail_order(), date(2026, 11, 20)), (restaurant_order(), date(2026, 11, 20))],
    ids=["order discount", "service charge"],
)
def test_the_lines_made_from_the_table_are_the_full_lines(order, day):
    made = with_line_money(_as_table(order))
    for full, line in zip(order["order_details"], made["order_details"], strict=True):
        assert {f: Decimal(line[f]) for f in MADE} == {f: Decimal(full[f]) for f in MADE}
    full_books, bare_books = _books([order], day), _books([made], day)
    pd.testing.assert_frame_equal(bare_books[0], full_books[0])
    assert bare_books[1] == full_books[1]


def test_a_field_the_line_carries_is_kept():
    order = _as_table(retail_order())
    order["order_details"][0]["subtotal"] = Decimal(1)  # wrong, but iSeller's own word
    made = with_line_money(order)
    assert made["order_details"][0]["subtotal"] == Decimal(1)
    assert made["order_details"][1]["subtotal"] == 25_000 - 1_250
    full = retail_order()
    assert with_line_money(full) is full  # nothing to make: the order itself


def test_without_the_orders_subtotal_the_discounts_and_promotions_are_shared():
    order = _as_table(retail_order())
    order.pop("subtotal")
    shares = [line["discount_order_amount"] for line in with_line_money(order)["order_details"]]
    assert shares == [7_650, 1_250]  # total_discount_amount 8,900, no line discount


def test_a_cancelled_line_the_totals_leave_out_is_set_apart_from_the_tables_lines():
    order = _as_table(retail_order())
    cancelled = {
        **order["order_details"][1],
        "order_detail_id": "d9",
        "fulfilment_status": "cancel",
    }
    order["order_details"].append(cancelled)
    read = with_line_money(without_cancelled_lines(with_line_gross(order)))
    assert [line["order_detail_id"] for line in read[CANCELLED_KEY]] == ["d9"]
    assert [line["discount_order_amount"] for line in read["order_details"]] == [7_650, 1_250]


def _promoted_book() -> dict[str, Any]:
    """Rp 100,000 off the untaxed book of an order mixing it with taxed coffee, listed as a
    promotion on the book's line (PromotionDetails) and in the order's promotion total."""
    order = mixed_order(ON_BUKU)
    promotion = {
        "promotion_id": "promo-buku",
        "promotion_name": "Buku",
        "promotion_amount": 100_000,
    }
    kopi, buku = order["order_details"]
    kopi["promotions"], buku["promotions"] = [], [dict(promotion)]
    order.update(
        total_discount_amount=Decimal(0),
        discounts=[],
        total_promotion_amount=Decimal(100_000),
        promotions=[dict(promotion)],
    )
    return order


@pytest.mark.parametrize("with_subtotal", [True, False], ids=["subtotal", "no subtotal"])
def test_a_promotion_on_one_item_is_that_lines_share(with_subtotal):
    """Shared by net, half of it would be on the taxed coffee: Jurnal's PPN and the journal's
    tax base would then differ from iSeller's line tax."""
    full = _promoted_book()
    table = _as_table(full)
    if not with_subtotal:
        table.pop("subtotal")
    made = with_line_money(table)
    assert [line["discount_order_amount"] for line in made["order_details"]] == [0, 100_000]
    full_books, bare_books = _books([full], DAY), _books([made], DAY)
    pd.testing.assert_frame_equal(bare_books[0], full_books[0])
    assert bare_books[1] == full_books[1]


def test_a_line_promotion_inside_the_lines_own_discount_is_not_taken_twice():
    """Read the other way, the promotion is already the line's ``discount_amount``: the order's
    subtotal leaves nothing at order level, and nothing more is put on the line."""
    order = _as_table(_promoted_book())
    book = order["order_details"][1]
    book.update(discount_amount=Decimal(100_000), discount_percentage=Decimal(10))
    made = with_line_money(order)
    assert [line["discount_order_amount"] for line in made["order_details"]] == [0, 0]
    assert made["order_details"][1]["subtotal"] == 900_000


def test_what_is_not_a_number_is_left_for_the_orders_checks():
    order = _as_table(retail_order())
    order["order_details"][0]["base_price"] = "abc"
    assert with_line_money(order) is order
    assert with_line_money({"order_details": "no list"}) == {"order_details": "no list"}


def test_shares_go_by_largest_remainder_ties_to_the_earlier_line():
    assert shared(10, [1, 1, 1]) == [4, 3, 3]
    assert shared(0, [0, 0]) == [0, 0]
    assert shared(5, [0, 0]) is None


def _served_lines(url: str) -> list[dict[str, Any]]:
    """The order lines GetOrders serves, as sent."""
    token = requests.post(
        f"{url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "sandbox-iseller-client",
            "client_secret": "sandbox-iseller-secret",
        },
        timeout=10,
    ).json()["access_token"]
    body = requests.post(
        f"{url}/api/v2/GetOrders",
        data={"created_after": "2000-01-01", "time_zone": 0, "page": 1, "includes": "OrderDetails"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    return [line for order in body["orders"] for line in order.get("order_details") or []]


@pytest.fixture
def table_sandbox(tmp_path):
    sandbox = ISellerSandbox(
        tmp_path,
        orders_per_outlet_per_day=8,
        history_days=3,
        now=lambda: datetime(2026, 11, 20, 15, tzinfo=UTC),
        faults="",
        dialect="line_money=table",
    )
    server = sandbox.serve().start()
    try:
        yield (
            sandbox,
            {
                "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
                "ISELLER_CLIENT_ID": "sandbox-iseller-client",
                "ISELLER_CLIENT_SECRET": "sandbox-iseller-secret",
            },
        )
    finally:
        server.stop()
        sandbox.close()


def test_orders_served_with_the_tables_lines_are_read_whole(table_sandbox, iseller_sandbox):
    """Over HTTP: the emulator serving the table's lines and the one serving full lines give
    the client the same orders."""
    start = datetime(2026, 11, 18, 17, tzinfo=UTC)
    window = {"created_after": start, "created_before": start.replace(day=19, hour=16)}
    _, env = table_sandbox
    served = _served_lines(env["ISELLER_TOKEN_URL"].removesuffix("/oauth/token"))
    assert served and not any(field in line for line in served for field in MADE)
    with ISellerClient.from_env(env) as client:
        bare = client.get_orders(**window).orders
    with ISellerClient.from_env(iseller_sandbox.env) as client:
        full = client.get_orders(**window).orders
    assert bare and len(bare) == len(full)
    for made, given in zip(bare, full, strict=True):
        for line, full_line in zip(made["order_details"], given["order_details"], strict=True):
            assert {f: Decimal(str(line[f])) for f in MADE} == {
                f: Decimal(str(full_line[f])) for f in MADE
            }, made["order_reference"]


def test_a_line_promotion_served_over_http_is_that_lines_share(table_sandbox):
    """Over HTTP, the emulator serving the table's lines: an order whose promotion is on its
    book alone (a tampered answer: the demo's promotions are order-level) reaches the client
    with the promotion on the book's line."""
    sandbox, env = table_sandbox
    start = datetime(2026, 11, 18, 17, tzinfo=UTC)
    window = {"created_after": start, "created_before": start.replace(day=19, hour=16)}
    with ISellerClient.from_env(env) as client:
        first = client.get_orders(**window).orders[0]
    dates = ("order_date", "closed_date", "modified_date")
    promoted = _as_table(_promoted_book())
    sandbox.tamper.orders(
        {
            first["order_id"]: lambda served: {
                **promoted,
                **{key: served[key] for key in ("order_id", "order_reference", *dates)},
            }
        }
    )
    with ISellerClient.from_env(env) as client:
        read = {o["order_id"]: o for o in client.get_orders(**window).orders}
    lines = read[first["order_id"]]["order_details"]
    assert [line["product_name"] for line in lines] == ["Kopi Arabika 250g", "Buku Tulis"]
    assert [line["discount_order_amount"] for line in lines] == [0, 100_000]
    assert [line["subtotal"] for line in lines] == [1_000_000, 900_000]
