"""Paged reads against servers of every page base the document leaves possible (I-7): the base
is learnt once and remembered, no item is lost or read twice, repeated items are kept once."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from journal_pipeline.iseller.errors import ISellerApiError, ISellerHttpError
from journal_pipeline.iseller.paging import PageBases, iter_pages, page_items

#: How a server answers page 0: ``first`` (0-based), ``refuse`` (1-based, status:false),
#: ``as_one`` (1-based, 0 read as 1), ``empty`` (1-based, page 0 before the start: no items).
ZERO_ANSWERS = ("first", "refuse", "as_one", "empty")


class Server:
    """A paged list: ``call(endpoint, data, version=...)`` as the client's, counting pages."""

    def __init__(
        self,
        count: int,
        zero: str = "first",
        *,
        list_key: str = "orders",
        id_key: str = "order_id",
        repeat: int = 0,
        flag: bool = True,
        cap: int | None = None,
    ):
        self.items = [{id_key: f"id-{n:03d}", "n": n} for n in range(count)]
        self.zero = zero
        self.list_key = list_key
        self.repeat = repeat  # each page also shows the last `repeat` items of the page before
        self.flag = flag  # answers carry has_next_item (GetOrders documents it, the rest not)
        self.cap = cap  # the most items a page holds, whatever page_size asks
        self.pages: list[int] = []

    def __call__(self, endpoint: str, data: dict[str, str], *, version: str = "v2") -> Any:
        page, size = int(data["page"]), int(data["page_size"])
        size = min(size, self.cap or size)
        self.pages.append(page)
        if page == 0 and self.zero == "refuse":
            raise ISellerApiError("Invalid page '0'.", "page must be >= 1.", endpoint)
        index = page if self.zero == "first" else page - 1  # index 0: the first page
        if page == 0 and self.zero == "as_one":
            index = 0
        shown: list[dict[str, Any]] = []
        if index >= 0:
            start = index * size
            shown = self.items[max(0, start - self.repeat) : start + size]
        answer = {self.list_key: shown, "count": len(shown), "status": True}
        if self.flag:
            answer["has_next_item"] = index >= 0 and (index + 1) * size < len(self.items)
        return answer


def read(
    server: Server, bases: PageBases, page_size: int = 5, list_key: str | None = None
) -> list[dict[str, Any]]:
    key = list_key or server.list_key
    pages = iter_pages(server, "GetOrders", {}, list_key=key, page_size=page_size, bases=bases)
    return [item for payload in pages for item in page_items(payload, key)]


