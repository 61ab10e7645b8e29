from datetime import date

from journal_pipeline.accounting import checks, invoices, posting_rules
from journal_pipeline.config import load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.orders import retail_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
DAY = date(2026, 11, 20)


def _day():
    sales = posting_rules.sales_of_day(order_frames([retail_order()]), CONFIG, DAY)
    lines, holds = posting_rules.journal_lines(sales, CONFIG)
    documents, more_holds = invoices.sales_invoices(sales, CONFIG)
    return sales, lines, documents, [*holds, *more_holds]


def test_a_posted_sale_is_accounted_for():
    assert checks.unaccounted_sales(*_day()) == []


def test_a_sale_without_invoice_or_hold_is_reported():
    sales, lines, _, holds = _day()
    assert checks.unaccounted_sales(sales, lines, [], holds) == ["#JKT-000101"]


def test_a_held_sale_is_accounted_for():
    order = retail_order()
    order["transactions"][0]["payment_type_name"] = "OVO"
    order["transactions"][0]["gateway"] = "custom"
    sales = posting_rules.sales_of_day(order_frames([order]), CONFIG, DAY)
    lines, holds = posting_rules.journal_lines(sales, CONFIG)
    assert holds and checks.unaccounted_sales(sales, lines, [], holds) == []
