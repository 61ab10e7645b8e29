"""Every iSeller read the pipeline needs, paging edge cases, a token expiring mid-run and every
fault kind of the emulator, over real HTTP; and the frames with exact money and UTC times.

The tests on a private emulator (`own`) run twice: against 1-based pages (the documented
reading) and against 0-based pages (dialect ``page_base=0``); the client learns which."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
import requests
from urllib3.util import Retry

from journal_pipeline.iseller.client import ISellerClient, build_session
from journal_pipeline.iseller.errors import ISellerApiError, ISellerHttpError
from journal_pipeline.iseller.paging import page_items
from journal_pipeline.iseller.parse import (
    adjustment_frames,
    customers_frame,
    order_summary_frame,
    outlets_frame,
    parse_time,
    product_frames,
    register_shifts_frame,
    transaction_summary_frame,
    transactions_frame,
    transfer_frames,
)
from journal_sandbox.iseller_app import ISellerSandbox
from journal_sandbox.iseller_stock import documents_until

LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def fast_session(**overrides: Any) -> requests.Session:
    options: dict[str, Any] = {
        "total": 4,
        "connect": 2,
        "read": 2,
        "status": 2,
        "backoff_factor": 0,
        "status_forcelist": (429, 500, 502, 503, 504),
        "allowed_methods": frozenset({"GET", "POST"}),
        "raise_on_status": False,
        "respect_retry_after_header": False,
    }
    options.update(overrides)
    return build_session(Retry(**options))


@pytest.fixture
def client(iseller_sandbox: SimpleNamespace) -> Iterator[ISellerClient]:
    with ISellerClient.from_env(iseller_sandbox.env) as c:
        yield c


@pytest.fixture(params=[1, 0], ids=["pages-from-1", "pages-from-0"])
def own(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A private emulator (own tokens and faults), serving its first page at 1 or at 0:
    (sandbox, client factory)."""
    sandbox = ISellerSandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=4,
        history_days=2,
        now=lambda: datetime(2026, 11, 20, 15, tzinfo=UTC),
        faults="",
        dialect=f"page_base={request.param}",
    )
    server = sandbox.serve().start()
    env = {
        "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
        "ISELLER_CLIENT_ID": sandbox.client_id,
        "ISELLER_CLIENT_SECRET": "sandbox-iseller-secret",
    }

    def make(**kwargs: Any) -> ISellerClient:
        return ISellerClient.from_env(env, **kwargs)

    try:
        yield sandbox, make
    finally:
        server.stop()
        sandbox.close()


def is_utc(series: pd.Series) -> bool:
    return str(series.dt.tz) == "UTC"


# --- endpoints and frames -----------------------------------------------------------------


def test_outlets_and_store_info(client: ISellerClient) -> None:
    outlets = client.get_outlets()
    assert outlets and all(o["outlet_code"] for o in outlets)
    frame = outlets_frame(outlets)
    from_store = outlets_frame(client.get_store_info()["active_outlets"])
    assert set(from_store["outlet_code"]) <= set(frame["outlet_code"])
    assert set(from_store["outlet_id"]) <= set(frame["outlet_id"])


def test_products_with_their_required_parameters(client: ISellerClient) -> None:
    products = client.get_products(page_size=7)
    assert len(products) == len({p["product_id"] for p in products}) > 7
    assert isinstance(products[0]["price"], Decimal)
    frames = product_frames(products)
    assert frames.products["price"].dtype == "int64"
    assert frames.products["buying_price"].dtype == "int64"
    assert is_utc(frames.products["modified_date"])
    assert (frames.products["price"] >= 0).all()
    tracked = client.get_products(track_inventory=True)
    assert {p["product_id"] for p in tracked} <= {p["product_id"] for p in products}
    assert all(p["track_inventory"] for p in tracked)
    assert client.get_products(modified_after=datetime(2099, 1, 1, tzinfo=UTC)) == []


