"""The Jurnal emulator against Jurnal's recorded answers, and the product's client reading them.

- an invalid sales invoice answers the record-validation 422 that Mekari's Ruby client keeps
  as a fixture (``spec/fixtures/responses/sales_invoices/create_invalid_response.json``, for
  the request ``create_invalid_parameter_request.json``): keys ``transaction_lines``,
  ``transaction_lines.amount``, ``discount_unit``, ... (J-46); the client's
  ``JurnalValidationError.fields`` and a batch item's ``errors`` carry those names;
- receive payments move an invoice's ``transaction_status`` through the documented
  ``{id, name, name_bahasa}`` values (J-22);
- MAG HMAC: the date may be signed as ``date`` or ``x-date``, and each 401 says what failed
  without echoing a credential (J-47).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from journal_pipeline.jurnal.client import JurnalClient
from journal_pipeline.jurnal.errors import (
    JurnalAuthError,
    JurnalDuplicateError,
    JurnalValidationError,
)
from journal_pipeline.jurnal.settings import JurnalSettings
from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
    signed,
    unique,
)
from journal_sandbox.jurnal_app import (
    ACCOUNT_CASH,
    ACCOUNT_GOPAY_CLEARING,
    ACCOUNT_PREPAID_PPH23,
    CUSTOMER_WALK_IN,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    PRODUCT_SERVICE_CHARGE,
    TAX_PPN,
)

# The recorded answer, key for key and in its order.
RECORDED_INVALID_INVOICE = {
    "discount_unit": "(Value must be greater than 0.)",
    "discount_price": "(Value must be greater than 0.)",
    "remaining": "(Value must be greater than 0.)",
    "original_amount": "(Value must be greater than 0.)",
    "transaction_lines": "is not valid",
    "tax_amount": "Negative Tax Value Only Permitted For Witholding Tax",
    "transaction_lines.amount": "(Must be greater than 0)",
    "amount_receive": "(Value received cannot be greater than remaining balance.)",
    "witholding_value": "can't be added if transaction amount is less than witholding",
}
RECORDED_FULL_MESSAGES = [
    "Discount unit (Value must be greater than 0.)",
    "Discount price (Value must be greater than 0.)",
    "Remaining (Value must be greater than 0.)",
    "Original amount (Value must be greater than 0.)",
    "Transaction lines is not valid",
    "Tax amount Negative Tax Value Only Permitted For Witholding Tax",
    "Transaction lines amount (Must be greater than 0)",
    "Amount receive (Value received cannot be greater than remaining balance.)",
    "Witholding value can't be added if transaction amount is less than witholding",
]


@pytest.fixture(scope="module")
def jurnal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JurnalSandboxHandle]:
    """A private emulator without a practical rate limit (these tests send many requests)."""
    with running_jurnal_sandbox(
        tmp_path_factory.mktemp("recorded"), rate_limit_per_minute=100000
    ) as handle:
        yield handle


@pytest.fixture(scope="module")
def subscription(jurnal: JurnalSandboxHandle) -> str:
    """The product of the recorded request (a 750,000 subscription)."""
    name = unique("Talenta Standard Flat")
    answer = signed(
        "POST",
        f"{jurnal.url}/products",
        {"product": {"name": name, "product_code": unique("TLN"), "sell_price_per_unit": 750000}},
    )
    assert answer.status_code == 201, answer.text
    return name


def recorded_invalid_request(product_name: str) -> dict[str, Any]:
    """The recorded request, with the seed company's names for its customer and accounts:
    a Value discount of 0, 2 % withholding and one line of 12 × 750,000 with a 900,000 %
    line discount (a hugely negative line amount)."""
    return {
        "memo": "",
        "tags": ["new_subscription", "new"],
        "email": "billing@example.com",
        "source": "INTERNAL BILLING",
        "address": "jalan sudirman",
        "deposit": 0,
        "message": "",
        "due_date": "2020-08-02",
        "ship_via": "ship",
        "custom_id": unique("610"),
        "term_name": "",
        "is_shipped": True,
        "person_name": CUSTOMER_WALK_IN,
        "tracking_no": "",
        "reference_no": "talneta/00123",
        "discount_unit": 0,
        "shipping_date": "2020-07-03",
        "selected_po_id": 1462170,
        "shipping_price": 0,
        "transaction_no": unique("BI/02/2020/07"),
        "warehouse_code": "",
        "warehouse_name": "",
        "deposit_to_name": ACCOUNT_CASH,
        "witholding_type": "percent",
        "shipping_address": "jalan sudirman",
        "transaction_date": "2020-07-03",
        "witholding_value": 2,
        "discount_type_name": "Value",
        "witholding_account_name": ACCOUNT_PREPAID_PPH23,
        "transaction_lines_attributes": [
            {
                "rate": "750000.0",
                "discount": "900000.0",
                "quantity": "12.0",
                "line_tax_id": None,
                "product_name": product_name,
                "line_tax_name": TAX_PPN.lower(),
            }
        ],
    }


# --- invalid invoices (J-46) ------------------------------------------------------------


def test_invalid_invoice_answers_the_recorded_body(
    jurnal: JurnalSandboxHandle, subscription: str
) -> None:
    body = recorded_invalid_request(subscription)
    answer = signed("POST", f"{jurnal.url}/sales_invoices", {"sales_invoice": body})
    assert answer.status_code == 422
    assert list(answer.json()) == [*RECORDED_INVALID_INVOICE, "id", "error_full_messages"]
    assert answer.json() == {
        **RECORDED_INVALID_INVOICE,
        "id": None,
        "error_full_messages": RECORDED_FULL_MESSAGES,
    }
    nothing = signed(
        "GET", f"{jurnal.url}/sales_invoices?sort_key=created_at&sort_order=desc"
    ).json()["sales_invoices"]
    assert body["custom_id"] not in {i["custom_id"] for i in nothing}


def test_client_reads_the_field_names_of_the_recorded_body(
    jurnal: JurnalSandboxHandle, subscription: str
) -> None:
    with jurnal.client() as client, pytest.raises(JurnalValidationError) as caught:
        client.create_sales_invoice(recorded_invalid_request(subscription))
    error = caught.value
    assert not isinstance(error, JurnalDuplicateError)
    assert error.status == 422
    assert error.fields == {key: [message] for key, message in RECORDED_INVALID_INVOICE.items()}
    assert {"transaction_lines", "transaction_lines.amount", "discount_unit"} <= set(error.fields)
    assert error.full_messages == RECORDED_FULL_MESSAGES
    assert "Transaction lines amount (Must be greater than 0)" in str(error)


def test_batch_item_errors_carry_the_recorded_field_names(
    jurnal: JurnalSandboxHandle, subscription: str
) -> None:
    good = invoice_body()
    bad = recorded_invalid_request(subscription)
    raw = signed(
        "POST",
        f"{jurnal.url}/sales_invoices/batch_create",
        {"sales_invoices": [{"sales_invoice": bad}]},
    )
    assert raw.status_code == 200
    (item,) = [row["sales_invoice"] for row in raw.json()["sales_invoices"]]
    assert item["status"] == 422
    assert item["content"] == {
        **{key: [message] for key, message in RECORDED_INVALID_INVOICE.items()},
        "error_full_messages": RECORDED_FULL_MESSAGES,
    }

    with jurnal.client() as client:
        created, refused = client.batch_create_sales_invoices(
            [good, recorded_invalid_request(subscription)]
        )
    assert created.ok and created.record is not None
    assert created.record["custom_id"] == good["custom_id"]
    assert (refused.status, refused.ok, refused.duplicate) == (422, False, False)
    assert refused.errors == {key: [m] for key, m in RECORDED_INVALID_INVOICE.items()}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            {"quantity": 0},
            {
                "transaction_lines": "is not valid",
                "transaction_lines.amount": "(Must be greater than 0)",
            },
        ),
        (
            {"quantity": 1, "rate": 10000, "discount": 100},
            {
                "transaction_lines": "is not valid",
                "transaction_lines.amount": "(Must be greater than 0)",
            },
        ),
        (
            {"quantity": 1, "rate": 10000, "discount": -5},
            {
                "transaction_lines": "is not valid",
                "transaction_lines.discount": "(Value must be greater than or equal to 0.)",
            },
        ),
    ],
    ids=["zero-quantity", "full-line-discount", "negative-line-discount"],
)
def test_line_refusals_use_the_association_keys(
    jurnal: JurnalSandboxHandle, line: dict[str, Any], expected: dict[str, str]
) -> None:
    body = invoice_body(
        transaction_lines_attributes=[{"product_name": PRODUCT_SERVICE_CHARGE, **line}]
    )
    answer = signed("POST", f"{jurnal.url}/sales_invoices", {"sales_invoice": body})
    assert answer.status_code == 422
    got = answer.json()
    assert {k: v for k, v in got.items() if k not in ("id", "error_full_messages")} == expected
    assert got["id"] is None


def test_a_line_number_that_is_not_a_number(jurnal: JurnalSandboxHandle) -> None:
    body = invoice_body(
        transaction_lines_attributes=[
            {"product_name": PRODUCT_SERVICE_CHARGE, "quantity": "dua", "rate": 10000}
        ]
    )
    answer = signed("POST", f"{jurnal.url}/sales_invoices", {"sales_invoice": body})
    assert answer.status_code == 422
    assert answer.json() == {
        "transaction_lines": ["is not valid"],
        "transaction_lines.quantity": ["is not a number"],
        "error_full_messages": [
            "Transaction lines is not valid",
            "Transaction lines quantity is not a number",
        ],
    }


def test_a_value_discount_above_the_lines(jurnal: JurnalSandboxHandle) -> None:
    body = invoice_body(discount_type_name="Value", discount_unit=10001)  # lines: 10,000
    answer = signed("POST", f"{jurnal.url}/sales_invoices", {"sales_invoice": body})
    assert answer.status_code == 422
    got = answer.json()
    assert got["discount_unit"] == got["discount_price"] == "(Value must be greater than 0.)"
    assert got["original_amount"] == got["remaining"] == "(Value must be greater than 0.)"
    assert "transaction_lines" not in got


# --- invoice status through payments (J-22) ---------------------------------------------

OPEN = {"id": 1, "name": "Open", "name_bahasa": "Belum Dibayar"}
PARTIAL = {"id": 4, "name": "Partial", "name_bahasa": "Terbayar Sebagian"}
PAID = {"id": 3, "name": "Paid", "name_bahasa": "Lunas"}


def payment(invoice: dict[str, Any], amount: int) -> dict[str, Any]:
    return {
        "transaction_date": "2026-11-21",
        "deposit_to_name": ACCOUNT_GOPAY_CLEARING,
        "payment_method_name": "GoPay",
        "records_attributes": [{"transaction_no": invoice["transaction_no"], "amount": amount}],
    }


def test_payments_move_the_invoice_status(jurnal: JurnalSandboxHandle) -> None:
    base = jurnal.url

    def status() -> tuple[dict[str, Any], str]:
        invoice = signed("GET", f"{base}/sales_invoices/{created['id']}").json()["sales_invoice"]
        listed = signed(
            "GET", f"{base}/sales_invoices?sort_key=created_at&sort_order=desc&page_size=100"
        ).json()["sales_invoices"]
        (row,) = [i for i in listed if i["id"] == created["id"]]
        assert row["transaction_status"] == invoice["transaction_status"]
        return invoice["transaction_status"], invoice["remaining"]

    answer = signed("POST", f"{base}/sales_invoices", {"sales_invoice": invoice_body()})
    created = answer.json()["sales_invoice"]  # 10,000, nothing paid
    assert created["transaction_status"] == OPEN
    assert status() == (OPEN, "10000.0")

    first = signed("POST", f"{base}/receive_payments", {"receive_payment": payment(created, 4000)})
    assert first.status_code == 201
    assert status() == (PARTIAL, "6000.0")

    rest = signed(
        "POST",
        f"{base}/receive_payments/batch_create",
        {"receive_payments": [{"receive_payment": payment(created, 6000)}]},
    )
    (item,) = [row["receive_payment"] for row in rest.json()["receive_payments"]]
    assert item["status"] == 201
    assert status() == (PAID, "0.0")

    assert signed("DELETE", f"{base}/receive_payments/{item['content']['id']}").status_code == 204
    assert status() == (PARTIAL, "6000.0")
    first_id = first.json()["receive_payment"]["id"]
    assert signed("DELETE", f"{base}/receive_payments/{first_id}").status_code == 204
    assert status() == (OPEN, "10000.0")


def test_a_deposit_sets_the_status_at_creation(jurnal: JurnalSandboxHandle) -> None:
    for deposit, expected in ((10000, PAID), (2500, PARTIAL)):
        answer = signed(
            "POST",
            f"{jurnal.url}/sales_invoices",
            {"sales_invoice": invoice_body(deposit_to_name=ACCOUNT_CASH, deposit=deposit)},
        )
        assert answer.status_code == 201
        assert answer.json()["sales_invoice"]["transaction_status"] == expected


# --- MAG HMAC (J-47) --------------------------------------------------------------------


def hmac_headers(
    method: str,
    url: str,
    *,
    signed_names: tuple[str, ...] = ("date", "request-line"),
    values: dict[str, str] | None = None,
    sent: dict[str, str] | None = None,
    client_id: str = DEFAULT_CLIENT_ID,
    secret: str = DEFAULT_CLIENT_SECRET,
    algorithm: str = "hmac-sha256",
) -> dict[str, str]:
    """Headers of a request signing ``signed_names`` with ``values`` (``date``/``x-date``
    default to now); ``sent`` (default: ``values``) are the headers actually sent."""
    now = formatdate(time.time(), usegmt=True)
    values = values if values is not None else {"date": now}
    split = urlsplit(url)
    request_line = f"{method} {split.path}{'?' + split.query if split.query else ''} HTTP/1.1"
    lines = [
        request_line if name == "request-line" else f"{name}: {values.get(name, '')}"
        for name in signed_names
    ]
    digest = hmac.new(secret.encode(), "\n".join(lines).encode(), hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode()
    authorization = (
        f'hmac username="{client_id}", algorithm="{algorithm}", '
        f'headers="{" ".join(signed_names)}", signature="{signature}"'
    )
    return {"Authorization": authorization, **(sent if sent is not None else values)}


def http_date(offset: int = 0) -> str:
    return formatdate(time.time() + offset, usegmt=True)


@pytest.mark.parametrize(
    "case", ["x-date", "x-date-signed-last", "both-signed", "unsigned-stale-date"]
)
def test_the_signed_date_may_be_x_date(jurnal: JurnalSandboxHandle, case: str) -> None:
    url = f"{jurnal.url}/warehouses?page=1"
    now = http_date()
    names, values, sent = {
        "x-date": (("x-date", "request-line"), {"x-date": now}, None),
        "x-date-signed-last": (("request-line", "x-date"), {"x-date": now}, None),
        "both-signed": (("date", "x-date", "request-line"), {"date": now, "x-date": now}, None),
        # A far-off Date that is not signed does not matter: the signed x-date counts.
        "unsigned-stale-date": (
            ("x-date", "request-line"),
            {"x-date": now},
            {"x-date": now, "date": http_date(-3600)},
        ),
    }[case]
    headers = hmac_headers("GET", url, signed_names=names, values=values, sent=sent)
    answer = requests.get(url, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["current_page"] == 1


NOT_VERIFIED = "HMAC signature cannot be verified"


def refusals(url: str) -> dict[str, tuple[dict[str, str], str]]:
    """Each way of failing MAG HMAC, with the 401 message it gets."""
    return {
        "no-authorization": ({"Date": http_date()}, "Unauthorized"),
        "bearer": (
            {"Authorization": "Bearer abc", "Date": http_date()},
            f"{NOT_VERIFIED}, the Authorization header is not an hmac credential",
        ),
        "no-signature": (
            {"Authorization": f'hmac username="{DEFAULT_CLIENT_ID}"', "Date": http_date()},
            f"{NOT_VERIFIED}, the hmac Authorization header needs username and signature",
        ),
        "algorithm": (
            hmac_headers("GET", url, algorithm="hmac-sha1"),
            f"{NOT_VERIFIED}, the algorithm must be hmac-sha256",
        ),
        "unsigned-date": (
            hmac_headers("GET", url, signed_names=("request-line",)),
            f"{NOT_VERIFIED}, the signed headers must include request-line and date or x-date",
        ),
        "unsigned-request-line": (
            hmac_headers("GET", url, signed_names=("date",)),
            f"{NOT_VERIFIED}, the signed headers must include request-line and date or x-date",
        ),
        "unknown-client-id": (
            hmac_headers("GET", url, client_id="someone-else"),
            f"{NOT_VERIFIED}, unknown client id",
        ),
        "missing-signed-x-date": (
            hmac_headers(
                "GET",
                url,
                signed_names=("x-date", "request-line"),
                values={"x-date": http_date()},
                sent={"date": http_date()},
            ),
            f"{NOT_VERIFIED}, signed header x-date is missing",
        ),
        "missing-signed-header": (
            hmac_headers(
                "GET",
                url,
                signed_names=("date", "request-line", "content-md5"),
                values={"date": http_date()},
            ),
            f"{NOT_VERIFIED}, signed header content-md5 is missing",
        ),
        "garbled-date": (
            hmac_headers("GET", url, values={"date": "yesterday"}),
            f"{NOT_VERIFIED}, a valid date or x-date header is required for HMAC Authentication",
        ),
        "date-skew": (
            hmac_headers("GET", url, values={"date": http_date(-301)}),
            f"{NOT_VERIFIED}, the date header is more than 300 seconds off the server clock",
        ),
        "x-date-skew": (
            hmac_headers(
                "GET",
                url,
                signed_names=("x-date", "request-line"),
                values={"x-date": http_date(302)},
            ),
            f"{NOT_VERIFIED}, the x-date header is more than 300 seconds off the server clock",
        ),
        "bad-signature": (
            hmac_headers("GET", url, secret="not-the-secret"),
            "HMAC signature does not match",
        ),
    }


@pytest.mark.parametrize("case", list(refusals("http://x/y")))
def test_each_hmac_refusal_says_what_failed(jurnal: JurnalSandboxHandle, case: str) -> None:
    url = f"{jurnal.url}/accounts"
    headers, message = refusals(url)[case]
    answer = requests.get(url, headers=headers, timeout=10)
    assert answer.status_code == 401
    assert answer.json() == {"message": message}
    assert "x-ratelimit-remaining-minute" not in answer.headers
    assert DEFAULT_CLIENT_SECRET not in answer.text
    assert DEFAULT_CLIENT_ID not in answer.text and "someone-else" not in answer.text
    signature = headers.get("Authorization", "").rpartition('signature="')[2].rstrip('"')
    assert not signature or signature not in answer.text


def test_a_digest_that_does_not_match_the_body(jurnal: JurnalSandboxHandle) -> None:
    body = json.dumps({"sales_invoice": invoice_body()}).encode()
    url = f"{jurnal.url}/sales_invoices"
    other = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    headers = {
        **hmac_headers("POST", url),
        "Digest": f"SHA-256={other}",
        "Content-Type": "application/json",
    }
    answer = requests.post(url, data=body, headers=headers, timeout=10)
    assert (answer.status_code, answer.json()) == (
        401,
        {"message": "HMAC signature does not match, the Digest header does not match the body"},
    )


def test_the_client_reports_the_reason_without_the_secret(
    jurnal: JurnalSandboxHandle,
) -> None:
    secret = "a-wrong-secret-1234"
    settings = JurnalSettings.from_env({**jurnal.env, "JURNAL_CLIENT_SECRET": secret})
    with JurnalClient(settings) as client, pytest.raises(JurnalAuthError) as caught:
        client.list_accounts()
    assert caught.value.status == 401
    assert "HMAC signature does not match" in str(caught.value)
    assert secret not in str(caught.value) and secret not in repr(caught.value.body)
