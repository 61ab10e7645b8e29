"""The Jurnal display name of an iSeller customer, and the person an invoice names (J-50)."""

from __future__ import annotations

import hashlib
import math
import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal_pipeline.accounting import invoices, posting_rules
from journal_pipeline.accounting.customers import (
    DISPLAY_NAME_LIMIT,
    clean_name,
    customer_tag,
    display_name,
    invoice_person,
    same_name,
)
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.orders import retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
SITI = "5b0e2a9e-7c1d-4f7e-9a53-1d2c3b4a5f60"
OTHER_SITI = "0f9d8c7b-6a5e-4d3c-2b1a-0e9f8d7c6b5a"


def test_the_tag_is_the_first_eight_hex_digits_of_the_ids_sha256():
    assert customer_tag(SITI) == hashlib.sha256(SITI.encode()).hexdigest()[:8]
    assert display_name(SITI, "Siti Rahmawati") == f"Siti Rahmawati ({customer_tag(SITI)})"


def test_two_customers_of_the_same_name_get_two_names():
    one, two = display_name(SITI, "Siti Rahmawati"), display_name(OTHER_SITI, "Siti Rahmawati")
    assert one != two and not same_name(one, two)


def test_sequential_ids_sharing_a_prefix_get_different_tags():
    tags = {customer_tag(f"CUST{n:08d}") for n in range(1000)}
    assert len(tags) == 1000


def test_the_same_customer_always_gets_the_same_name():
    assert display_name(SITI, "Siti  Rahmawati ") == display_name(SITI, "Siti Rahmawati")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ('Dewi "Ayu" O\'Neil', 'Dewi "Ayu" O\'Neil'),  # quotes kept
        ("Budi 😀 Santoso", "Budi 😀 Santoso"),  # emoji kept
        ("محمد علي", "محمد علي"),  # right-to-left kept
        ("Rina\nSari\tPutri", "Rina Sari Putri"),  # control characters read as spaces
        ("\u202eirawaN\u202c Made", "irawaN Made"),  # a direction override dropped
        ("Jose\u0301", "José"),  # NFC
        ("   ", None),
        (None, None),
        (math.nan, None),
    ],
)
def test_names_keep_every_character_but_controls(raw, shown):
    assert clean_name(raw) == shown


def test_a_customer_without_a_name_is_named_by_its_tag():
    assert display_name(SITI, None) == f"iSeller customer ({customer_tag(SITI)})"


def test_a_long_name_is_cut_to_the_limit_keeping_the_tag():
    tag = f" ({customer_tag(SITI)})"
    name = display_name(SITI, "Nama " * 100)  # 244 characters of room: 48 × "Nama " + "Nama"
    assert name == "Nama " * 48 + "Nama" + tag and len(name) == DISPLAY_NAME_LIMIT
    # a cut that ends on a space drops it: 243 characters of name, then the tag
    assert display_name(SITI, "x" * 243 + " yz") == "x" * 243 + tag
    assert len(display_name(SITI, "x" * 300)) == DISPLAY_NAME_LIMIT


def test_a_cut_never_leaves_a_joiner_or_a_mark_without_its_letter():
    tag = f" ({customer_tag(SITI)})"
    room = DISPLAY_NAME_LIMIT - len(tag)
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧, five code points
    name = display_name(SITI, "a" * (room - 2) + family)
    assert not name[: -len(tag)].endswith("\u200d")
    # a letter whose mark has no composed form: both go, never the mark alone
    marked = "a" * (room - 1) + "q\u0323\u0307"
    kept = display_name(SITI, marked)[: -len(tag)]
    assert kept == "a" * (room - 1)


@given(st.text(max_size=400), st.text(min_size=1, max_size=40))
def test_every_name_fits_and_ends_with_the_tag(name, customer_id):
    shown = display_name(customer_id, name)
    assert len(shown) <= DISPLAY_NAME_LIMIT
    assert shown.endswith(f" ({customer_tag(customer_id)})")
    assert shown == " ".join(shown.split())  # no control characters, no runs of spaces
    assert not any(unicodedata.category(ch) == "Cc" for ch in shown)


def test_an_order_without_a_customer_id_is_the_walk_in_customer():
    assert invoice_person(None, "Made Wirawan", "Pelanggan Umum") == "Pelanggan Umum"
    assert invoice_person(" ", None, "Pelanggan Umum") == "Pelanggan Umum"
    assert invoice_person(math.nan, None, "Pelanggan Umum") == "Pelanggan Umum"
    assert invoice_person(SITI, "Siti", "Pelanggan Umum") == display_name(SITI, "Siti")


def test_a_customer_named_like_the_walk_in_customer_is_not_the_walk_in_customer():
    assert invoice_person(SITI, "Pelanggan Umum", "Pelanggan Umum") != "Pelanggan Umum"


def _invoice_body(order: dict) -> dict:
    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, date(2026, 11, 20))
    documents, holds = invoices.sales_invoices(sales, CONFIG)
    assert holds == []
    return documents[0].payload["sales_invoice"]


def test_the_invoice_names_the_orders_customer_by_display_name():
    order = {
        **retail_order(),
        "customer_id": SITI,
        "customer_first_name": "Siti",
        "customer_last_name": "Rahmawati",
        "customer_phone_number": "0812-1111-2001",
        "customer_email": "siti@contoh.invalid",
    }
    body = _invoice_body(order)
    assert body["person_name"] == display_name(SITI, "Siti Rahmawati")
    text = repr(body)
    assert "0812-1111-2001" not in text and "siti@contoh.invalid" not in text


def test_an_order_with_only_a_customer_name_field_is_named_by_it():
    order = {**retail_order(), "customer_id": SITI, "customer_name": "Toko Sinar Jaya"}
    assert _invoice_body(order)["person_name"] == display_name(SITI, "Toko Sinar Jaya")


def test_a_walk_in_order_keeps_the_configured_walk_in_customer():
    assert _invoice_body(retail_order())["person_name"] == CONFIG.walk_in_customer