def test_transactions_match_the_orders_payments(client: ISellerClient) -> None:
    start = datetime(2026, 11, 19, tzinfo=UTC)
    end = start + timedelta(days=1) - timedelta(seconds=1)
    transactions = client.get_transactions(created_after=start, created_before=end, page_size=9)
    assert transactions
    frame = transactions_frame(transactions)
    assert frame["amount"].dtype == "int64" and is_utc(frame["transaction_date"])
    assert frame["transaction_date"].between(start, end).all()
    assert frame["transaction_id"].is_unique
    summary = transaction_summary_frame(
        client.get_transaction_summary(created_after=start, created_before=end)
    )
    assert summary["amount"].dtype == "int64" and is_utc(summary["day_start"])
    signed = frame.assign(signed=frame["amount"].where(frame["type"] == "sale", -frame["amount"]))
    assert summary["amount"].sum() == signed["signed"].sum()
    qris = frame[frame["gateway"] == "iseller_pay"]
    assert (qris["mdr_fee"] > 0).all()


def test_order_summary(client: ISellerClient) -> None:
    start = datetime(2026, 11, 19, tzinfo=UTC)
    end = start + timedelta(days=1) - timedelta(seconds=1)
    summaries = client.get_order_summary(created_after=start, created_before=end)
    frame = order_summary_frame(summaries)
    assert len(frame) == 1 and frame["total_amount"].dtype == "int64"
    assert frame["day_start"].iloc[0] == pd.Timestamp(start)
    completed = [
        o
        for o in client.get_orders(created_after=start, created_before=end).orders
        if o["status"] == "completed"
    ]
    assert frame["total_amount"].iloc[0] == sum(int(o["total_amount"]) for o in completed)
    wib = client.get_order_summary(created_after=start, created_before=end, time_zone=7)
    # days are UTC days shown in the asked offset ("2023-01-02 07:00:00" in the document)
    assert [parse_time(s["order_date"], 7) for s in wib] == [start]


def test_register_shifts_customers_transfers_adjustments(client: ISellerClient) -> None:
    shifts = register_shifts_frame(client.get_register_shifts(created_after=LONG_AGO))
    assert len(shifts) > 0 and is_utc(shifts["open_date"])
    assert shifts["register_shift_id"].is_unique
    customers = customers_frame(client.get_customers(page_size=5))
    assert customers["customer_id"].is_unique
    transfers = transfer_frames(client.get_transfers())
    adjustments = adjustment_frames(client.get_inventory_adjustments())
    for frames in (transfers, adjustments):
        assert frames.items["buying_price"].dtype == "int64"
    if len(transfers.headers):
        assert set(transfers.items["transfer_id"]) <= set(transfers.headers["transfer_id"])
        assert is_utc(transfers.headers["created_date"])
    if len(adjustments.items):
        items = adjustments.items
        assert (items["difference"] == items["actual_stock"] - items["system_stock"]).all()


def test_a_lower_bound_is_required(client: ISellerClient) -> None:
    with pytest.raises(ValueError, match="lower bound"):
        client.get_transactions()
    with pytest.raises(ValueError, match="timezone-aware"):
        client.get_transactions(created_after=datetime(2026, 11, 19))


# --- paging -------------------------------------------------------------------------------


def test_paging_an_empty_day(own: Any) -> None:
    sandbox, make = own
    client = make()
    future = datetime(2026, 12, 25, tzinfo=UTC)
    assert client.get_orders(created_after=future).orders == []
    assert client.calls == 3  # token + pages 0 and 1
    assert client.get_orders(created_after=future).orders == []
    if sandbox.dialect.page_base == 1:
        assert client.calls == 4  # page 0 was refused: 1-based, learnt; page 1 only
    else:
        assert client.calls == 5  # two empty pages tell nothing: asked again


