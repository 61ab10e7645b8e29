"""The Jurnal emulator's store: key look-ups stay indexed and running totals stay exact.

Per-document work (uniqueness checks, name look-ups, numbering, balances) must not grow with
the number of stored documents, so the look-ups are checked against SQLite's query plans and
the running totals against a recomputation from the stored documents and the ledger.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox, signed
from journal_sandbox.jurnal_store import JurnalStore, LedgerLine


def invoice(
    invoice_id: int, person_id: int | None, remaining: str, lines: list[tuple[int, Any]]
) -> dict[str, Any]:
    return {
        "id": invoice_id,
        "transaction_no": str(invoice_id),
        "person": None if person_id is None else {"id": person_id},
        "remaining": remaining,
        "transaction_lines_attributes": [
            {"id": invoice_id * 10 + i, "product": {"id": product_id}, "quantity": quantity}
            for i, (product_id, quantity) in enumerate(lines)
        ],
    }


def recomputed(store: JurnalStore) -> tuple[dict, dict, dict]:
    """(ledger totals, invoice balances, quantities sold) computed from scratch."""
    ledger: dict[int, tuple[Decimal, Decimal]] = {}
    for entry in store.ledger_entries():
        debit, credit = ledger.get(entry["account_id"], (Decimal(0), Decimal(0)))
        ledger[entry["account_id"]] = (debit + entry["debit"], credit + entry["credit"])
    balances: dict[int, Decimal] = {}
    sold: dict[int, Decimal] = {}
    for doc in store.all("sales_invoice"):
        person_id = (doc.get("person") or {}).get("id")
        if person_id is not None:
            balances[person_id] = balances.get(person_id, Decimal(0)) + Decimal(
                doc.get("remaining") or 0
            )
        for line in doc["transaction_lines_attributes"]:
            product_id = line["product"]["id"]
            sold[product_id] = sold.get(product_id, Decimal(0)) + Decimal(str(line["quantity"]))
    return ledger, balances, sold


def assert_totals_exact(store: JurnalStore) -> None:
    ledger, balances, sold = recomputed(store)
    assert store.ledger_totals() == ledger
    assert store.invoice_balances() == balances
    assert store.quantities_sold() == sold
    for person_id, balance in balances.items():
        assert store.invoice_balances(person_id) == {person_id: balance}
    for product_id, quantity in sold.items():
        assert store.quantities_sold(product_id) == {product_id: quantity}


@pytest.mark.parametrize(
    ("kind", "column"),
    [
        ("sales_invoice", "custom_id"),
        ("sales_invoice", "transaction_no"),
        ("account", "name"),
        ("product", "code"),
    ],
)
def test_key_look_ups_search_their_index(tmp_path: Path, kind: str, column: str) -> None:
    """The first record with a key is found through the key's index, not by walking every
    record of the kind in id order."""
    store = JurnalStore(tmp_path)
    with store.transaction():
        for record_id in range(1, 400):
            store.insert(
                kind,
                {"id": record_id},
                name=f"name {record_id}",
                code=f"C{record_id}",
                custom_id=f"X{record_id}",
                transaction_no=str(record_id),
            )
    store.close()
    key_column = "name_key" if column == "name" else column
    with sqlite3.connect(tmp_path / "jurnal.sqlite3") as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.execute(
                "EXPLAIN QUERY PLAN SELECT doc FROM records "
                f"WHERE kind = ? AND {key_column} = ? ORDER BY id LIMIT 1",
                (kind, "x"),
            )
        )
    assert f"{key_column}=?" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    reopened = JurnalStore(tmp_path)
    value = {"name": "NAME  123", "code": "C123", "custom_id": "X123", "transaction_no": "123"}
    assert reopened.find(kind, **{column: value[column]}) == {"id": 123}
    reopened.close()


def test_running_totals_follow_every_write(tmp_path: Path) -> None:
    store = JurnalStore(tmp_path)
    store.insert("sales_invoice", invoice(1, 7, "100.50", [(50, 2), (51, "1.5"), (50, 1)]))
    store.insert("sales_invoice", invoice(2, 7, "20", [(51, 3)]))
    store.insert("sales_invoice", invoice(3, None, "5", [(52, 0)]))
    store.insert("sales_invoice", invoice(4, 8, "0.0", []))
    assert_totals_exact(store)
    assert store.quantities_sold(52) == {52: Decimal(0)}  # on a line, even of nothing
    assert store.invoice_balances(8) == {8: Decimal(0)}  # has an invoice, fully paid

    store.update("sales_invoice", invoice(1, 9, "40", [(53, 4)]))  # rewritten
    store.update("sales_invoice", invoice(99, 9, "1", [(53, 1)]))  # not stored: no effect
    assert_totals_exact(store)
    assert 50 not in store.quantities_sold()
    store.delete("sales_invoice", 2)
    store.delete("sales_invoice", 2)
    assert_totals_exact(store)
    assert store.invoice_balances(7) == {}

    store.post(
        "sales_invoice",
        3,
        "3",
        "2026-11-01",
        [
            LedgerLine(1, debit=Decimal("5")),
            LedgerLine(2, credit=Decimal("5")),
            LedgerLine(3),  # zero lines are not posted
        ],
    )
    store.post(
        "receive_payment",
        5,
        "5",
        "2026-11-02",
        [
            LedgerLine(4, debit=Decimal("5.25")),
            LedgerLine(1, credit=Decimal("5.25")),
        ],
    )
    assert_totals_exact(store)
    assert 3 not in store.ledger_totals()
    store.unpost("sales_invoice", 3)
    assert_totals_exact(store)
    assert 2 not in store.ledger_totals()
    with pytest.raises(ValueError), store.transaction():
        store.post("x", 1, None, None, [LedgerLine(6, debit=Decimal(1))])
    with pytest.raises(RuntimeError), store.transaction():
        store.insert("sales_invoice", invoice(10, 7, "1", [(50, 1)]))
        raise RuntimeError("rolled back")
    assert_totals_exact(store)
    assert store.get("sales_invoice", 10) is None
    store.close()


def test_state_without_running_totals_gets_them_on_open(tmp_path: Path) -> None:
    store = JurnalStore(tmp_path)
    store.insert("sales_invoice", invoice(1, 7, "12.5", [(50, 2)]), transaction_no="1")
    store.post(
        "sales_invoice",
        1,
        "1",
        "2026-11-01",
        [
            LedgerLine(1, debit=Decimal("12.5")),
            LedgerLine(2, credit=Decimal("12.5")),
        ],
    )
    store.close()
    with sqlite3.connect(tmp_path / "jurnal.sqlite3") as conn:
        for table in ("account_totals", "invoice_person_totals", "invoice_product_totals"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("DELETE FROM meta WHERE key = 'totals_version'")
        conn.execute("CREATE INDEX records_custom_id ON records (kind, custom_id)")
    reopened = JurnalStore(tmp_path)
    assert reopened.ledger_totals() == {
        1: (Decimal("12.5"), Decimal(0)),
        2: (Decimal(0), Decimal("12.5")),
    }
    assert reopened.invoice_balances() == {7: Decimal("12.5")}
    assert reopened.quantities_sold() == {50: Decimal(2)}
    assert reopened.find("sales_invoice", transaction_no="1")["id"] == 1
    reopened.close()


def test_running_totals_match_the_documents_after_a_day_over_http(tmp_path: Path) -> None:
    from journal_pipeline_tests.sandbox.test_jurnal_ledger import run_scenario

    with running_jurnal_sandbox(tmp_path / "j", rate_limit_per_minute=100000) as handle:
        scenario = run_scenario(handle)
        assert_totals_exact(handle.sandbox.store)
        for path in (
            f"sales_returns/{scenario['sales_return']['id']}",
            f"receive_payments/{scenario['payment']['id']}",
            f"sales_invoices/{scenario['credit']['id']}",
        ):
            assert signed("DELETE", f"{handle.url}/{path}").status_code == 204, path
        assert_totals_exact(handle.sandbox.store)


def test_a_savepoint_undoes_only_its_own_writes(tmp_path: Path) -> None:
    """A batch is one transaction and each item a savepoint: a refused item leaves nothing
    behind and the items accepted before it stay."""
    store = JurnalStore(tmp_path)
    try:
        with store.transaction():
            store.insert("tag", {"id": 1, "name": "kept"}, name="kept")
            with pytest.raises(RuntimeError), store.savepoint():
                store.insert("tag", {"id": 2, "name": "refused"}, name="refused")
                raise RuntimeError("refused item")
            with store.savepoint():
                store.insert("tag", {"id": 3, "name": "after"}, name="after")
        assert [doc["name"] for doc in store.all("tag")] == ["kept", "after"]
        with pytest.raises(RuntimeError), store.transaction():  # the outer one still all or none
            store.insert("tag", {"id": 4, "name": "gone"}, name="gone")
            with store.savepoint():
                store.insert("tag", {"id": 5, "name": "gone too"}, name="gone too")
            raise RuntimeError("whole batch")
        assert [doc["name"] for doc in store.all("tag")] == ["kept", "after"]
    finally:
        store.close()
