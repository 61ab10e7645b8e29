"""Orders checked one by one at the edge: what is held, and what is read as it means."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from journal_pipeline.accounting.completeness import MISMATCH, ORDERS, Finding
from journal_pipeline.config import load_config
from journal_pipeline.iseller.client import OrderBatch
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.iseller.validation import (
    HELD,
    MAX_TEXT,
    batch_problems,
    held_order,
    held_reason,
    is_held,
    moment,
    number,
    order_problems,
    page_orders,
    unidentified_id,
)
from journal_pipeline.sync.completeness import excuse_held
from journal_pipeline.sync.day import checked_orders, edge_holds
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
FALLBACK = datetime(2026, 11, 19, 5, 0, tzinfo=UTC)


def good_order(**changes: Any) -> dict[str, Any]:
    """Two coffees at 25 000 and a 2 750 tax, paid 52 750 in cash: 2 × 25 000 + 2 750."""
    order = {
        "order_id": "o-1",
        "order_reference": "#JKT-000001",
        "outlet_code": "JKT",
        "status": "completed",
        "currency": "IDR",
        "order_date": "2026-11-19 03:00:00",
        "closed_date": "2026-11-19 03:05:00",
        "modified_date": "2026-11-19 03:05:00",
        "subtotal": Decimal("50000.0000"),
        "total_tax_amount": 2750,
        "total_amount": "52750.0000",
        "order_details": [
            {"sku": "KOPI", "product_name": "Kopi", "quantity": 2, "base_price": 25000}
        ],
        "transactions": [
            {
                "transaction_id": "t-1",
                "type": "sale",
                "status": "success",
                "amount": Decimal("52750"),
                "currency": "IDR",
                "transaction_date": "2026-11-19 03:05:00",
            }
        ],
    }
    order.update(changes)
    return order


def test_a_good_order_has_no_problem():
    assert order_problems(good_order()) == []
    assert order_problems(good_order(on_account=True, transactions=[])) == []
    # a draft has no lines or payments yet, and a void keeps its sale
    assert order_problems(good_order(status="draft", order_details=None, transactions=None)) == []


@pytest.mark.parametrize(
    ("value", "read"),
    [
        (52750, Decimal(52750)),
        ("52750.0000", Decimal("52750.0000")),
        (Decimal("0.5"), Decimal("0.5")),
        (12.5, Decimal("12.5")),
        ("-3", Decimal(-3)),
        ("12.500,00", None),
        ("1,250,000", None),
        ("Rp 25.000", None),
        ("NaN", None),
        (float("nan"), None),
        (float("inf"), None),
        (Decimal("Infinity"), None),
        (True, None),
        ("abc", None),
        (None, None),
    ],
)
def test_number_reads_plain_numbers_only(value, read):
    assert number(value) == read


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("2026-11-19 03:05:00", datetime(2026, 11, 19, 3, 5, tzinfo=UTC)),
        ("2026-11-19T03:05:00.1234567", datetime(2026, 11, 19, 3, 5, 0, 123456, tzinfo=UTC)),
        ("2026-11-19T10:05:00+07:00", datetime(2026, 11, 19, 3, 5, tzinfo=UTC)),
        ("31/12/2026", None),
        ("1900-01-01 00:00:00", None),
        ("2999-12-31 23:59:59", None),
        (20261119, None),
        ("", None),
    ],
)
def test_moment_reads_dates_of_this_century_only(value, read):
    assert moment(value) == read


def _line(**changes):
    return good_order(order_details=[{**good_order()["order_details"][0], **changes}])


@pytest.mark.parametrize(
    ("order", "words"),
    [
        (good_order(order_id=None), "it has no order_id"),
        (good_order(order_id="  "), "it has no order_id"),
        (good_order(order_id={"a": 1}), "is not an id"),
        (good_order(status="weird"), 'status "weird" is not one iSeller documents'),
        (good_order(status=None), "status null"),
        (good_order(closed_date=""), "it is completed but has no closed_date"),
        (good_order(closed_date="31/12/2026"), 'closed_date "31/12/2026" is not a date'),
        (good_order(closed_date="2999-12-31 23:59:59"), "closed_date"),
        (good_order(cancel_date="1900-01-01 00:00:00"), "cancel_date"),
        (good_order(total_amount=None), "total_amount is missing"),
        (good_order(total_amount="52.750,00"), 'total_amount "52.750,00" is not a plain number'),
        (good_order(total_amount=10**18), "beyond any sale"),
        (good_order(subtotal=float("nan")), "subtotal NaN"),
        (good_order(currency="USD"), 'currency is "USD", not rupiah'),
        (good_order(order_details=None), "order_details is missing"),
        (good_order(order_details={"0": {}}), "order_details is a JSON dict, not a list"),
        (good_order(order_details=[]), "has no lines"),
        (good_order(order_details=["Kopi"]), "line 1: it is a JSON str, not an object"),
        (_line(quantity="abc"), 'line 1: quantity "abc" is not a number'),
        (_line(quantity=0), "line 1: quantity 0 is not above zero"),
        (_line(quantity=-1), "line 1: quantity -1 is not above zero"),
        (_line(quantity=None), "line 1: quantity is missing"),
        (_line(base_price="Rp 25.000"), "line 1: base_price"),
        (_line(tax_percentage=150), "line 1: tax_percentage 150 is not a rate"),
        (_line(product_name="N" * (MAX_TEXT + 1)), "line 1: product_name is 1,001 characters"),
        (good_order(notes="x" * 100_000), "notes is 100,000 characters long"),
        (good_order(transactions=None), "lists no payment"),
        (good_order(transactions=[]), "lists no payment"),
        (good_order(transactions={"amount": 1}), "transactions is a JSON dict, not a list"),
        (good_order(transactions=[1]), "payment 1: it is a JSON int"),
    ],
)
def test_a_bad_order_is_named_by_its_problem(order, words):
    problems = order_problems(order)
    assert problems and any(words in p for p in problems), problems


def test_payments_must_add_up_to_the_total():
    more = copy.deepcopy(good_order())
    more["transactions"][0]["amount"] = 60000
    assert order_problems(more) == [
        "its successful payments add up to 60000, more than its total_amount 52750"
    ]
    less = copy.deepcopy(good_order())
    less["transactions"][0]["status"] = "failure"  # a failed payment pays nothing
    assert order_problems(less) == [
        "its successful payments add up to 0, less than its total_amount 52750"
    ]


def test_a_held_order_is_staged_as_an_envelope_no_one_reads_as_an_order():
    bad = good_order(total_amount="52.750,00", notes="n" * 5000)
    envelope = held_order(
        bad, order_problems(bad), "GetOrders page 1 of the read, item 3", FALLBACK
    )
    assert is_held(envelope) and envelope["status"] == "completed"
    assert envelope["order_id"] == "o-1" and envelope["order_reference"] == "#JKT-000001"
    assert envelope["closed_date"] == "2026-11-19 03:05:00"
    assert envelope["modified_date"] is None  # the order as iSeller sends it next replaces it
    assert len(envelope[HELD]["received"]["notes"]) < 1100  # long texts cut
    json.dumps(envelope)  # stageable
    assert len(order_frames([envelope, good_order(order_id="o-2")])) == 1
    reason = held_reason(envelope)
    assert "(GetOrders page 1 of the read, item 3)" in reason
    assert '"52.750,00" is not a plain number' in reason and "Fix: correct it in iSeller" in reason


def test_an_order_without_id_or_date_is_staged_under_a_digest_in_the_day_fetched():
    bad = good_order(order_id=None, closed_date="x", modified_date=None, order_date=None)
    envelope = held_order(
        bad, order_problems(bad), "GetOrders page 2 of the read, item 5", FALLBACK
    )
    assert envelope["order_id"] == unidentified_id(bad)
    assert envelope["order_id"].startswith("unidentified-")
    assert envelope["closed_date"] == "2026-11-19 05:00:00"
    weird = held_order(good_order(status="weird"), ["status"], "here", FALLBACK)
    assert weird["status"] == "completed"  # held as a sale: nothing dropped unseen
    void = held_order(good_order(status="void", notes="n" * 2000), ["notes"], "here", FALLBACK)
    assert void["status"] == "void"
    (hold,) = edge_holds([envelope], CONFIG, date(2026, 11, 19))
    assert hold.doc_key == f"sales_invoice:{envelope['order_id']}"
    assert hold.reason.startswith("Order #JKT-000001 (outlet JKT, 2026-11-19): iSeller sent it")
    assert "page 2 of the read, item 5" in hold.reason and "it has no order_id" in hold.reason
    assert edge_holds([envelope], CONFIG, date(2026, 11, 20)) == []  # another day's


def test_the_same_id_twice_on_a_page_with_different_contents_is_held():
    first, other = good_order(), good_order(total_amount=1)
    kept, where, twice = page_orders([first, other, good_order(order_id="o-2")], page=3)
    assert kept == [first, good_order(order_id="o-2")]
    assert where == ["GetOrders page 3 of the read, item 1", "GetOrders page 3 of the read, item 3"]
    assert twice == {
        "o-1": "it came 2 times on page 3 of the read (items 1, 2) with different contents: "
        "which one is true is not known"
    }
    created = OrderBatch(kept, [], where, twice)
    modified = OrderBatch([good_order()], [], ["GetOrders page 1 of the read, item 1"])
    staged = {o["order_id"]: o for o in checked_orders([created, modified], FALLBACK)}
    assert is_held(staged["o-1"])  # held wins over the copy of the other answer
    assert "2 times on page 3" in held_reason(staged["o-1"])
    assert staged["o-2"] == good_order(order_id="o-2")


def test_a_batch_s_orders_are_read_once_and_a_replaced_order_again():
    kept, replaced, bad = good_order(), good_order(order_id="o-2"), good_order(order_id="o-3")
    bad["total_amount"] = "12.500,00"
    batch = OrderBatch(
        [kept, replaced, bad],
        [],
        checked=[(kept, ["as the client read it"]), (replaced, []), (bad, order_problems(bad))],
    )
    batch.orders[1] = good_order(order_id="o-2", status="lost")  # changed since it was read
    assert batch_problems(batch) == [
        ["as the client read it"],
        order_problems(batch.orders[1]),
        order_problems(bad),
    ]
    assert batch_problems(batch)[1] and batch_problems(batch)[2]
    staged = {o["order_id"]: o for o in checked_orders([batch], FALLBACK)}
    assert "cannot be posted: as the client read it." in held_reason(staged["o-1"])
    assert is_held(staged["o-2"]) and "status" in held_reason(staged["o-2"])
    assert "12.500,00" in held_reason(staged["o-3"])
    # a batch that carries no reading of its orders (or not of all of them) is read whole
    assert batch_problems(OrderBatch([kept, bad], [])) == [[], order_problems(bad)]
    partial = OrderBatch([kept, bad], [], checked=[(kept, ["stale"])])
    assert batch_problems(partial) == [[], order_problems(bad)]


def test_orders_held_at_an_outlet_turn_its_disagreement_into_a_warning():
    day = date(2026, 11, 19)
    jkt = Finding("JKT", day, ORDERS, MISMATCH, reading="net")
    bdg = Finding("BDG", day, ORDERS, MISMATCH, reading="net")
    kept, warnings = excuse_held([jkt, bdg], {"JKT": ["#JKT-000001"]})
    assert kept == [bdg]
    assert len(warnings) == 1 and "#JKT-000001" in warnings[0] and "held" in warnings[0]
    # held under an outlet iSeller does not list: it may belong to any outlet
    kept, warnings = excuse_held([jkt, bdg], {"ZZZ": ["#ZZZ-1"]})
    assert kept == [] and len(warnings) == 2
    assert excuse_held([jkt], {}) == ([jkt], [])
