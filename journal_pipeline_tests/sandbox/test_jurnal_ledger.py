"""The Jurnal emulator's ledger over real HTTP: a mixed day of documents, then the reports.

Every number below is computed by hand from the documents of the scenario.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from journal_pipeline_tests.jurnal_fixtures import (
    JurnalSandboxHandle,
    invoice_body,
    running_jurnal_sandbox,
    signed,
)
from journal_sandbox.jurnal_app import (
    ACCOUNT_BANK,
    ACCOUNT_CASH,
    ACCOUNT_COGS,
    ACCOUNT_INVENTORY,
    ACCOUNT_INVENTORY_ADJUSTMENT,
    ACCOUNT_OTHER_INCOME,
    ACCOUNT_QRIS_CLEARING,
    ACCOUNT_RECEIVABLE,
    ACCOUNT_SALES,
    ACCOUNT_SALES_DISCOUNT,
    ACCOUNT_SALES_RETURN,
    ACCOUNT_VAT_OUT,
    TAX_PPN,
    WAREHOUSE_BALI,
    WAREHOUSE_BALI_CODE,
    WAREHOUSE_JAKARTA,
    WAREHOUSE_JAKARTA_CODE,
)

RENT = "Beban Sewa"
BANK_CHARGES = "Beban Administrasi Bank"


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One sandbox after a mixed scenario; yields the handle and the documents."""
    with running_jurnal_sandbox(
        tmp_path_factory.mktemp("ledger"), rate_limit_per_minute=100000
    ) as handle:
        yield {"handle": handle, **run_scenario(handle)}


def post(handle: JurnalSandboxHandle, path: str, body: dict[str, Any], status: int = 201) -> Any:
    answer = signed("POST", f"{handle.url}/{path}", body)
    assert answer.status_code == status, answer.text
    return answer.json()


def adjust(
    handle: JurnalSandboxHandle, product: str, warehouse: str, day: str, **line: Any
) -> dict:
    maintain_actual = "actual_quantity" in line
    body = {
        "stock_adjustment": {
            "date": day,
            "warehouse_code": warehouse,
            "maintain_actual": maintain_actual,
            "lines_attributes": [{"product_name": product, **line}],
        }
    }
    return post(handle, "stock_adjustments", body)["stock_adjustment"]


