"""Gift cards: sold as a liability, never revenue; redeemed, the liability is released."""

from datetime import date

import pandas as pd

from journal_pipeline.accounting import mdr, posting_rules
from journal_pipeline.accounting.products import catalogue_products
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.money_orders import payment, untaxed_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)
LIABILITY = "Hutang Gift Card"


def _day(orders):
    sales = posting_rules.sales_of_day(order_frames(orders), CONFIG, DAY)
    lines, holds = posting_rules.journal_lines(sales, CONFIG)
    pays = posting_rules.payments_at_sale(list(sales.frames.payments.itertuples(index=False)), DAY)
    numbered = [(p, f"ISL/{p.order_reference.lstrip('#')}") for p in pays]
    entries = mdr.payment_entries(numbered, mdr.reported_fees(orders), CONFIG, DAY)
    return pd.concat([lines, pd.DataFrame(entries.lines, columns=lines.columns)]), holds, entries


def _balance(lines, account):
    rows = lines[lines["account_name"] == account]
    return int(rows["credit"].sum()) - int(rows["debit"].sum())


def test_a_card_sold_for_100_000_and_redeemed_for_60_000_leaves_40_000_owed():
    sold = untaxed_order(
        "g1", sku="GC-100", name="Gift Card 100K", payments=[payment("t1", "Cash", "cash", 100_000)]
    )
    bought = untaxed_order(
        "g2",
        payments=[
            payment("t2a", "Gift Card", "gift_card", 60_000),
            payment("t2b", "Cash", "cash", 40_000),
        ],
    )
    lines, holds, entries = _day([sold, bought])
    assert holds == [] and entries.holds == []
    # the sale of the card: Dr Kas 100,000 / Cr Hutang Gift Card 100,000, no revenue
    sale = lines[lines["entry_id"] == "sale:g1"]
    assert set(sale["account_name"]) == {"Kas", LIABILITY}
    # redeemed: Dr Hutang Gift Card 60,000 / Cr Kliring Gift Card 60,000
    redeemed = lines[lines["entry_id"] == "money:gift_card:t2a"]
    assert list(
        zip(redeemed["account_name"], redeemed["debit"], redeemed["credit"], strict=True)
    ) == [
        (LIABILITY, 60_000, 0),
        ("Kliring Gift Card", 0, 60_000),
    ]
    # 100,000 − 60,000 = 40,000 still owed; the clearing account nets to nothing
    assert _balance(lines, LIABILITY) == 40_000
    assert _balance(lines, "Kliring Gift Card") == 0
    # revenue only once, from the goods bought with the card
    assert _balance(lines, "Penjualan") == 100_000
    (document,) = entries.documents
    assert (document.transaction_no, document.custom_id) == ("ISL/JKT-g2/G", "t2a/G")


def test_a_sale_line_of_a_gift_card_product_type_is_owed_whatever_its_sku():
    """iSeller names each line's product type (``order_details[].product_type``): a card whose
    SKU the config does not list is known by its type, as its Jurnal product is."""
    voucher = untaxed_order(
        "g5",
        sku="VOUCHER-X",
        name="Voucher 100K",
        product_type="gift card",
        payments=[payment("t5", "Cash", "cash", 100_000)],
    )
    lines, holds, _ = _day([voucher])
    assert holds == []
    assert _balance(lines, LIABILITY) == 100_000
    assert _balance(lines, "Penjualan") == 0


def test_a_gift_card_is_known_by_its_sku_or_product_type_in_any_case():
    cards = CONFIG.gift_cards
    assert cards.matches("gc-100", None)
    assert cards.matches("VOUCHER-X", "gift card")
    assert not cards.matches("KOP-001", "Kopi")
    assert not cards.matches(None, None)


def test_paid_straight_from_the_liability_no_release_entry_is_needed():
    config = CONFIG.model_copy(
        update={"payment_methods": {**CONFIG.payment_methods, "Gift Card": LIABILITY}}
    )
    order = untaxed_order("g4", payments=[payment("t4", "Gift Card", "gift_card", 100_000)])
    sales = posting_rules.sales_of_day(order_frames([order]), config, DAY)
    pays = list(sales.frames.payments.itertuples(index=False))
    entries = mdr.payment_entries([(pays[0], "ISL/JKT-g4")], {}, config, DAY)
    assert entries.lines == [] and entries.documents == []


def test_the_gift_card_product_sells_to_the_liability_and_holds_no_stock():
    products = pd.DataFrame(
        [
            {"sku": "GC-100", "name": "Gift Card 100K", "product_type": "Gift Card"}
            | {"price": 100_000, "buying_price": 0, "track_inventory": True},
            {"sku": "KOP-001", "name": "Kopi", "product_type": "Kopi"}
            | {"price": 85_000, "buying_price": 45_000, "track_inventory": True},
        ]
    )
    empty = pd.DataFrame(columns=["sku", "component_sku", "quantity"])
    modifiers = pd.DataFrame(columns=["modifier_sku", "title", "price", "buying_price"])
    catalogue = catalogue_products(products, empty, modifiers, CONFIG)
    card = catalogue.body("GC-100")
    assert card["sell_account_name"] == LIABILITY
    assert card["track_inventory"] is False
    assert catalogue.body("KOP-001")["sell_account_name"] == "Penjualan"
