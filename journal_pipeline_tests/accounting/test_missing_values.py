"""Orders with a missing customer, variant, SKU, product name or payment method: the payload
text leaves the missing part out, whether the source said null or pandas said NaN."""

import json
import math
import re
from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.documents import SALES_INVOICE, Document
from journal_pipeline.config import load_config
from journal_pipeline.core.orders import OrderFrames
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline.sync.master_data import wanted_products
from journal_pipeline_tests.accounting.orders import restaurant_order, retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)
MISSING = pytest.mark.parametrize("missing", [None, math.nan], ids=["None", "NaN"])
DIRTY = re.compile(r"\b(nan|none)\b", re.IGNORECASE)


def _pandas_made(frames: OrderFrames) -> OrderFrames:
    """The same frames rebuilt the way pandas builds them by default: inferred dtypes, so a
    missing text is NaN (the str dtype of pandas 3); `OrderFrames` must clean them."""
    return OrderFrames(
        *(
            pd.DataFrame(frame.to_dict("records"))
            for frame in (frames.orders, frames.lines, frames.payments)
        )
    )


def _documents(orders: list[dict], *, pandas_made: bool = False):
    frames = order_frames(orders)
    if pandas_made:
        frames = _pandas_made(frames)
    sales = posting_rules.sales_of_day(frames, CONFIG, DAY)
    return invoices.sales_invoices(sales, CONFIG), posting_rules.journal_lines(sales, CONFIG)


def _invoice(order: dict, *, pandas_made: bool = False) -> dict:
    (documents, holds), _ = _documents([order], pandas_made=pandas_made)
    assert holds == []
    invoice = documents[0]
    assert invoice.doc_type == SALES_INVOICE
    _assert_clean(invoice.payload)
    return invoice.payload[SALES_INVOICE]


def _assert_clean(payload: dict) -> None:
    text = json.dumps(payload, default=str)  # a NaN number would be written as NaN
    assert not DIRTY.search(text), text


@MISSING
@pytest.mark.parametrize("pandas_made", [False, True], ids=["adapter", "pandas-made"])
def test_an_order_without_customer_has_no_customer_in_its_memo(missing, pandas_made):
    order = retail_order()
    order["customer_first_name"] = missing
    order["customer_last_name"] = missing
    body = _invoice(order, pandas_made=pandas_made)
    assert body["memo"] == "iSeller order #JKT-000101, outlet JKT"
    assert body["person_name"] == "Pelanggan Umum"  # the config's walk-in customer, as before


def test_an_order_with_a_customer_names_them_in_its_memo():
    order = restaurant_order()
    order["customer_last_name"] = math.nan
    body = _invoice(order, pandas_made=True)
    assert body["memo"] == "iSeller order #DPS-000042, outlet DPS, customer Made"
    assert body["person_name"] == "Pelanggan Umum"


@MISSING
@pytest.mark.parametrize("pandas_made", [False, True], ids=["adapter", "pandas-made"])
def test_a_line_without_variant_reads_just_the_product_name(missing, pandas_made):
    order = retail_order()
    order["order_details"][0]["product_variant_name"] = "Large"
    order["order_details"][1]["product_variant_name"] = missing
    kopi, teh, _ = _invoice(order, pandas_made=pandas_made)["transaction_lines_attributes"]
    assert kopi["description"] == "Kopi Arabika 250g (Large)"
    assert teh["description"] == "Teh Melati"


@MISSING
@pytest.mark.parametrize("pandas_made", [False, True], ids=["adapter", "pandas-made"])
def test_a_line_without_sku_names_its_product_by_name(missing, pandas_made):
    order = retail_order()
    order["order_details"][1]["sku"] = missing
    body = _invoice(order, pandas_made=pandas_made)
    teh = body["transaction_lines_attributes"][1]
    assert teh == {
        "product_name": "Teh Melati",
        "description": "Teh Melati",
        "quantity": 1,
        "rate": 25_000,
        "line_tax_name": "PPN",
    }
    # and the product is wanted by that name, with the code made from it (Jurnal requires one)
    wanted = {p["name"]: p for p in wanted_products([body], CONFIG)}
    assert wanted["Teh Melati"] == {
        "name": "Teh Melati",
        "product_code": "NOSKU-TEH-MELATI",
        "is_sold": True,
        "is_bought": False,
        "sell_price_per_unit": 25_000,
        "track_inventory": False,
        "unit_name": "Pcs",
        "sell_account_name": "Penjualan",
    }
    assert wanted["Kopi Arabika 250g"]["product_code"] == "KOP-001"


@MISSING
def test_a_line_without_product_name_is_described_by_its_sku(missing):
    order = retail_order()
    order["order_details"][0]["product_name"] = missing
    order["order_details"][0]["product_variant_name"] = "Large"
    order["order_details"][1]["product_name"] = missing
    kopi, teh, _ = _invoice(order, pandas_made=True)["transaction_lines_attributes"]
    assert (kopi["product_code"], kopi["description"]) == ("KOP-001", "KOP-001 (Large)")
    assert (teh["product_code"], teh["description"]) == ("TEH-002", "TEH-002")
    assert "product_name" not in kopi