def run_scenario(handle: JurnalSandboxHandle) -> dict[str, Any]:
    product = post(
        handle,
        "products",
        {
            "product": {
                "name": "Kopi Susu",
                "product_code": "KS-1",
                "track_inventory": True,
                "inventory_asset_account_name": ACCOUNT_INVENTORY,
                "sell_price_per_unit": 20000,
            }
        },
    )["product"]
    # Stock in at JKT: 10 @ 8,000 then 10 @ 11,000 → 20 @ 9,500.
    for price in (8000, 11000):
        adjust(
            handle,
            "Kopi Susu",
            WAREHOUSE_JAKARTA_CODE,
            "10/11/2026",
            difference=10,
            use_custom_average_price=True,
            average_price=price,
        )
    # Sold at JKT: 4 × 20,000 + PPN 11% = 88,800, paid at once; COGS 4 × 9,500.
    paid = post(
        handle,
        "sales_invoices",
        {
            "sales_invoice": invoice_body(
                transaction_date="11/11/2026",
                deposit_to_name=ACCOUNT_CASH,
                deposit=88800,
                transaction_lines_attributes=[
                    {
                        "product_name": "Kopi Susu",
                        "quantity": 4,
                        "rate": 20000,
                        "line_tax_name": TAX_PPN,
                    }
                ],
            )
        },
    )["sales_invoice"]
    # 6 units to Bali at 9,500.
    transfer = post(
        handle,
        "warehouse_transfers",
        {
            "warehouse_transfer": {
                "from_warehouse_name": WAREHOUSE_JAKARTA,
                "to_warehouse_name": WAREHOUSE_BALI,
                "transaction_date": "11/11/2026",
                "warehouse_transfer_lines_attributes": [
                    {"product_name": "Kopi Susu", "quantity": 6}
                ],
            }
        },
        status=200,
    )["warehouse_transfer"]
    # Sold at DPS on credit: 2 × 20,000 less 4,000 = 36,000; COGS 2 × 9,500.
    credit = post(
        handle,
        "sales_invoices",
        {
            "sales_invoice": invoice_body(
                transaction_date="12/11/2026",
                warehouse_code=WAREHOUSE_BALI_CODE,
                discount_type_name="Value",
                discount_unit=4000,
                transaction_lines_attributes=[
                    {"product_code": "KS-1", "quantity": 2, "rate": 20000}
                ],
            )
        },
    )["sales_invoice"]
    payment = post(
        handle,
        "receive_payments",
        {
            "receive_payment": {
                "transaction_date": "12/11/2026",
                "deposit_to_name": ACCOUNT_QRIS_CLEARING,
                "payment_method_name": "QRIS",
                "records_attributes": [
                    {"transaction_no": credit["transaction_no"], "amount": 20000}
                ],
            }
        },
    )["receive_payment"]
    # One unit back: 20,000 less its 2,000 discount share = 18,000; stock back at 9,500.
    sales_return = post(
        handle,
        "sales_returns",
        {
            "sales_return": {
                "transaction_date": "13/11/2026",
                "invoice_no": credit["transaction_no"],
                "transaction_return_lines_attributes": [
                    {
                        "transaction_line_id": credit["transaction_lines_attributes"][0]["id"],
                        "return_quantity": 1,
                    }
                ],
            }
        },
    )["sales_return"]
    # Count at JKT finds 8 of the 10 recorded: 2 × 9,500 written off.
    count = adjust(handle, "Kopi Susu", WAREHOUSE_JAKARTA_CODE, "13/11/2026", actual_quantity=8)
    post(
        handle,
        "journal_entries",
        {
            "journal_entry": {
                "transaction_date": "14/11/2026",
                "transaction_account_lines_attributes": [
                    {"account_name": RENT, "debit": 500000},
                    {"account_name": ACCOUNT_BANK, "credit": 500000},
                ],
            }
        },
    )
    post(
        handle,
        "bank_transfers",
        {
            "bank_transfer": {
                "refund_from_name": ACCOUNT_CASH,
                "deposit_to_name": ACCOUNT_BANK,
                "transaction_date": "14/11/2026",
                "transfer_amount": 50000,
            }
        },
        status=200,
    )
    post(
        handle,
        "bank_deposits",
        {
            "bank_deposit": {
                "deposit_to_name": ACCOUNT_BANK,
                "transaction_date": "15/11/2026",
                "transaction_account_lines_attributes": [
                    {"account_name": ACCOUNT_OTHER_INCOME, "credit": 10000}
                ],
            }
        },
    )
    post(
        handle,
        "bank_withdrawals",
        {
            "bank_withdrawal": {
                "refund_from_name": ACCOUNT_CASH,
                "transaction_date": "15/11/2026",
                "transaction_account_lines_attributes": [
                    {"account_name": BANK_CHARGES, "debit": 5000}
                ],
            }
        },
        status=200,
    )
    return {
        "product": product,
        "paid": paid,
        "transfer": transfer,
        "credit": credit,
        "payment": payment,
        "sales_return": sales_return,
        "count": count,
    }


EXPECTED_NET = {  # debit positive, credit negative
    ACCOUNT_INVENTORY: 123500,  # 80,000 + 110,000 − 38,000 − 19,000 + 9,500 − 19,000
    ACCOUNT_INVENTORY_ADJUSTMENT: -171000,  # −80,000 − 110,000 + 19,000
    ACCOUNT_COGS: 47500,  # 38,000 + 19,000 − 9,500
    ACCOUNT_RECEIVABLE: -2000,  # the return exceeded what was still due: a customer credit
    ACCOUNT_CASH: 33800,  # 88,800 − 50,000 − 5,000
    ACCOUNT_QRIS_CLEARING: 20000,
    ACCOUNT_BANK: -440000,  # −500,000 + 50,000 + 10,000
    ACCOUNT_SALES: -120000,
    ACCOUNT_VAT_OUT: -8800,
    ACCOUNT_SALES_DISCOUNT: 2000,  # 4,000 − 2,000 returned
    ACCOUNT_SALES_RETURN: 20000,
    RENT: 500000,
    BANK_CHARGES: 5000,
    ACCOUNT_OTHER_INCOME: -10000,
}


