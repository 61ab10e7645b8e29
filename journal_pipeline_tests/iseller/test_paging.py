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
    ):
        self.items = [{id_key: f"id-{n:03d}", "n": n} for n in range(count)]
        self.zero = zero
        self.list_key = list_key
        self.repeat = repeat  # each page also shows the last `repeat` items of the page before
        self.pages: list[int] = []

    def __call__(self, endpoint: str, data: dict[str, str], *, version: str = "v2") -> Any:
        page, size = int(data["page"]), int(data["page_size"])
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
        return {
            self.list_key: shown,
            "count": len(shown),
            "has_next_item": index >= 0 and (index + 1) * size < len(self.items),
            "status": True,
        }


def read(server: Server, bases: PageBases, page_size: int = 5) -> list[dict[str, Any]]:
    pages = iter_pages(
        server, "GetOrders", {}, list_key=server.list_key, page_size=page_size, bases=bases
    )
    return [item for payload in pages for item in page_items(payload, server.list_key)]


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