@MISSING
def test_a_line_with_neither_sku_nor_name_is_held(missing):
    order = retail_order()
    order["order_details"][1]["sku"] = missing
    order["order_details"][1]["product_name"] = missing
    (documents, holds), _ = _documents([order], pandas_made=True)
    assert documents == []
    (hold,) = holds
    assert hold.reason == (
        "Order #JKT-000101 (outlet JKT, 2026-11-20): line 2 has neither a SKU nor a product "
        "name, so Jurnal cannot tell which product it is. Name the product (or give it a SKU) "
        "in iSeller."
    )


@MISSING
def test_a_free_item_without_name_is_named_by_its_sku(missing):
    order = retail_order()
    free = dict(order["order_details"][1])
    free.update(
        order_detail_id="d9",
        sku="BAG-000",
        product_name=missing,
        product_variant_name=missing,
        base_price=Decimal(0),
        total_order_amount=Decimal(0),
        discount_order_amount=Decimal(0),
        subtotal=Decimal(0),
        tax_amount=Decimal(0),
        cogs=[],
    )
    order["order_details"].append(free)
    body = _invoice(order, pandas_made=True)
    assert body["memo"] == "iSeller order #JKT-000101, outlet JKT; free of charge: 1 × BAG-000"


@MISSING
def test_a_split_payment_without_method_name_is_named_by_its_gateway(missing):
    order = retail_order()
    pay = dict(order["transactions"][0])
    order["transactions"][0]["amount"] = Decimal("100000")
    order["transactions"].append(
        {
            **pay,
            "transaction_id": "t9",
            "transaction_date": "2026-11-20 03:16:00",
            "payment_type_name": missing,
            "gateway": "QRIS",
            "amount": Decimal("87702"),
        }
    )
    (documents, holds), (lines, line_holds) = _documents([order], pandas_made=True)
    assert holds == [] and line_holds == []
    invoice, payment = documents
    _assert_clean(invoice.payload)
    assert payment.payload["receive_payment"] == {
        "transaction_date": "2026-11-20",
        "transaction_no": "ISL/JKT-000101/P2",
        "custom_id": "t9",
        "payment_method_name": "QRIS",
        "deposit_to_name": "Kliring QRIS iSeller Pay",
        "records_attributes": [{"transaction_no": "ISL/JKT-000101", "amount": 87_702}],
        "memo": "iSeller payment QRIS of order #JKT-000101",
    }
    qris = lines[lines["account_name"] == "Kliring QRIS iSeller Pay"]
    assert qris[["account_role", "description"]].values.tolist() == [
        ["payment:QRIS", "QRIS payment"]
    ]


@MISSING
def test_journal_lines_name_items_without_nan(missing):
    order = retail_order()
    order["order_details"][0]["product_name"] = missing
    order["order_details"][1]["sku"] = missing
    _, (lines, holds) = _documents([order], pandas_made=True)
    assert holds == []
    sales = lines.loc[lines["account_role"] == "sales", "description"].tolist()
    assert sales == ["2 × KOP-001", "1 × Teh Melati"]
    assert not any(DIRTY.search(str(text)) for text in lines["description"])


def test_a_document_refuses_a_nan_number():
    with pytest.raises(ValueError, match=r"product_code: nan"):
        Document(
            doc_key="sales_invoice:x",
            doc_type=SALES_INVOICE,
            business_date=DAY,
            outlet_code="JKT",
            source_id="x",
            source_reference="#X",
            transaction_no="ISL/X",
            custom_id="x",
            expected_total=1,
            payload={SALES_INVOICE: {"transaction_lines_attributes": [{"product_code": math.nan}]}},
        )


def _fields() -> dict[str, object]:
    return {
        "doc_key": "sales_invoice:x",
        "doc_type": SALES_INVOICE,
        "business_date": DAY,
        "outlet_code": "JKT",
        "source_id": "x",
        "source_reference": "#X",
        "transaction_no": "ISL/X",
        "custom_id": "x",
        "expected_total": 1,
        "payload": {SALES_INVOICE: {"transaction_lines_attributes": [{"product_code": "A"}]}},
    }


def test_a_document_of_checked_fields_is_the_document_its_fields_make():
    checked = Document.of_checked_fields(_fields())
    assert checked == Document(**_fields())  # type: ignore[arg-type]
    with pytest.raises(FrozenInstanceError):
        checked.doc_key = "changed"  # type: ignore[misc]


def test_a_document_of_checked_fields_needs_every_field():
    fields = _fields()
    del fields["custom_id"]
    with pytest.raises(TypeError, match="not those of a Document"):
        Document.of_checked_fields(fields)
    with pytest.raises(TypeError, match="not those of a Document"):
        Document.of_checked_fields({**_fields(), "extra": 1})