def test_trial_balance_balances_and_matches_hand_computed_balances(day: dict[str, Any]) -> None:
    handle = day["handle"]
    report = signed(
        "GET", f"{handle.url}/trial_balance?start_date=01/11/2026&end_date=30/11/2026"
    ).json()["trial_balance"]
    assert report["header"]["report_date"] == "01/11/2026 - 30/11/2026"
    ending = report["total"]["total_ending_balance"]
    assert ending["debit_raw"] == ending["credit_raw"] == 751800
    assert ending["debit"] == " 751.800,00"
    movement = report["total"]["total_movement"]
    assert movement["debit_raw"] == movement["credit_raw"]
    net = {}
    for group in (
        "asset_accounts",
        "liability_accounts",
        "equity_accounts",
        "income_accounts",
        "expense_accounts",
    ):
        for row in report[group]:
            account = row["account"]
            end = account["end_balance"]
            net[account["name"]] = end["debit_raw"] - end["credit_raw"]
    assert {name: net[name] for name in EXPECTED_NET} == EXPECTED_NET
    assert sum(net.values()) == 0
    assert all(v == 0 for k, v in net.items() if k not in EXPECTED_NET)

    # Before the period everything is opening balance; after the period nothing moves.
    later = signed(
        "GET", f"{handle.url}/trial_balance?start_date=01/12/2026&end_date=31/12/2026"
    ).json()["trial_balance"]
    assert later["total"]["total_opening_balance"]["debit_raw"] == 751800
    assert later["total"]["total_movement"]["debit_raw"] == 0


def report_number(text: str) -> Decimal:
    """A profit-and-loss cell (``" 1.000,00"``, ``"- 1.000,00"``) as a number."""
    negative = text.startswith("-")
    digits = text.lstrip("- ").replace(".", "").replace(",", ".")
    return -Decimal(digits) if negative else Decimal(digits)


def test_profit_and_loss_from_the_ledger(day: dict[str, Any]) -> None:
    handle = day["handle"]
    answer = signed(
        "GET", f"{handle.url}/profit_and_loss?start_date=01/11/2026&end_date=30/11/2026"
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()["profit_and_loss"]
    period = "01/11/2026 - 30/11/2026"
    header = report["header"]
    assert (header["report_date"], header["currency_format"]) == (period, "(in IDR)")

    def rows(section: str) -> dict[str, str]:
        shown = {}
        for account in report[section]["accounts"]["array"]:
            assert set(account) == {"id", "name", "number", "indent", "category", "data"}
            (cell,) = account["data"]
            assert cell["period"] == period
            shown[account["name"]] = cell["balance"]
        return shown

    def total(section: str, key: str = "total") -> str:
        (cell,) = report[section][key]
        assert set(cell) == {"period", "total", "percentage", "show_percentage_in_period"}
        return cell["total"]

    def income(key: str) -> str:
        (cell,) = header[key]
        assert set(cell) == {"period", "income", "percentage", "show_percentage_in_period"}
        return cell["income"]

    # Income shown credit − debit; costs debit − credit (the documented example's signs).
    assert rows("primary_income") == {
        ACCOUNT_SALES: " 120.000,00",
        ACCOUNT_SALES_DISCOUNT: "- 2.000,00",
        ACCOUNT_SALES_RETURN: "- 20.000,00",
    }
    assert total("primary_income") == " 98.000,00"
    # The stock brought in by adjustments was credited to Penyesuaian Persediaan (Cost of
    # Sales): 190,000 in, 19,000 written off at the count.
    assert rows("cost_of_good_sold") == {
        ACCOUNT_COGS: " 47.500,00",
        ACCOUNT_INVENTORY_ADJUSTMENT: "- 171.000,00",
    }
    assert total("cost_of_good_sold") == "- 123.500,00"
    assert total("cost_of_good_sold", "gross_profit") == " 221.500,00"
    assert rows("expense") == {BANK_CHARGES: " 5.000,00", RENT: " 500.000,00"}
    assert rows("other_income") == {ACCOUNT_OTHER_INCOME: " 10.000,00"}
    assert rows("other_expense") == {} and total("other_expense") == " 0,00"
    assert report["other_comprehensive_income_loss"]["accounts"]["array"] == []
    assert income("net_operating_income") == "- 283.500,00"  # 221,500 − 505,000
    assert income("net_income") == income("total_comprehensive_income") == "- 273.500,00"
    (cell,) = header["net_income"]
    assert (cell["percentage"], cell["show_percentage_in_period"]) == (-100, True)
    (sales,) = [
        a for a in report["primary_income"]["accounts"]["array"] if a["name"] == ACCOUNT_SALES
    ]
    assert sales["category"] == {"id": 13, "name": "Income"} and sales["indent"] == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [("01/11/2026", "30/11/2026"), ("12/11/2026", "13/11/2026"), ("01/12/2026", "31/12/2026")],
)
def test_profit_and_loss_ties_to_the_trial_balance(
    day: dict[str, Any], start: str, end: str
) -> None:
    """Net income = the period's income movement (credit − debit) − the expense movement
    (debit − credit) of the trial balance for the same dates."""
    handle = day["handle"]
    query = f"start_date={start}&end_date={end}"
    report = signed("GET", f"{handle.url}/profit_and_loss?{query}").json()["profit_and_loss"]
    trial = signed("GET", f"{handle.url}/trial_balance?{query}").json()["trial_balance"]

    def moved(group: str, sign: int) -> Decimal:
        return (
            sum(
                (
                    Decimal(str(row["account"]["movement"]["debit_raw"]))
                    - Decimal(str(row["account"]["movement"]["credit_raw"]))
                    for row in trial[group]
                ),
                Decimal(0),
            )
            * sign
        )

    revenue = moved("income_accounts", -1)
    costs = moved("expense_accounts", 1)
    (net,) = report["header"]["net_income"]
    assert report_number(net["income"]) == revenue - costs
    sections = {
        key: report_number(report[key]["total"][0]["total"])
        for key in ("primary_income", "cost_of_good_sold", "expense", "other_income")
    }
    other_expense = report_number(report["other_expense"]["total"][0]["total"])
    assert sections["primary_income"] + sections["other_income"] == revenue
    assert sections["cost_of_good_sold"] + sections["expense"] + other_expense == costs
    if start == "01/12/2026":  # nothing moved: empty sections, zero totals, no percentage
        assert net == {
            "period": f"{start} - {end}",
            "income": " 0,00",
            "percentage": 0,
            "show_percentage_in_period": False,
        }
        assert all(report[key]["accounts"]["array"] == [] for key in sections)


