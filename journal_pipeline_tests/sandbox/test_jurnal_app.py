"""The Jurnal emulator over real HTTP: auth, rate limits, invoices, lists, ledger, restarts.

Requests here are signed by hand (hmac/hashlib) so the emulator is checked independently of
the client. Tests that need exact counters or ledgers start a private sandbox.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
    signed,
    unique,
)
from journal_sandbox.jurnal_app import (
    ACCOUNT_CASH,
    ACCOUNT_PB1_PAYABLE,
    ACCOUNT_PREPAID_PPH23,
    ACCOUNT_QRIS_CLEARING,
    ACCOUNT_RECEIVABLE,
    ACCOUNT_SALES,
    ACCOUNT_SALES_DISCOUNT,
    ACCOUNT_SERVICE_CHARGE_INCOME,
    ACCOUNT_VAT_OUT,
    CUSTOMER_WALK_IN,
    PRODUCT_SERVICE_CHARGE,
    TAX_PB1,
    TAX_PPN,
    TERM_COD,
    WAREHOUSE_BALI,
    WAREHOUSE_BALI_CODE,
    WAREHOUSE_JAKARTA,
    WAREHOUSE_JAKARTA_CODE,
)

RATE_HEADERS = (
    "x-ratelimit-limit-minute",
    "x-ratelimit-remaining-minute",
    "x-ratelimit-limit-hour",
    "x-ratelimit-remaining-hour",
)


def create_invoice(base: str, **overrides: Any) -> requests.Response:
    return signed("POST", f"{base}/sales_invoices", {"sales_invoice": invoice_body(**overrides)})


@pytest.fixture(scope="module")
def dish(jurnal_sandbox: JurnalSandboxHandle) -> dict[str, Any]:
    """A sold product (sell account Penjualan) for the arithmetic examples."""
    name = unique("Nasi Goreng")
    response = signed(
        "POST",
        f"{jurnal_sandbox.url}/products",
        {"product": {"name": name, "product_code": unique("SKU"), "sell_price_per_unit": 50000}},
    )
    assert response.status_code == 201, response.text
    return response.json()["product"]


@pytest.fixture
def fresh(tmp_path: Path):
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


# --- authentication ---------------------------------------------------------------------


def test_signed_request_is_accepted_with_rate_limit_headers(
    jurnal_sandbox: JurnalSandboxHandle,
) -> None:
    response = signed("GET", f"{jurnal_sandbox.url}/accounts")
    assert response.status_code == 200
    for name in RATE_HEADERS:
        assert name in response.headers
    assert response.headers["x-ratelimit-limit-minute"] == "30"
    assert response.headers["x-ratelimit-limit-hour"] == "1800"


SKEWED = (
    "HMAC signature cannot be verified, the date header is more than 300 seconds off the server "
    "clock"
)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"secret": "not-the-secret"}, "HMAC signature does not match"),
        ({"client_id": "someone-else"}, "HMAC signature cannot be verified, unknown client id"),
        ({"date_offset": -301}, SKEWED),
        ({"date_offset": 301}, SKEWED),
    ],
    ids=["bad-signature", "unknown-user", "date-301s-behind", "date-301s-ahead"],
)
def test_refused_signatures_get_401(
    jurnal_sandbox: JurnalSandboxHandle,
    kwargs: dict[str, Any],
    message: str,
) -> None:
    response = signed("GET", f"{jurnal_sandbox.url}/accounts", **kwargs)
    assert response.status_code == 401
    assert response.json() == {"message": message}  # J-47: says what failed


def test_date_within_the_skew_is_accepted(jurnal_sandbox: JurnalSandboxHandle) -> None:
    assert signed("GET", f"{jurnal_sandbox.url}/accounts", date_offset=-290).status_code == 200
    assert signed("GET", f"{jurnal_sandbox.url}/accounts", date_offset=290).status_code == 200
    garbled = signed("GET", f"{jurnal_sandbox.url}/accounts", date="yesterday")
    assert garbled.status_code == 401


def test_no_credentials_get_401(jurnal_sandbox: JurnalSandboxHandle) -> None:
    response = requests.get(f"{jurnal_sandbox.url}/accounts", timeout=10)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_query_string_is_part_of_the_signature(jurnal_sandbox: JurnalSandboxHandle) -> None:
    url = f"{jurnal_sandbox.url}/warehouses?page=2&page_size=1"
    signed_path = urlsplit(jurnal_sandbox.url).path + "/warehouses?page=1&page_size=1"
    assert signed("GET", url, signed_path=signed_path).status_code == 401
    without_query = urlsplit(jurnal_sandbox.url).path + "/warehouses"
    assert signed("GET", url, signed_path=without_query).status_code == 401
    response = signed("GET", url)
    assert response.status_code == 200
    assert response.json()["current_page"] == 2


def test_digest_header_must_match_the_body(
    jurnal_sandbox: JurnalSandboxHandle,
) -> None:
    body = {"sales_invoice": invoice_body()}
    raw = json.dumps(body).encode()
    good = "SHA-256=" + base64.b64encode(hashlib.sha256(raw).digest()).decode()
    bad = "SHA-256=" + base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    url = f"{jurnal_sandbox.url}/sales_invoices"
    assert signed("POST", url, body, headers={"Digest": bad}).status_code == 401
    assert signed("POST", url, body, headers={"Digest": good}).status_code == 201


def test_legacy_api_key(jurnal_sandbox: JurnalSandboxHandle) -> None:
    ok = requests.get(
        f"{jurnal_sandbox.legacy_url}/accounts.json",
        headers={"apikey": jurnal_sandbox.api_key},
        timeout=10,
    )
    assert ok.status_code == 200
    assert ok.json()["total_count"] > 0
    assert "x-ratelimit-remaining-minute" in ok.headers
    wrong = requests.get(
        f"{jurnal_sandbox.legacy_url}/accounts", headers={"apikey": "wrong"}, timeout=10
    )
    assert wrong.status_code == 403
    assert wrong.json() == {"message": "Invalid authentication credentials"}


def test_unknown_paths(jurnal_sandbox: JurnalSandboxHandle) -> None:
    assert requests.get(f"{jurnal_sandbox.server.url}/elsewhere", timeout=10).status_code == 404
    assert signed("GET", f"{jurnal_sandbox.url}/no_such_resource").status_code == 404


# --- seed and reference lists -----------------------------------------------------------


def test_seeded_company(jurnal_sandbox: JurnalSandboxHandle) -> None:
    accounts = signed("GET", f"{jurnal_sandbox.url}/accounts").json()
    by_number = {a["number"]: a for a in accounts["accounts"]}
    assert accounts["total_count"] == len(accounts["accounts"])
    expected = {
        "1-10001": ("Kas", "Cash & Bank"),
        "1-10010": ("Kliring EDC", "Cash & Bank"),
        "1-10011": ("Kliring QRIS iSeller Pay", "Cash & Bank"),
        "1-10100": ("Piutang Usaha", "Accounts Receivable (A/R)"),
        "1-10200": ("Persediaan Barang", "Inventory"),
        "2-20500": ("PPN Keluaran", "Other Current Liabilities"),
        "2-20501": ("Hutang Pajak Restoran (PB1)", "Other Current Liabilities"),
        "4-40100": ("Diskon Penjualan", "Income"),
        "4-40300": ("Pendapatan Service Charge", "Income"),
        "5-50000": ("Beban Pokok Pendapatan", "Cost of Sales"),
        "7-70099": ("Pendapatan Lain-lain", "Other Income"),
        "8-80999": ("Beban Lain-lain", "Other Expense"),
    }
    for number, (name, category) in expected.items():
        assert (by_number[number]["name"], by_number[number]["category"]) == (name, category)

    warehouses = signed("GET", f"{jurnal_sandbox.url}/warehouses").json()
    assert {(w["name"], w["code"]) for w in warehouses["warehouses"]} >= {
        (WAREHOUSE_JAKARTA, WAREHOUSE_JAKARTA_CODE),
        (WAREHOUSE_BALI, WAREHOUSE_BALI_CODE),
    }
    taxes = signed("GET", f"{jurnal_sandbox.url}/taxes").json()["company_taxes"]
    assert {(t["name"], t["rate"], t["sell_tax_account"]["name"]) for t in taxes} == {
        (TAX_PPN, "11.0", ACCOUNT_VAT_OUT),
        (TAX_PB1, "10.0", ACCOUNT_PB1_PAYABLE),
    }
    company = signed("GET", f"{jurnal_sandbox.url}/companies/active").json()
    assert company["company"]["name"]
    assert company["default_accounts"]["sale_discount_account"]["name"] == ACCOUNT_SALES_DISCOUNT


# --- sales invoices: arithmetic and shape -----------------------------------------------


def test_invoice_ppn_exclusive_worked_example(
    jurnal_sandbox: JurnalSandboxHandle,
    dish: dict[str, Any],
) -> None:
    # 2 × 50,000 with a 10% line discount = 90,000; PPN 11% on top = 9,900; total 99,900.
    custom_id = unique("ORD")
    response = create_invoice(
        jurnal_sandbox.url,
        custom_id=custom_id,
        transaction_date="20-11-2026",
        tags=["Outlet Kemang"],
        transaction_lines_attributes=[
            {
                "product_name": dish["name"],
                "quantity": 2,
                "rate": 50000,
                "discount": 10,
                "line_tax_name": TAX_PPN,
            }
        ],
    )
    assert response.status_code == 201, response.text
    invoice = response.json()["sales_invoice"]
    assert invoice["subtotal"] == "100000.0"  # quantity × rate, before line discounts
    assert invoice["discount_per_lines"] == "10000.0"
    assert invoice["transaction_lines_attributes"][0]["amount"] == "90000.0"
    assert invoice["discount_price"] == "0.0"
    assert invoice["tax_amount"] == "9900.0"
    assert invoice["original_amount"] == "99900.0"
    assert invoice["remaining"] == "99900.0"
    assert invoice["deposit"] == "0.0"
    assert invoice["original_amount_currency_format"] == "Rp.  99.900,00"
    assert invoice["transaction_status"] == {
        "id": 1,
        "name": "Open",
        "name_bahasa": "Belum Dibayar",
    }
    assert invoice["tax_details"] == [
        {"name": "PPN 11.0%", "tax_amount": 9900, "tax_amount_currency_format": "Rp.  9.900,00"}
    ]
    line = invoice["transaction_lines_attributes"][0]
    assert line["line_tax"]["name"] == TAX_PPN and line["line_tax"]["rate"] == "11.0"
    assert line["product"]["id"] == dish["id"] and line["quantity"] == 2
    assert line["rate"] == "50000.0" and line["discount"] == "10.0"
    assert invoice["transaction_date"] == "20/11/2026"
    assert invoice["due_date"] == "20/11/2026"  # Cash on Delivery: 0 days
    assert invoice["custom_id"] == custom_id
    assert invoice["source"] == "apikey"
    assert invoice["person"]["display_name"] == CUSTOMER_WALK_IN
    assert invoice["warehouse"]["name"] == WAREHOUSE_JAKARTA
    assert invoice["term"]["name"] == TERM_COD
    assert [t["name"] for t in invoice["tags"]] == ["Outlet Kemang"]
    assert invoice["created_at"].endswith("Z")

    fetched = signed("GET", f"{jurnal_sandbox.url}/sales_invoices/{invoice['id']}")
    assert fetched.json() == {"sales_invoice": invoice}


def test_invoice_pb1_inclusive_paid_in_full(
    jurnal_sandbox: JurnalSandboxHandle,
    dish: dict[str, Any],
) -> None:
    # 1 × 110,000 with PB1 10% included: tax = 110,000 × 10/110 = 10,000; total stays 110,000.
    response = create_invoice(
        jurnal_sandbox.url,
        use_tax_inclusive=True,
        deposit_to_name=ACCOUNT_QRIS_CLEARING,
        deposit=110000,
        transaction_lines_attributes=[
            {"product_id": dish["id"], "quantity": 1, "rate": 110000, "line_tax_name": "pb1"}
        ],
    )
    assert response.status_code == 201, response.text
    invoice = response.json()["sales_invoice"]
    assert invoice["tax_amount"] == "10000.0"
    assert invoice["original_amount"] == "110000.0"
    assert invoice["deposit"] == "110000.0"
    assert invoice["amount_receive"] == "110000.0"
    assert invoice["remaining"] == "0.0"
    assert invoice["transaction_status"]["name"] == "Paid"
    assert invoice["deposit_to"]["name"] == ACCOUNT_QRIS_CLEARING
    assert invoice["deposit_to"]["category"]["name"] == "Cash & Bank"
    assert len(invoice["payments"]) == 1
    assert invoice["tax_details"][0]["name"] == "PB1 10.0%"


def test_documented_example_numbers(jurnal_sandbox: JurnalSandboxHandle) -> None:
    # The create example of the API documentation, with PB1 (10%) in place of its "ppn 10%".
    response = create_invoice(
        jurnal_sandbox.url,
        transaction_date="29/05/2017",
        deposit_to_name=ACCOUNT_CASH,
        deposit=30000,
        discount_type_name="percent",
        discount_unit=10,
        witholding_account_name=ACCOUNT_PREPAID_PPH23,
        witholding_value=10,
        witholding_type="percent",
        transaction_lines_attributes=[
            {
                "quantity": 1,
                "rate": 12000000,
                "discount": 10,
                "product_name": PRODUCT_SERVICE_CHARGE,
                "line_tax_name": TAX_PB1,
            }
        ],
    )
    assert response.status_code == 201, response.text
    invoice = response.json()["sales_invoice"]
    assert {
        k: invoice[k]
        for k in (
            "subtotal",
            "discount_per_lines",
            "discount_price",
            "tax_amount",
            "original_amount",
            "deposit",
            "remaining",
        )
    } == {
        "subtotal": "12000000.0",
        "discount_per_lines": "1200000.0",
        "discount_price": "1080000.0",
        "tax_amount": "972000.0",
        "original_amount": "10692000.0",
        "deposit": "30000.0",
        "remaining": "9690000.0",
    }
    assert invoice["witholding_amount"] == 972000
    assert invoice["transaction_status"] == {
        "id": 4,
        "name": "Partial",
        "name_bahasa": "Terbayar Sebagian",
    }
    assert invoice["remaining_currency_format"] == "Rp.  9.690.000,00"
    assert invoice["transaction_date"] == "29/05/2017"


def test_value_discount_is_shared_pro_rata(
    jurnal_sandbox: JurnalSandboxHandle,
    dish: dict[str, Any],
) -> None:
    lines = [
        {"product_name": dish["name"], "quantity": 1, "rate": 60000, "line_tax_name": TAX_PPN},
        {"product_name": PRODUCT_SERVICE_CHARGE, "quantity": 1, "rate": 40000},
    ]
    # Discount 10,000 splits 6,000 / 4,000; PPN 11% on 54,000 = 5,940.
    after = create_invoice(
        jurnal_sandbox.url,
        discount_type_name="Value",
        discount_unit=10000,
        transaction_lines_attributes=lines,
    ).json()["sales_invoice"]
    assert (after["discount_price"], after["tax_amount"], after["original_amount"]) == (
        "10000.0",
        "5940.0",
        "95940.0",
    )
    assert after["discount_type"]["name"] == "Value"
    # Tax before the discount: 11% of 60,000 = 6,600.
    before = create_invoice(
        jurnal_sandbox.url,
        discount_type_name="Value",
        discount_unit=10000,
        tax_after_discount=False,
        transaction_lines_attributes=lines,
    ).json()["sales_invoice"]
    assert (before["tax_amount"], before["original_amount"]) == ("6600.0", "96600.0")


def test_cent_rounding_of_odd_shares(
    jurnal_sandbox: JurnalSandboxHandle,
    dish: dict[str, Any],
) -> None:
    # Three equal lines share a 100.00 discount as 33.34 + 33.33 + 33.33.
    line = {"product_name": dish["name"], "quantity": 1, "rate": "1000.00", "line_tax_name": "PPN"}
    invoice = create_invoice(
        jurnal_sandbox.url,
        discount_type_name="Value",
        discount_unit=100,
        transaction_lines_attributes=[line, line, line],
    ).json()["sales_invoice"]
    # Taxes: 11% of 966.66 = 106.3326 → 106.33 and 11% of 966.67 = 106.3337 → 106.33.
    assert invoice["tax_amount"] == "318.99"
    assert invoice["original_amount"] == "3218.99"


@pytest.mark.parametrize("sent", ["2026-11-20", "20-11-2026", "20/11/2026"])
def test_request_date_formats(jurnal_sandbox: JurnalSandboxHandle, sent: str) -> None:
    response = create_invoice(jurnal_sandbox.url, transaction_date=sent, due_date=sent)
    assert response.status_code == 201
    assert response.json()["sales_invoice"]["transaction_date"] == "20/11/2026"


def test_auto_numbering(jurnal_sandbox: JurnalSandboxHandle) -> None:
    first = create_invoice(jurnal_sandbox.url).json()["sales_invoice"]["transaction_no"]
    second = create_invoice(jurnal_sandbox.url).json()["sales_invoice"]["transaction_no"]
    assert first.isdigit() and int(first) >= 10001
    assert int(second) == int(first) + 1


# --- sales invoices: refusals -----------------------------------------------------------


def test_duplicates_are_refused_with_the_existing_id(
    jurnal_sandbox: JurnalSandboxHandle,
) -> None:
    custom_id, number = unique("ORD"), unique("INV")
    created = create_invoice(jurnal_sandbox.url, custom_id=custom_id, transaction_no=number)
    existing_id = created.json()["sales_invoice"]["id"]

    both = create_invoice(jurnal_sandbox.url, custom_id=custom_id, transaction_no=number)
    assert both.status_code == 422
    assert both.json() == {
        "custom_id": "(Custom id attribute had already been used.)",
        "transaction_no": "(Transaction number had already been used)",
        "id": existing_id,
        "error_full_messages": [
            "Custom (Custom id attribute had already been used.)",
            "Transaction no (Transaction number had already been used)",
        ],
    }
    only_custom = create_invoice(jurnal_sandbox.url, custom_id=custom_id).json()
    assert set(only_custom) == {"custom_id", "id", "error_full_messages"}
    only_number = create_invoice(jurnal_sandbox.url, transaction_no=number).json()
    assert set(only_number) == {"transaction_no", "id", "error_full_messages"}
    assert only_number["id"] == existing_id


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"person_name": "Budi Tidak Ada"}, {"person_name": ["Budi Tidak Ada not exist"]}),
        (
            {"deposit_to_name": "Kas Hilang", "deposit": 1000},
            {"deposit_to_name": ["Kas Hilang not exist"]},
        ),
        (
            {"deposit_to_name": ACCOUNT_SALES, "deposit": 1000},
            {"deposit_to_name": [f"{ACCOUNT_SALES} is not a Cash & Bank account"]},
        ),
        ({"warehouse_code": "XXX"}, {"warehouse_code": ["XXX not exist"]}),
        ({"term_name": "Net 999"}, {"term_name": ["Net 999 not exist"]}),
        (
            {"transaction_lines_attributes": [{"product_name": "Es Teh Hilang", "rate": 5}]},
            {"product_name": ["Es Teh Hilang not exist"]},
        ),
        (
            {"transaction_lines_attributes": [{"product_code": "NOPE-1", "rate": 5}]},
            {"product_code": ["NOPE-1 not exist"]},
        ),
        (
            {
                "transaction_lines_attributes": [
                    {"product_name": PRODUCT_SERVICE_CHARGE, "rate": 5, "line_tax_name": "VAT"}
                ]
            },
            {"line_tax_name": ["VAT not exist"]},
        ),
        (
            {"transaction_date": "2026-13-45"},
            {"transaction_date": ["2026-13-45 is not a valid date"]},
        ),
    ],
    ids=[
        "person",
        "deposit-to",
        "deposit-to-category",
        "warehouse",
        "term",
        "product-name",
        "product-code",
        "tax",
        "date",
    ],
)
def test_unknown_names_are_refused(
    jurnal_sandbox: JurnalSandboxHandle,
    overrides: dict[str, Any],
    expected: dict[str, list[str]],
) -> None:
    response = create_invoice(jurnal_sandbox.url, **overrides)
    assert response.status_code == 422
    body = response.json()
    assert {k: v for k, v in body.items() if k != "error_full_messages"} == expected
    assert body["error_full_messages"]


def test_amount_rules(jurnal_sandbox: JurnalSandboxHandle) -> None:
    zero = create_invoice(
        jurnal_sandbox.url,
        transaction_lines_attributes=[{"product_name": PRODUCT_SERVICE_CHARGE, "rate": 0}],
    )
    assert zero.status_code == 422
    assert zero.json()["transaction_lines.amount"] == "(Must be greater than 0)"
    assert "Transaction lines amount (Must be greater than 0)" in zero.json()["error_full_messages"]

    too_much = create_invoice(jurnal_sandbox.url, deposit_to_name=ACCOUNT_CASH, deposit=10001)
    assert too_much.status_code == 422
    assert too_much.json()["amount_receive"] == (
        "(Value received cannot be greater than remaining balance.)"
    )


# --- batch create -----------------------------------------------------------------------


def test_batch_create_reports_each_item(jurnal_sandbox: JurnalSandboxHandle) -> None:
    taken = create_invoice(jurnal_sandbox.url).json()["sales_invoice"]
    items = [
        invoice_body(),
        invoice_body(person_name="Nobody"),
        invoice_body(custom_id=taken["custom_id"]),
        invoice_body(),
    ]
    response = signed(
        "POST",
        f"{jurnal_sandbox.url}/sales_invoices/batch_create",
        {"sales_invoices": [{"sales_invoice": item} for item in items]},
    )
    assert response.status_code == 200  # not every item was created
    results = [r["sales_invoice"] for r in response.json()["sales_invoices"]]
    assert [r["status"] for r in results] == [201, 422, 409, 201]
    assert results[0]["content"]["custom_id"] == items[0]["custom_id"]
    assert results[1]["content"]["person_name"] == ["Nobody not exist"]
    assert results[1]["body"]["sales_invoice"]["person_name"] == "Nobody"
    assert results[1]["body"]["sales_invoice"]["source"] == "apikey"
    assert results[2]["content"]["custom_id"] == ["(Custom id attribute had already been used.)"]
    assert results[2]["content"]["id"] == taken["id"]

    all_good = signed(
        "POST",
        f"{jurnal_sandbox.url}/sales_invoices/batch_create",
        {"sales_invoices": [{"sales_invoice": invoice_body()}]},
    )
    assert all_good.status_code == 201


def test_batch_create_over_100_is_refused(jurnal_sandbox: JurnalSandboxHandle) -> None:
    before = signed("GET", f"{jurnal_sandbox.url}/sales_invoices?page_size=1").json()
    response = signed(
        "POST",
        f"{jurnal_sandbox.url}/sales_invoices/batch_create",
        {"sales_invoices": [{"sales_invoice": invoice_body()} for _ in range(101)]},
    )
    assert response.status_code == 422
    assert "sales_invoices" in response.json()
    after = signed("GET", f"{jurnal_sandbox.url}/sales_invoices?page_size=1").json()
    assert after["total_count"] == before["total_count"]


# --- lists ------------------------------------------------------------------------------


def test_paging_links_and_sorting(fresh: JurnalSandboxHandle) -> None:
    created = signed(
        "POST",
        f"{fresh.url}/sales_invoices/batch_create",
        {
            "sales_invoices": [
                {"sales_invoice": invoice_body(transaction_date=f"2026-11-{day:02d}")}
                for day in (3, 1, 5, 2, 4)
            ]
        },
    ).json()["sales_invoices"]
    ids = [c["sales_invoice"]["content"]["id"] for c in created]

    page1 = signed("GET", f"{fresh.url}/sales_invoices?page_size=2").json()
    assert (page1["total_count"], page1["current_page"], page1["total_pages"]) == (5, 1, 3)
    assert [i["id"] for i in page1["sales_invoices"]] == ids[:2]
    assert set(page1["links"]) == {"next_link"}
    next_link = page1["links"]["next_link"]
    assert next_link.startswith(f"{fresh.url}/sales_invoices?page=2")

    page2 = signed("GET", next_link).json()
    assert page2["current_page"] == 2
    assert set(page2["links"]) == {"next_link", "prev_link"}
    last = signed("GET", f"{fresh.url}/sales_invoices?page=3&page_size=2").json()
    assert [i["id"] for i in last["sales_invoices"]] == ids[4:]
    assert set(last["links"]) == {"prev_link"}

    newest = signed(
        "GET", f"{fresh.url}/sales_invoices?sort_key=created_at&sort_order=desc&page_size=100"
    ).json()
    assert [i["id"] for i in newest["sales_invoices"]] == list(reversed(ids))
    by_date = signed(
        "GET", f"{fresh.url}/sales_invoices?sort_key=transaction_date&sort_order=asc"
    ).json()
    assert [i["transaction_date"][:2] for i in by_date["sales_invoices"]] == [
        "01",
        "02",
        "03",
        "04",
        "05",
    ]
    assert "links" not in by_date  # a single page has no links
    assert signed("GET", f"{fresh.url}/sales_invoices?sort_key=id").status_code == 422
    clamped = signed("GET", f"{fresh.url}/sales_invoices?page_size=500").json()
    assert clamped["total_pages"] == 1 and len(clamped["sales_invoices"]) == 5


def test_products_create_list_and_duplicates(fresh: JurnalSandboxHandle) -> None:
    for n in range(3):
        response = signed(
            "POST",
            f"{fresh.url}/products",
            {
                "product": {
                    "name": f"Kopi {n}",
                    "product_code": f"KOPI-{n}",
                    "unit_name": "Cup",
                    "sell_price_per_unit": "25000",
                }
            },
        )
        assert response.status_code == 201, response.text
    product = response.json()["product"]
    assert product["sell_account"]["name"] == ACCOUNT_SALES
    assert product["unit"]["name"] == "Cup"
    assert product["sell_price_per_unit"] == "25000.0"
    assert product["source"] == "apikey"

    duplicate = signed(
        "POST",
        f"{fresh.url}/products",
        {"product": {"name": "Kopi Lain", "product_code": "KOPI-1"}},
    )
    assert duplicate.status_code == 422
    assert duplicate.json()["product_code"] == ["has already been taken"]
    unknown_account = signed(
        "POST",
        f"{fresh.url}/products",
        {
            "product": {
                "name": "Teh",
                "product_code": "TEH",
                "sell_account_name": "Pendapatan Hilang",
            }
        },
    )
    assert unknown_account.json()["sell_account_name"] == ["Pendapatan Hilang not exist"]
    tracked = signed(
        "POST",
        f"{fresh.url}/products",
        {"product": {"name": "Gula", "product_code": "GULA", "track_inventory": "true"}},
    )
    assert tracked.json()["inventory_asset_account"] == ["can't be blank"]

    page = signed("GET", f"{fresh.url}/products?page_size=2&sort_key=product_code").json()
    assert page["total_count"] == 4  # three coffees and the seeded Service Charge
    assert page["total_pages"] == 2
    assert [p["product_code"] for p in page["products"]] == [
        "KOPI-0",
        "KOPI-1",
    ]


def test_missing_invoice_is_unprocessable(jurnal_sandbox: JurnalSandboxHandle) -> None:
    response = signed("GET", f"{jurnal_sandbox.url}/sales_invoices/999999999")
    assert response.status_code == 422
    assert response.json() == {"errors": "Unprocessable Entity"}


# --- ledger -----------------------------------------------------------------------------


def test_trial_balance_balances(fresh: JurnalSandboxHandle) -> None:
    product = signed(
        "POST", f"{fresh.url}/products", {"product": {"name": "Nasi Goreng", "product_code": "NG"}}
    ).json()["product"]
    lines = [
        {
            "product_id": product["id"],
            "quantity": 2,
            "rate": 50000,
            "discount": 10,
            "line_tax_name": TAX_PPN,
        }
    ]
    assert create_invoice(fresh.url, transaction_lines_attributes=lines).status_code == 201
    paid = create_invoice(
        fresh.url,
        use_tax_inclusive=True,
        deposit_to_name=ACCOUNT_QRIS_CLEARING,
        deposit=110000,
        discount_type_name="Value",
        discount_unit=0,
        transaction_lines_attributes=[
            {"product_name": PRODUCT_SERVICE_CHARGE, "rate": 110000, "line_tax_name": TAX_PB1}
        ],
    )
    assert paid.status_code == 201
    discounted = create_invoice(
        fresh.url,
        discount_type_name="Value",
        discount_unit=5000,
        shipping_price=2000,
        transaction_lines_attributes=[{"product_id": product["id"], "rate": 50000}],
    )
    assert discounted.status_code == 201

    report = signed(
        "GET", f"{fresh.url}/trial_balance?start_date=01/11/2026&end_date=30/11/2026"
    ).json()["trial_balance"]
    total = report["total"]["total_ending_balance"]
    assert total["debit"] == total["credit"] == " 261.900,00"
    rows = {
        row["account"]["name"]: (
            row["account"]["end_balance"]["debit_raw"],
            row["account"]["end_balance"]["credit_raw"],
        )
        for group in ("asset_accounts", "liability_accounts", "income_accounts")
        for row in report[group]
    }
    assert rows[ACCOUNT_RECEIVABLE] == (146900, 0)  # 99,900 + 47,000
    assert rows[ACCOUNT_QRIS_CLEARING] == (110000, 0)
    assert rows[ACCOUNT_SALES] == (0, 140000)  # 90,000 + 50,000
    assert rows[ACCOUNT_VAT_OUT] == (0, 9900)
    assert rows[ACCOUNT_SERVICE_CHARGE_INCOME] == (0, 100000)  # 110,000 less PB1
    assert rows[ACCOUNT_PB1_PAYABLE] == (0, 10000)
    assert rows[ACCOUNT_SALES_DISCOUNT] == (5000, 0)
    assert rows["Pendapatan Lain-lain"] == (0, 2000)  # shipping

    accounts = signed("GET", f"{fresh.url}/accounts").json()["accounts"]
    receivable = next(a for a in accounts if a["name"] == ACCOUNT_RECEIVABLE)
    assert receivable["balance_amount"] == 146900
    assert receivable["balance"] == "Rp.  146.900,00"


# --- state, limits, faults --------------------------------------------------------------


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "jurnal"
    with running_jurnal_sandbox(state) as first:
        created = create_invoice(first.url).json()["sales_invoice"]
        accounts = signed("GET", f"{first.url}/accounts").json()["total_count"]
    with running_jurnal_sandbox(state) as second:
        fetched = signed("GET", f"{second.url}/sales_invoices/{created['id']}")
        assert fetched.json()["sales_invoice"] == created
        assert signed("GET", f"{second.url}/accounts").json()["total_count"] == accounts
        again = create_invoice(second.url, custom_id=created["custom_id"])
        assert again.status_code == 422
        following = create_invoice(second.url).json()["sales_invoice"]
        assert int(following["transaction_no"]) == int(created["transaction_no"]) + 1
        assert following["id"] > created["id"]


def wait_for_window_start() -> None:
    """Sleep to just after a real-second boundary (a scaled minute at time_scale=60)."""
    time.sleep(1.02 - (time.time() % 1.0))


def test_rate_limit_31st_request_in_a_minute(fresh: JurnalSandboxHandle) -> None:
    wait_for_window_start()
    answers = [signed("GET", f"{fresh.url}/warehouses", retry_rate_limit=False) for _ in range(31)]
    statuses = [a.status_code for a in answers]
    assert statuses[:30] == [200] * 30
    assert answers[29].headers["x-ratelimit-remaining-minute"] == "0"
    limited = answers[30]
    assert limited.status_code == 429
    assert limited.json() == {"message": "API rate limit exceeded"}
    assert limited.headers["Retry-After"] == "1"
    assert limited.headers["x-ratelimit-remaining-minute"] == "0"
    assert limited.headers["x-ratelimit-limit-minute"] == "30"
    assert int(limited.headers["x-ratelimit-remaining-hour"]) == 1800 - 30
    time.sleep(float(limited.headers["Retry-After"]))
    after = signed("GET", f"{fresh.url}/warehouses", retry_rate_limit=False)
    assert after.status_code == 200
    assert after.headers["x-ratelimit-remaining-minute"] == "29"


def test_hour_limit(tmp_path: Path) -> None:
    with running_jurnal_sandbox(tmp_path / "j", rate_limit_per_hour=3) as handle:
        answers = [signed("GET", f"{handle.url}/terms", retry_rate_limit=False) for _ in range(4)]
        # (A scaled hour lasts one real minute, so the window rarely turns mid-test.)
        limited = answers[-1]
        if limited.status_code != 429:
            limited = signed("GET", f"{handle.url}/terms", retry_rate_limit=False)
        assert limited.status_code == 429
        assert limited.headers["x-ratelimit-remaining-hour"] == "0"
        assert 1 <= int(limited.headers["Retry-After"]) <= 60


def test_injected_faults(fresh: JurnalSandboxHandle) -> None:
    fresh.sandbox.inject_fault("status", status=503, path_contains="/accounts")
    unavailable = signed("GET", f"{fresh.url}/accounts")
    assert unavailable.status_code == 503
    assert unavailable.text.startswith("upstream connect error")
    assert signed("GET", f"{fresh.url}/accounts").status_code == 200

    fresh.sandbox.inject_fault("drop_after", path_contains="/sales_invoices")
    body = invoice_body()
    with pytest.raises(requests.ConnectionError):
        signed("POST", f"{fresh.url}/sales_invoices", {"sales_invoice": body})
    # The request was processed although its answer was lost.
    assert create_invoice(fresh.url, custom_id=body["custom_id"]).status_code == 422


def test_rate_limits_are_per_credential(tmp_path: Path) -> None:
    frozen = time.time()  # one rate-limit window for the whole test
    with running_jurnal_sandbox(
        tmp_path / "j", rate_limit_per_minute=2, time_scale=1.0, clock=lambda: frozen
    ) as handle:
        statuses = [
            signed("GET", f"{handle.url}/terms", retry_rate_limit=False).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        legacy = requests.get(
            f"{handle.legacy_url}/terms", headers={"apikey": handle.api_key}, timeout=10
        )
        assert legacy.status_code == 200  # its own bucket
        assert legacy.headers["x-ratelimit-remaining-minute"] == "1"