def test_paging_exactly_one_page_and_many_pages(own: Any) -> None:
    sandbox, make = own
    counting = make()
    total = len(list(counting.iter_orders(created_after=LONG_AGO, page_size=1000)))
    assert total > 6
    assert counting.calls == 1 + 2  # token, pages 0 and 1 (one is the probe)
    one_page = make()  # another client of the same store and credential: the base is known
    assert len(one_page.get_orders(created_after=LONG_AGO, page_size=total).orders) == total
    assert one_page.calls == 2
    many = make()
    orders = many.get_orders(created_after=LONG_AGO, page_size=3).orders
    assert len(orders) == len({o["order_id"] for o in orders}) == total
    assert many.calls == 1 + -(-total // 3)
    assert sandbox.dialect.page_base in (0, 1)


def test_every_paged_read_loses_and_doubles_nothing(own: Any) -> None:
    """Small pages of every paged read give each item of the emulator's own truth once."""
    sandbox, make = own
    merchant = sandbox.merchant
    now = sandbox.now()
    client = make()
    for outlet_code, day in merchant.business_dates(now):
        outlet = merchant.outlet_id(outlet_code)
        truth = merchant.expected_orders(outlet_code, day, as_of=now)
        if not truth:
            continue
        start = min(parse_time(o["order_date"]) for o in truth)
        end = max(parse_time(o["order_date"]) for o in truth)
        got = client.get_orders(
            created_after=start, created_before=end, outlet_id=outlet, page_size=2
        ).orders
        assert [o["order_id"] for o in got] == [
            o["order_id"] for o in sorted(truth, key=lambda o: (o["order_date"], o["order_id"]))
        ]
    served = sandbox.served_orders()
    orders = list(client.iter_orders(created_after=LONG_AGO, page_size=4))
    assert sorted(o["order_id"] for o in orders) == sorted(o["order_id"] for o in served)
    products = client.get_products(page_size=4)
    assert [p["product_id"] for p in products] == [p["product_id"] for p in merchant.products()]
    transactions = client.get_transactions(created_after=LONG_AGO, page_size=4)
    paid = [t["transaction_id"] for o in served for t in o["transactions"]]
    assert sorted(t["transaction_id"] for t in transactions) == sorted(paid)
    shifts = client.get_register_shifts(page_size=2)
    assert sorted(s["register_shift_id"] for s in shifts) == sorted(
        s["register_shift_id"] for s in merchant.register_shifts(now)
    )
    customers = client.get_customers(page_size=5)
    assert sorted(c["customer_id"] for c in customers) == sorted(
        c["customer_id"] for c in merchant.customers()
    )
    for read, kind, key in (
        (client.get_transfers, "transfer", "transfer_id"),
        (client.get_inventory_adjustments, "adjustment", "adjustment_id"),
    ):
        documents = documents_until(merchant.seed, merchant.start_date, now, kind)
        assert sorted(d[key] for d in read(page_size=1)) == sorted(d[key] for d in documents)
    outlets = client.get_outlets()
    assert sorted(o["outlet_code"] for o in outlets) == ["BDG", "DPS", "JKT"]


def test_the_base_is_learnt_once_per_endpoint_and_credential(own: Any) -> None:
    """One probe per endpoint, remembered by the client and by every client of the same store
    and credential in the process."""
    sandbox, make = own
    first = make()
    first.get_store_info()
    pages = -(-len(sandbox.merchant.products()) // 10)
    probe = 1 if sandbox.dialect.page_base == 1 else 0  # a 0-based server's page 0 is used
    before = first.calls
    first.get_products(page_size=10)
    assert first.calls - before == pages + probe
    before = first.calls
    first.get_products(page_size=10)
    assert first.calls - before == pages
    second = make()
    second.get_store_info()
    before = second.calls
    second.get_products(page_size=10)
    assert second.calls - before == pages
    before = second.calls
    customers = second.get_customers(page_size=5)  # another endpoint: learnt on its own
    assert second.calls - before == -(-len(customers) // 5) + probe


def test_lists_without_has_next_item_are_read_to_their_end(own: Any) -> None:
    """``next_flag=orders_only``: only GetOrders says ``has_next_item``, as the document has it
    (I-7); every other list is read while its pages come back full, each item once."""
    sandbox, make = own
    sandbox.dialect = replace(sandbox.dialect, next_flag="orders_only")
    merchant, now = sandbox.merchant, sandbox.now()
    client = make()
    products = client.get_products(page_size=4)
    assert [p["product_id"] for p in products] == [p["product_id"] for p in merchant.products()]
    truth = [s["register_shift_id"] for s in merchant.register_shifts(now)]
    shifts = client.get_register_shifts(page_size=2)
    assert len(truth) > 2 and sorted(s["register_shift_id"] for s in shifts) == sorted(truth)
    served = sandbox.served_orders()
    paid = [t["transaction_id"] for o in served for t in o["transactions"]]
    transactions = client.get_transactions(created_after=LONG_AGO, page_size=4)
    assert len(paid) > 4 and sorted(t["transaction_id"] for t in transactions) == sorted(paid)
    customers = client.get_customers(page_size=5)
    assert sorted(c["customer_id"] for c in customers) == sorted(
        c["customer_id"] for c in merchant.customers()
    )
    assert len(client.get_orders(created_after=LONG_AGO, page_size=4).orders) == len(served)


def test_without_has_next_item_a_read_ends_at_an_empty_page(own: Any) -> None:
    sandbox, make = own
    sandbox.dialect = replace(sandbox.dialect, next_flag="orders_only")
    count = len(sandbox.merchant.products())
    size = next(d for d in range(3, count) if count % d == 0)  # every page full
    client = make()
    client.get_store_info()  # the token
    before = client.calls
    assert len(client.get_products(page_size=size)) == count
    probe = 1 if sandbox.dialect.page_base == 1 else 0  # a 0-based server's page 0 is used
    assert client.calls - before == count // size + 1 + probe  # the last page, then an empty one
    before = client.calls
    assert len(client.get_products(page_size=size + 1)) == count
    # a short last page does not end the read (a service may cap its pages): an empty one does
    assert client.calls - before == -(-count // (size + 1)) + 1


@pytest.mark.parametrize("shift_bound", ["both", "modified_date"])
def test_register_shifts_changed_in_a_window(own: Any, shift_bound: str) -> None:
    """GetRegisterShifts documents its lower modified bound as ``modified_date`` (I-40); the
    client sends it and ``modified_after``, so either reading returns only the shifts changed
    in the window."""
    sandbox, make = own
    sandbox.dialect = replace(sandbox.dialect, shift_bound=shift_bound)
    truth = sandbox.merchant.register_shifts(sandbox.now())
    dates = sorted({parse_time(s["modified_date"]) for s in truth})
    start, end = dates[len(dates) // 2], dates[-2]
    changed = [
        s["register_shift_id"] for s in truth if start <= parse_time(s["modified_date"]) <= end
    ]
    assert 0 < len(changed) < len(truth)
    shifts = make().get_register_shifts(modified_after=start, modified_before=end, page_size=2)
    assert sorted(s["register_shift_id"] for s in shifts) == sorted(changed)


def _answer(**lists: Any) -> dict[str, Any]:
    body = {**lists, "count": sum(len(v) for v in lists.values()), "error_message": None}
    return body | {"status": True, "time": "00:00:00.0010000"}


def test_a_list_key_in_another_case_is_read(own: Any) -> None:
    sandbox, make = own
    shifts = [{"register_shift_id": "shift-1"}, {"register_shift_id": "shift-2"}]
    body = _answer(Register_Shifts=shifts)
    sandbox.inject_fault("GetRegisterShifts", status=200, body=body, times=2)  # pages 0 and 1
    with make() as client:  # pages 0 and 1 answer alike: 1-based, and a short page ends it
        assert client.get_register_shifts() == shifts


@pytest.mark.parametrize(
    ("path", "endpoint", "expected", "answers"),
    [
        ("GetRegisterShifts", "get_register_shifts", "register_shifts", 2),  # pages 0 and 1
        ("GetOrderSummary", "get_order_summary", "order_summaries", 1),
    ],
)
def test_a_renamed_list_key_fails_naming_what_was_expected_and_found(
    own: Any, path: str, endpoint: str, expected: str, answers: int
) -> None:
    """A successful answer holding another list where the read's list should be is not read as
    "no items": the read fails, naming the endpoint, the key and the keys found."""
    sandbox, make = own
    body = _answer(shifts=[{"register_shift_id": "a"}])
    sandbox.inject_fault(path, status=200, body=body, times=answers)
    with make() as client, pytest.raises(ISellerApiError) as raised:
        getattr(client, endpoint)(created_after=LONG_AGO)
    assert raised.value.endpoint == path
    assert repr(expected) in str(raised.value) and "shifts (a list)" in str(raised.value)


def test_token_expiring_mid_run(own: Any) -> None:
    sandbox, make = own
    client = make()
    pages = client.iter_pages(
        "GetOrders",
        {"time_zone": "0", "created_after": "2026-01-01T00:00:00"},
        list_key="orders",
        page_size=4,
    )
    first = next(pages)
    token = client._tokens.access_token
    assert sandbox.expire_access_tokens() >= 1
    rest = list(pages)
    orders = [o for page in (first, *rest) for o in page["orders"]]
    assert len(orders) == len({o["order_id"] for o in orders})
    assert client._tokens.access_token != token
    probe = 1 if sandbox.dialect.page_base == 1 else 0  # page 0, refused by a 1-based server
    assert client.calls == 1 + probe + (1 + len(rest)) + 2  # token, pages, one 401, one token


# --- faults -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["error", "timeout", "burst429", "lost"])
def test_every_fault_kind_is_retried(own: Any, kind: str) -> None:
    sandbox, make = own
    client = make(session=fast_session())
    assert client.get_store_info()
    sandbox.faults.once("/api/v2/GetTransactions", kind, status=502)
    transactions = client.get_transactions(created_after=LONG_AGO)
    assert transactions
    assert sandbox.faults.injected[kind] == 1


@pytest.mark.parametrize("kind", ["error", "timeout", "burst429", "lost"])
def test_every_fault_kind_past_the_retries_is_a_typed_error(own: Any, kind: str) -> None:
    sandbox, make = own
    client = make(session=fast_session(total=1, connect=1, read=1, status=1))
    assert client.get_store_info()
    sandbox.faults.once("/api/v3/GetOutlets", kind, times=2, status=503)
    with pytest.raises(ISellerHttpError) as caught:
        client.get_outlets()
    assert caught.value.endpoint == "GetOutlets"


def test_status_false_carries_message_and_detail(client: ISellerClient) -> None:
    with pytest.raises(ISellerApiError) as caught:
        client._call("GetProducts", {"page": "1"})
    assert caught.value.error_message and "required" in caught.value.error_message
    assert caught.value.error_detail


def test_summary_answers_under_the_field_tables_names_are_read() -> None:
    """The document's field tables name the summary list keys ``order_summary`` /
    ``transaction_summary`` and three gateways ``debit`` / ``credit`` / ``loyalty_point``,
    where its sample answers say ``order_summaries`` / ``transaction_summaries`` and
    ``external_debit`` / ``external_credit`` / ``points``; either spelling is read alike."""
    item = {"order_date": "2023-01-02 07:00:00", "cash": 10.0, "debit": 20.0, "credit": 30.0}
    item |= {"loyalty_point": 40.0, "customs": [{"name": "OttoPay", "amount": 5.0}]}
    assert page_items({"transaction_summary": [item]}, "transaction_summaries") == [item]
    assert page_items({"order_summary": [item]}, "order_summaries") == [item]
    frame = transaction_summary_frame([item], time_zone=7)
    keys = frame["gateway"] + ":" + frame["name"].fillna("")
    amounts = dict(zip(keys, frame["amount"], strict=True))
    assert amounts == {
        "cash:": Decimal(10),
        "external_debit:": Decimal(20),
        "external_credit:": Decimal(30),
        "points:": Decimal(40),
        "custom:OttoPay": Decimal(5),
    }
    assert frame["day_start"].iloc[0] == pd.Timestamp("2023-01-02 00:00:00", tz="UTC")


def test_an_answer_wrapped_in_an_array_is_read(own: Any) -> None:
    """The document's GetOrders sample is a JSON array holding the answer object."""
    sandbox, make = own
    wrapped = [{"count": 0, "orders": [], "has_next_item": False, "error_message": None}]
    wrapped[0] |= {"status": True, "time": "00:00:00.0100000"}
    sandbox.inject_fault("GetOrders", status=200, body=wrapped, times=2)  # pages 0 and 1
    with make() as client:
        batch = client.get_orders(created_after=datetime(2026, 11, 19, tzinfo=UTC))
    assert batch.orders == []


def test_an_answer_without_status_is_read_as_the_document_s_sample_shows_it(own: Any) -> None:
    """The document's GetTransactions sample has `count` and `transactions` but no `status`:
    such an answer is a success; one without `status` but with an error message is not."""
    sandbox, make = own
    shifts = [{"register_shift_id": "shift-1"}]
    bare = {"count": 1, "register_shifts": shifts}
    sandbox.inject_fault("GetRegisterShifts", status=200, body=bare, times=2)  # pages 0 and 1
    with make() as client:
        assert client.get_register_shifts() == shifts
    failed = {"count": 0, "register_shifts": [], "error_message": "Invalid date."}
    sandbox.inject_fault("GetRegisterShifts", status=200, body=failed, times=2)
    with make() as client, pytest.raises(ISellerApiError, match="Invalid date"):
        client.get_register_shifts()