def test_account_balances_in_the_chart(day: dict[str, Any]) -> None:
    accounts = signed("GET", f"{day['handle'].url}/accounts").json()["accounts"]
    by_name = {a["name"]: a for a in accounts}
    assert by_name[ACCOUNT_INVENTORY]["balance_amount"] == 123500
    assert by_name[ACCOUNT_SALES]["balance_amount"] == 120000  # income: credit-normal
    assert by_name[ACCOUNT_RECEIVABLE]["balance"] == "(Rp.  2.000,00)"


def test_documents_and_stock(day: dict[str, Any]) -> None:
    handle = day["handle"]
    product = signed("GET", f"{handle.url}/products/{day['product']['id']}").json()["product"]
    assert product["quantity"] == "13.0"  # 8 at JKT, 5 at DPS
    assert product["average_price"] == 9500

    stock = signed(
        "GET", f"{handle.url}/warehouse_stock_quantity?start_date=01/11/2026&end_date=30/11/2026"
    ).json()["warehouse_stock_quantity"]
    (row,) = stock["list"]
    cells = {cell["name"]: cell["quantity"] for cell in row["warehouses"]}
    assert cells[WAREHOUSE_JAKARTA] == "8" and cells[WAREHOUSE_BALI] == "5"
    assert cells["Unassigned"] == "0" and row["total_quantity"] == "13"
    before = signed(
        "GET", f"{handle.url}/warehouse_stock_quantity?start_date=10/11/2026&end_date=10/11/2026"
    ).json()["warehouse_stock_quantity"]
    assert before["list"][0]["total_quantity"] == "20"

    count = day["count"]
    (line,) = count["stock_adjustment_lines_attributes"]
    assert (line["recorded_quantity"], line["actual_quantity"], line["difference"]) == (10, 8, -2)
    assert line["average_price"] == 9500
    assert count["entry"]["transaction_number"].startswith("Stock Adjustment#")

    credit = signed("GET", f"{handle.url}/sales_invoices/{day['credit']['id']}").json()[
        "sales_invoice"
    ]
    assert credit["remaining"] == "0.0"
    assert credit["transaction_status"]["name"] == "Paid"
    assert credit["payment_received_amount"] == "20000.0"
    assert [r["id"] for r in credit["sales_returns"]] == [day["sales_return"]["id"]]
    assert credit["transaction_lines_attributes"][0]["has_return_line"] is True
    assert credit["deletable"] is False and credit["editable"] is False

    sales_return = day["sales_return"]
    assert sales_return["return_amount"] == 18000
    assert sales_return["discount_whole"] == 2000
    assert sales_return["returned_tax"] == 0
    assert sales_return["warehouse"]["name"] == WAREHOUSE_BALI

    warehouse = signed(
        "GET", f"{handle.url}/warehouses/{day['transfer']['to_warehouse']['id']}"
    ).json()["warehouse"]
    assert warehouse["warehouse_inventory"] == [
        {"id": product["id"], "name": "Kopi Susu", "code": "KS-1", "quantity": "5"}
    ]
    assert [t["transaction_type_id"] for t in warehouse["transactions"]] == [25]
    assert warehouse["deletable"] is False