@pytest.mark.parametrize("zero", ZERO_ANSWERS)
@pytest.mark.parametrize("count", [0, 1, 4, 5, 6, 10, 23])
def test_every_item_once_whatever_the_base(zero: str, count: int) -> None:
    server = Server(count, zero)
    bases = PageBases()
    assert read(server, bases) == server.items
    pages = max(1, -(-count // 5))
    base = 0 if zero == "first" else 1
    if count == 0 and zero != "refuse":
        assert server.pages == [0, 1]  # two empty pages tell nothing: nothing learnt
        assert bases.get("v2/GetOrders") is None
        return
    assert bases.get("v2/GetOrders") == base
    # the first read asks pages 0 and 1, then goes on from page 2
    assert server.pages == [0, *range(1, max(pages + base, 2))]
    assert len(server.pages) <= pages + 1  # learning the base costs one request at most
    server.pages.clear()
    assert read(server, bases) == server.items  # remembered: no probe
    assert server.pages == list(range(base, base + pages))


@pytest.mark.parametrize("zero", ZERO_ANSWERS)
@pytest.mark.parametrize("page_size", [3, 5, 7])
def test_an_item_repeated_on_two_pages_is_read_once(zero: str, page_size: int) -> None:
    server = Server(23, zero, repeat=2)  # every page starts with the last 2 of the one before
    assert read(server, PageBases(), page_size=page_size) == server.items


def test_items_without_a_known_id_are_told_apart_by_content() -> None:
    server = Server(12, "first", list_key="things", id_key="code", repeat=1)
    assert read(server, PageBases(), page_size=4) == server.items


def test_a_server_ignoring_page_stops_the_read(caplog: pytest.LogCaptureFixture) -> None:
    def same_page(endpoint: str, data: dict[str, str], *, version: str = "v2") -> Any:
        return {"orders": [{"order_id": "a"}, {"order_id": "b"}], "has_next_item": True}

    pages = list(iter_pages(same_page, "GetOrders", list_key="orders", bases=PageBases()))
    assert [o["order_id"] for p in pages for o in p["orders"]] == ["a", "b"]
    assert "ignores page" in caplog.text


def test_a_refused_read_teaches_nothing() -> None:
    def refused(endpoint: str, data: dict[str, str], *, version: str = "v2") -> Any:
        raise ISellerApiError("created_after is required.", None, endpoint)

    bases = PageBases()
    with pytest.raises(ISellerApiError, match="created_after"):
        list(iter_pages(refused, "GetOrders", list_key="orders", bases=bases))
    assert bases.get("v2/GetOrders") is None


@pytest.mark.parametrize("zero", ["first", "refuse"])
def test_the_base_is_shared_per_store_credential_and_endpoint(
    zero: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="journal_pipeline.iseller.client")
    server = Server(12, zero)
    base = 0 if zero == "first" else 1
    store = ("https://store.example", "client-a")
    read(server, PageBases(lambda: store))
    assert server.pages[0] == 0
    server.pages.clear()
    read(server, PageBases(lambda: store))  # another client, same store and credential
    assert server.pages == [base, base + 1, base + 2]
    for other in (("https://store.example", "client-b"), ("https://other.example", "client-a")):
        server.pages.clear()
        read(server, PageBases(lambda other=other: other))
        assert server.pages[0] == 0  # learnt again
    server.pages.clear()
    list(iter_pages(server, "GetTransactions", list_key="orders", bases=PageBases(lambda: store)))
    assert server.pages[0] == 0  # another endpoint: learnt on its own
    found = [r.getMessage() for r in caplog.records if "pages are" in r.getMessage()]
    how = "page 0 differs from page 1" if base == 0 else "page 0 refused"
    assert found[0] == f"iSeller v2/GetOrders pages are {base}-based ({how})"
    assert len(found) == 4  # once per store, credential and endpoint
    assert all(f"pages are {base}-based" in message for message in found)


def test_an_item_twice_on_one_page_is_kept_once_when_the_same_and_twice_when_not() -> None:
    same, other = {"order_id": "a", "n": 1}, {"order_id": "a", "n": 2}

    def page(endpoint: str, data: dict[str, str], *, version: str = "v2") -> Any:
        items = [same, dict(same), other, {"order_id": "b"}] if data["page"] == "1" else []
        return {"orders": items, "has_next_item": False}

    bases = PageBases()
    bases.learn("v2/GetOrders", 1, "test")
    pages = iter_pages(page, "GetOrders", {}, list_key="orders", bases=bases)
    items = [item for payload in pages for item in page_items(payload, "orders")]
    assert items == [same, other, {"order_id": "b"}]  # the caller decides which "a" is true


def test_a_page_that_is_not_json_names_the_endpoint_and_the_page() -> None:
    def answer(endpoint: str, data: dict[str, str], *, version: str = "v2") -> Any:
        if data["page"] == "2":
            raise ISellerHttpError(
                "iSeller GetOrders answered HTTP 200 with a body that is not JSON",
                endpoint=endpoint,
                status_code=200,
            )
        return {"orders": [{"order_id": f"p{data['page']}"}], "has_next_item": True}

    bases = PageBases()
    bases.learn("v2/GetOrders", 1, "test")
    with pytest.raises(ISellerHttpError) as raised:
        list(iter_pages(answer, "GetOrders", {}, list_key="orders", bases=bases))
    assert "GetOrders" in str(raised.value) and "on page 2" in str(raised.value)
    assert "retried" in str(raised.value)
    assert raised.value.status_code == 200


# -- answers without has_next_item, list keys --------------------------------------------------


@pytest.mark.parametrize("zero", ZERO_ANSWERS)
@pytest.mark.parametrize("count", [0, 1, 4, 5, 6, 10, 23])
def test_without_has_next_item_pages_are_read_until_one_is_empty(zero: str, count: int) -> None:
    """Only GetOrders documents ``has_next_item``: an answer without it ends the read at a page
    without items, one more request than the items fill."""
    server = Server(count, zero, flag=False)
    bases = PageBases()
    assert read(server, bases) == server.items
    if count == 0 and zero != "refuse":
        return  # nothing learnt (test_every_item_once_whatever_the_base)
    base = 0 if zero == "first" else 1
    server.pages.clear()
    assert read(server, bases) == server.items  # the base known: no probe
    filled = -(-count // 5)
    assert server.pages == list(range(base, base + filled + 1))


@pytest.mark.parametrize("zero", ZERO_ANSWERS)
def test_a_service_serving_fewer_items_a_page_than_asked_loses_none(zero: str) -> None:
    # asked 5 a page, it serves 3: a short page does not mean the list has ended
    server = Server(23, zero, flag=False, cap=3)
    assert read(server, PageBases()) == server.items


def test_has_next_item_when_given_ends_the_read_whatever_the_page_s_size() -> None:
    def answer(endpoint: str, data: dict[str, str], *, version: str = "v2") -> Any:
        page = int(data["page"])
        items = [{"order_id": f"{page}-{n}"} for n in range(2 if page == 2 else 5)]
        return {"orders": items, "has_next_item": page < 3, "status": True}

    bases = PageBases()
    bases.learn("v2/GetOrders", 1, "test")
    pages = list(iter_pages(answer, "GetOrders", {}, list_key="orders", bases=bases, page_size=5))
    # page 2 is short but says there is more; page 3 is full but says it is the last
    assert [len(p["orders"]) for p in pages] == [5, 2, 5]


@pytest.mark.parametrize(
    ("list_key", "spelt"),
    [
        ("transfers", "Transfers"),
        ("register_shifts", "Register_Shifts"),
        ("Outlets", "OUTLETS"),
        ("order_summaries", "Order_Summary"),  # an alias, in another case
        ("inventory_adjustments", "inventory_adjustments"),
    ],
)
def test_a_list_key_is_found_in_any_case(list_key: str, spelt: str) -> None:
    items = [{"id": n} for n in range(3)]
    assert page_items({spelt: items, "count": 3, "status": True}, list_key) == items
    server = Server(12, "refuse", list_key=spelt, id_key="transfer_id", repeat=2, flag=False)
    assert read(server, PageBases(), page_size=4, list_key=list_key) == server.items


@pytest.mark.parametrize(
    "answer",
    [
        {"shifts": [{"register_shift_id": "a"}], "count": 1, "status": True},
        {"shifts": [], "count": 0, "has_next_item": False, "status": True},
        {"count": 3, "status": True},  # counted, yet no list
        {"register_shifts": {"register_shift_id": "a"}, "count": 1, "status": True},
    ],
)
def test_an_answer_without_its_list_but_with_another_or_a_count_fails(
    answer: dict[str, Any],
) -> None:
    def call(endpoint: str, data: dict[str, str], *, version: str = "v2") -> Any:
        return answer

    with pytest.raises(ISellerApiError) as raised:
        list(iter_pages(call, "GetRegisterShifts", list_key="register_shifts", bases=PageBases()))
    text = str(raised.value)
    assert raised.value.endpoint == "GetRegisterShifts"
    assert "'register_shifts'" in text and "keys found: " in text
    for key in answer:
        assert key in text
    if "shifts" in answer:
        assert "shifts (a list)" in text


@pytest.mark.parametrize(
    "answer",
    [
        {"status": True},
        {"count": 0, "status": True, "error_message": None},
        {"register_shifts": None, "count": 0, "status": True},
        {"orders": None, "refunded_orders": [], "count": 0, "status": True},
    ],
)
def test_an_answer_without_a_list_and_nothing_counted_reads_as_empty(
    answer: dict[str, Any],
) -> None:
    key = "orders" if "orders" in answer else "register_shifts"
    assert page_items(answer, key) == []

    def call(endpoint: str, data: dict[str, str], *, version: str = "v2") -> Any:
        return answer

    pages = list(iter_pages(call, "GetRegisterShifts", list_key=key, bases=PageBases()))
    assert [page_items(page, key) for page in pages] == [[]]