def test_general_ledger_and_bank_statements(day: dict[str, Any]) -> None:
    handle = day["handle"]
    accounts = signed("GET", f"{handle.url}/accounts").json()["accounts"]
    cash = next(a for a in accounts if a["name"] == ACCOUNT_CASH)
    ledger = signed(
        "GET",
        f"{handle.url}/general_ledger?start_date=12/11/2026&end_date=30/11/2026"
        f"&account_id={cash['id']}",
    ).json()["general_ledger"]
    assert ledger["header"]["period"] == "12/11/2026 - 30/11/2026"
    (report,) = ledger["report"]["accounts"]
    assert report["subheader"] == f"({cash['number']}) {ACCOUNT_CASH}"
    assert report["beginning_balance"] == {
        "date": "11/11/2026",
        "balance": " 88.800,00",
        "balance_raw": 88800,
    }
    rows = [c["transaction"] for c in report["content"]]
    assert [(r["transaction_type"], r["credit_raw"]) for r in rows] == [
        ("Bank Transfer", 50000),
        ("Bank Withdrawal", 5000),
    ]
    assert report["ending_balance"]["balance_raw"] == 33800
    assert rows[-1]["balance"] == " 33.800,00"

    everything = signed(
        "GET", f"{handle.url}/general_ledger?start_date=01/11/2026&end_date=30/11/2026"
    ).json()["general_ledger"]
    grand = everything["report"]["grand_total"]
    assert grand["debit_raw"] == grand["credit_raw"]

    statements = signed(
        "GET",
        f"{handle.url}/accounts/{cash['id']}/bank_statements?start_date=2026-11-01"
        "&end_date=2026-11-30",
    ).json()
    assert statements["header"]["beginning_balance"] == "0.0"
    assert statements["header"]["ending_balance"] == "33800.0"
    assert [s["debit"] for s in statements["bank_statements"]] == ["88800.0", "0.0", "0.0"]
    sales = next(a for a in accounts if a["name"] == ACCOUNT_SALES)
    refused = signed("GET", f"{handle.url}/accounts/{sales['id']}/bank_statements")
    assert refused.status_code == 422
    assert refused.json() == {"errors": "Data tidak ditemukan."}


def test_deleting_documents_takes_back_their_postings(tmp_path: Path) -> None:
    with running_jurnal_sandbox(tmp_path / "j", rate_limit_per_minute=100000) as handle:
        scenario = run_scenario(handle)
        url = handle.url
        # An invoice with payments or returns cannot be deleted.
        locked = signed("DELETE", f"{url}/sales_invoices/{scenario['credit']['id']}")
        assert locked.status_code == 422
        assert locked.json()["errors"] == "Unprocessable Entity"
        for path in (
            f"sales_returns/{scenario['sales_return']['id']}",
            f"receive_payments/{scenario['payment']['id']}",
            f"sales_invoices/{scenario['credit']['id']}",
            f"stock_adjustments/{scenario['count']['id']}",
            f"warehouse_transfers/{scenario['transfer']['id']}",
        ):
            assert signed("DELETE", f"{url}/{path}").status_code == 204, path
        assert signed("GET", f"{url}/sales_invoices/{scenario['credit']['id']}").status_code == 422
        product = signed("GET", f"{url}/products/{scenario['product']['id']}").json()["product"]
        assert product["quantity"] == "16.0"  # 20 in, 4 sold at JKT
        report = signed(
            "GET", f"{url}/trial_balance?start_date=01/11/2026&end_date=30/11/2026"
        ).json()["trial_balance"]
        net = {
            row["account"]["name"]: row["account"]["end_balance"]["debit_raw"]
            - row["account"]["end_balance"]["credit_raw"]
            for group in ("asset_accounts", "income_accounts", "expense_accounts")
            for row in report[group]
        }
        assert net[ACCOUNT_INVENTORY] == 190000 - 38000
        assert net[ACCOUNT_RECEIVABLE] == 0
        assert net[ACCOUNT_SALES_RETURN] == 0
        assert net[ACCOUNT_COGS] == 38000


def test_negative_stock_is_costed_at_the_last_known_cost(tmp_path: Path) -> None:
    with running_jurnal_sandbox(tmp_path / "j", rate_limit_per_minute=100000) as handle:
        product = post(
            handle,
            "products",
            {
                "product": {
                    "name": "Donat",
                    "product_code": "DNT-1",
                    "track_inventory": True,
                    "inventory_asset_account_name": ACCOUNT_INVENTORY,
                    "buy_price_per_unit": 5000,
                }
            },
        )["product"]
        # No stock anywhere: 3 sold from Unassigned at the buy price, stock goes to −3.
        invoice = post(
            handle,
            "sales_invoices",
            {
                "sales_invoice": invoice_body(
                    warehouse_code=None,
                    transaction_lines_attributes=[
                        {"product_name": "Donat", "quantity": 3, "rate": 8000}
                    ],
                )
            },
        )["sales_invoice"]
        assert invoice["warehouse"]["id"] is None

        def balances() -> dict[str, int]:
            accounts = signed("GET", f"{handle.url}/accounts").json()["accounts"]
            return {a["name"]: a["balance_amount"] for a in accounts}

        assert balances()[ACCOUNT_COGS] == 15000
        assert balances()[ACCOUNT_INVENTORY] == -15000
        unassigned = signed("GET", f"{handle.url}/warehouses/-1").json()["warehouse"]
        assert unassigned["warehouse_inventory"][0]["quantity"] == "-3"

        # Updating the invoice to 2 units re-costs it: the old movement is taken back first.
        patched = signed(
            "PATCH",
            f"{handle.url}/sales_invoices/{invoice['id']}",
            {
                "sales_invoice": {
                    "transaction_lines_attributes": [
                        {"product_name": "Donat", "quantity": 2, "rate": 8000}
                    ]
                }
            },
        )
        assert patched.status_code == 200, patched.text
        assert balances()[ACCOUNT_COGS] == 10000
        # 5 in at 6,000: value −10,000 + 30,000 = 20,000 for 3 units.
        post(
            handle,
            "stock_adjustments",
            {
                "stock_adjustment": {
                    "warehouse_id": -1,
                    "lines_attributes": [
                        {
                            "product_id": product["id"],
                            "difference": 5,
                            "use_custom_average_price": True,
                            "average_price": 6000,
                        }
                    ],
                }
            },
        )
        fetched = signed("GET", f"{handle.url}/products/{product['id']}").json()["product"]
        assert fetched["quantity"] == "3.0"
        assert fetched["average_price"] == 6666.67
        assert balances()[ACCOUNT_INVENTORY] == 20000


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start_date=31/02/2026", "start_date"),
        ("start_date=02/11/2026&end_date=01/11/2026", "start_date"),
        ("account_id=kas", "account_id"),
    ],
)
def test_report_parameters_are_checked(day: dict[str, Any], query: str, field: str) -> None:
    answer = signed("GET", f"{day['handle'].url}/general_ledger?{query}")
    assert answer.status_code == 422
    assert field in answer.json() and answer.json()["error_full_messages"]


def test_balance_sheet_from_the_ledger(day: dict[str, Any]) -> None:
    """Assets debit − credit, liabilities and equity credit − debit, the year's earnings as the
    example's computed equity rows; assets = liabilities + equity (hand-computed above)."""
    handle = day["handle"]
    answer = signed("GET", f"{handle.url}/balance_sheet?end_date=30/11/2026")
    assert answer.status_code == 200, answer.text
    report = answer.json()["balance_sheet"]

    def rows(section: str) -> dict[str, str]:
        shown = {}
        for account in report[section]["accounts"]["array"]:
            assert set(account) == {"id", "name", "number", "indent", "category", "data"}
            (cell,) = account["data"]
            assert cell["period"] == "30/11/2026"
            shown[account["name"]] = cell["balance"]
        return shown

    def total(section: str) -> str:
        (cell,) = report[section]["total"]
        return cell["total"]

    assert rows("current_assets") == {
        ACCOUNT_CASH: " 33.800,00",
        ACCOUNT_QRIS_CLEARING: " 20.000,00",
        ACCOUNT_BANK: "- 440.000,00",
        ACCOUNT_RECEIVABLE: "- 2.000,00",
        ACCOUNT_INVENTORY: " 123.500,00",
    }
    assert total("current_assets") == "- 264.700,00"
    for section in ("fixed_assets", "other_assets", "depreciations", "long_liabilities"):
        assert report[section]["accounts"]["array"] == [] and total(section) == " 0,00"
    assert rows("current_liabilities") == {ACCOUNT_VAT_OUT: " 8.800,00"}
    assert rows("equity") == {
        "Earnings up to Last Period": " 0,00",
        "Current Period Earnings": "- 273.500,00",  # the year's net income (P&L above)
        "Accumulated other comprehensive income": " 0,00",
    }
    assert [a["id"] for a in report["equity"]["accounts"]["array"]] == [-1, -2, -3]
    header = report["header"]
    assert (header["report_date"], header["currency_format"]) == ("30/11/2026", "(in IDR)")
    (assets,) = header["total_assets"]
    (claims,) = header["total_liability_and_equity"]
    assert assets["income"] == claims["income"] == "- 264.700,00"


def test_balance_sheet_moves_last_years_earnings_down(day: dict[str, Any]) -> None:
    handle = day["handle"]
    report = signed("GET", f"{handle.url}/balance_sheet?end_date=31/01/2027").json()[
        "balance_sheet"
    ]
    equity = {a["name"]: a["data"][0]["balance"] for a in report["equity"]["accounts"]["array"]}
    assert equity["Earnings up to Last Period"] == "- 273.500,00"
    assert equity["Current Period Earnings"] == " 0,00"
    (assets,) = report["header"]["total_assets"]
    (claims,) = report["header"]["total_liability_and_equity"]
    assert assets["income"] == claims["income"] == "- 264.700,00"
    before = signed("GET", f"{handle.url}/balance_sheet?end_date=31/10/2026").json()
    assert before["balance_sheet"]["current_assets"]["accounts"]["array"] == []
    bad = signed("GET", f"{handle.url}/balance_sheet?end_date=not-a-date")
    assert bad.status_code == 422


def test_inventory_summary_values_the_stock_the_inventory_account_holds(
    day: dict[str, Any],
) -> None:
    handle = day["handle"]
    period = "start_date=01/11/2026&end_date=30/11/2026"
    summary = signed("GET", f"{handle.url}/inventory_summary?{period}").json()["inventory_summary"]
    assert summary["header"] == {
        "report_date": "01/11/2026 - 30/11/2026",
        "currency": "(dalam IDR)",
    }
    (row,) = summary["list"]
    assert (row["product_code"], row["product_name"], row["units"]) == ("KS-1", "Kopi Susu", "Pcs")
    assert (row["quantity"], row["average_cost"], row["value"]) == (
        "13",
        " 9.500,00",
        " 123.500,00",
    )
    assert row["product_name_url"] == f"/products/detail/{day['product']['id']}"
    # the stock's value is the Inventory account's balance (EXPECTED_NET above)
    assert summary["grand_total"] == {"total_value": " 123.500,00"}
    assert EXPECTED_NET[ACCOUNT_INVENTORY] == 123500

    earlier = signed(
        "GET", f"{handle.url}/inventory_summary?start_date=10/11/2026&end_date=10/11/2026"
    ).json()["inventory_summary"]
    assert earlier["list"][0]["quantity"] == "20"
    query = "start_date=31/10/2026&end_date=31/10/2026"
    empty = signed("GET", f"{handle.url}/inventory_summary?{query}").json()["inventory_summary"]
    assert [(r["quantity"], r["value"]) for r in empty["list"]] == [("0", " 0,00")]
    skipped = signed("GET", f"{handle.url}/inventory_summary?{query}&excl_empty_stock=true")
    assert skipped.json()["inventory_summary"]["list"] == []
