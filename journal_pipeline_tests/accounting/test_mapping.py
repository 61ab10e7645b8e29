"""The pure choices of `mapping init` and the problems `check` finds, on the Jurnal emulator's
own chart of accounts and warehouses (its seed), without HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from journal_pipeline.accounting.mapping import (
    charged_rate,
    choose_account,
    choose_payment_account,
    choose_tax,
    choose_warehouse,
    choose_zone,
    company_accounts,
)
from journal_pipeline.accounting.mapping_checks import (
    account_problems,
    closed_books_problems,
    company_setting_problems,
    method_problems,
    todo_paths,
    unused_method_names,
)
from journal_pipeline.accounting.mapping_yaml import _role_line
from journal_pipeline.config import MerchantConfig, load_config
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.jurnal_store import SEED_ACCOUNTS, SEED_WAREHOUSES

ACCOUNTS = [{"name": a.name, "category": {"id": a.category_id}} for a in SEED_ACCOUNTS]
WAREHOUSES = [{"name": name, "code": code} for name, code in SEED_WAREHOUSES]


def test_roles_are_matched_by_category_then_name():
    assert choose_account("sales", ACCOUNTS).value == "Penjualan"  # not "Diskon Penjualan"
    assert choose_account("inventory", ACCOUNTS).value == "Persediaan Barang"
    assert choose_account("cogs", ACCOUNTS).value == "Beban Pokok Pendapatan"
    assert choose_account("goods_received", ACCOUNTS).value == "Hutang Belum Ditagih"


def test_a_role_without_a_fitting_account_is_a_todo():
    only_cash = [a for a in ACCOUNTS if a["category"]["id"] == 3]
    choice = choose_account("inventory", only_cash)
    assert choice.undecided and choice.value.startswith("TODO: ")


def test_an_optional_role_is_written_when_found_and_else_left_commented_out():
    assert choose_account("platform_fees", ACCOUNTS).undecided  # the demo sells at the till
    commission = {"name": "Beban Komisi Marketplace", "category": {"id": 16}}
    assert choose_account("platform_fees", [*ACCOUNTS, commission]).value == commission["name"]
    line = _role_line("platform_fees", choose_account("platform_fees", ACCOUNTS))
    assert line.startswith("  # platform_fees: ") and "booked to payment_fees" in line
    assert "TODO" not in line  # `check` does not refuse the file for it
    found = _role_line("platform_fees", choose_account("platform_fees", [*ACCOUNTS, commission]))
    assert found.startswith('  "platform_fees": "Beban Komisi Marketplace"  # ')


def test_payment_methods_by_name_then_gateway():
    assert (
        choose_payment_account("QRIS", "iseller_pay", ACCOUNTS).value == "Kliring QRIS iSeller Pay"
    )
    assert choose_payment_account("Debit BCA", "external_debit", ACCOUNTS).value == "Kliring EDC"
    assert choose_payment_account("Cash", "cash", ACCOUNTS).value == "Kas"
    assert choose_payment_account("Transfer Bank", "custom", ACCOUNTS).value == "Rekening Bank"
    assert choose_payment_account("Dana", "custom", ACCOUNTS).undecided


def test_warehouses_by_code_then_city_and_zones_by_region():
    assert choose_warehouse("BDG", "Bandung Braga", WAREHOUSES).value == "Gudang Bandung Dago"
    renamed = [{"name": "Gudang Bandung Dago", "code": None}]
    assert choose_warehouse("XYZ", "Bandung Braga", renamed).value == "Gudang Bandung Dago"
    assert choose_warehouse("SBY", "Surabaya", WAREHOUSES).undecided
    assert choose_zone(["Jawa", "Jl. Braga 21, Bandung"], "Asia/Jakarta").value == "Asia/Jakarta"
    assert choose_zone(["Bali"], "Asia/Jakarta").value == "Asia/Makassar"
    assert choose_zone(["Jl. Ahmad Yani, Jayapura, Papua"], "Asia/Jakarta").value == "Asia/Jayapura"


def test_check_finds_wrong_category_unknown_account_and_todo():
    config = MerchantConfig.model_validate(
        {
            "accounts": {"inventory": "Penjualan", "sales": "Pendapatan Usaha"},
            "payment_methods": {"Cash": "Kas"},
        }
    )
    assert account_problems(config, ACCOUNTS) == [
        "accounts.inventory: Jurnal account 'Penjualan' is of category 13, not 4; name an "
        "account of a fitting category",
        "accounts.sales: Jurnal has no account 'Pendapatan Usaha' (or it is archived); create it "
        "in Jurnal, unarchive it, or name an existing one",
    ]
    raw = {"accounts": {"cogs": "TODO: name it"}, "outlets": {"JKT": {"warehouse": "TODO: x"}}}
    assert todo_paths(raw) == ["accounts.cogs", "outlets.JKT.warehouse"]


def test_an_entry_no_recent_payment_used_is_noted_as_a_possible_misspelling():
    config = MerchantConfig.model_validate(
        {
            "payment_methods": {
                "Tunai": "Kas",
                "QRIS": "Kliring QRIS",
                "iseller_pay": "Kliring",
                "kartu kredit": "Kliring Kartu Kredit",
            },
            "settlements": {"Kartu kredit": {"bank_account": "Rekening Bank", "lag_days": 2}},
            "outlets": {
                "JKT": {
                    "name": "Jakarta",
                    "timezone": "Asia/Jakarta",
                    "payment_methods": {"GoPay": "Kliring GoPay"},
                }
            },
        }
    )
    seen = [("Cash", "cash"), ("QRIS", "iseller_pay"), ("Kartu Kredit", None)]
    # Cash is what iSeller calls it: unmapped (a problem), and Tunai is noted as never used
    assert method_problems(config, seen) == [
        "payment_methods.Cash: iSeller took payments by 'Cash' (gateway cash) and the config "
        "maps it to no account; add `Cash: <Jurnal Cash & Bank account>` under payment_methods"
    ]
    shown = "(methods seen: Cash, Kartu Kredit, QRIS)"
    assert unused_method_names(config, seen, 30) == [
        f"payment_methods.Tunai: no iSeller payment of the last 30 days was made by 'Tunai' "
        f"{shown}; check the spelling if it is in use",
        f"outlets.JKT.payment_methods.GoPay: no iSeller payment of the last 30 days was made by "
        f"'GoPay' {shown}; check the spelling if it is in use",
    ]  # names and gateways match whatever their case (kartu kredit, iseller_pay)


def test_jurnal_closed_after_lock_date_is_named_in_every_date_form():
    config = load_config(DEMO_CONFIG)  # no lock_date
    for written in ("31/10/2026", "2026-10-31", "31-10-2026"):
        (problem,) = closed_books_problems(
            config, {"company": {"last_closing_the_book_date": written}}
        )
        assert "closed up to 2026-10-31 but lock_date is not set" in problem
    for nothing in ("", None):
        assert (
            closed_books_problems(config, {"company": {"last_closing_the_book_date": nothing}})
            == []
        )
    locked = config.model_copy(update={"lock_date": date(2026, 10, 31)})
    assert closed_books_problems(locked, {"last_closing_the_book_date": "31/10/2026"}) == []
    earlier = config.model_copy(update={"lock_date": date(2026, 9, 30)})
    (problem,) = closed_books_problems(earlier, {"last_closing_the_book_date": "31/10/2026"})
    assert "but lock_date is 2026-09-30; set `lock_date: 2026-10-31`" in problem


def test_jurnal_s_company_settings_decide_the_roles_jurnal_books_by_itself():
    """Invoice discounts, shipping and sales returns go where Jurnal's company settings say
    (``default_accounts``; the documented example also repeats the shipping account at the
    top): `mapping init` takes those, and `check` names a config that maps elsewhere."""
    company = {
        "sale_shipping_account": {"id": 14304, "name": "Other Income"},
        "default_accounts": {
            "sale_discount_account": {"id": 7238, "name": "Sales Discount"},
            "default_sales_return_account": None,
        },
    }
    settings = company_accounts(company)
    assert settings == {"sales_discount": "Sales Discount", "shipping_income": "Other Income"}
    chosen = choose_account("sales_discount", ACCOUNTS, settings)
    assert (chosen.value, chosen.why) == (
        "Sales Discount",
        "Jurnal books invoice discounts there (company setting sale_discount_account)",
    )
    assert choose_account("sales_return", ACCOUNTS, settings).value == "Retur Penjualan"
    config = MerchantConfig.model_validate(
        {
            "accounts": {"sales_discount": "sales discount", "shipping_income": "Penjualan"},
            "outlets": {"JKT": {"accounts": {"sales_discount": "Diskon Penjualan"}}},
        }
    )
    problems = company_setting_problems(config, company)
    assert [p.split(":", 1)[0] for p in problems] == [
        "accounts.shipping_income",  # the same name in other letters is the same account
        "outlets.JKT.accounts.sales_discount",
    ]
    assert company_setting_problems(config, {}) == []  # Jurnal said nothing: nothing to compare


def test_check_finds_a_missing_account_in_the_mapping_history():
    config = MerchantConfig.model_validate(
        {
            "outlets": {"JKT": {}},
            "mapping_history": [
                {
                    "until": "2026-06-30",
                    "payment_methods": {"QRIS": "Kliring QRIS Lama"},
                    "settlements": {"QRIS": {"bank_account": "Rekening Lama"}},
                    "outlets": {"JKT": {"accounts": {"payment_fees": "Penjualan"}}},
                }
            ],
        }
    )
    assert account_problems(config, ACCOUNTS) == [
        "mapping_history[0].payment_methods.QRIS: Jurnal has no account 'Kliring QRIS Lama' (or "
        "it is archived); create it in Jurnal, unarchive it, or name an existing one",
        "mapping_history[0].outlets.JKT.accounts.payment_fees: Jurnal account 'Penjualan' is of "
        "category 13, not 15 or 16 or 17; name an account of a fitting category",
        "mapping_history[0].settlements.QRIS.bank_account: Jurnal has no account "
        "'Rekening Lama' (or it is archived); create it in Jurnal, unarchive it, or name an "
        "existing one",
    ]


def test_the_rate_charged_is_read_from_the_tax_amounts():
    d = Decimal
    # PPN 12% on 11/12 of the price: Rp 11.000 on Rp 100.000, a line rounded to the rupiah
    assert charged_rate(d(12), [d("11.00"), d("11.00"), d("10.99")]) == 11
    assert charged_rate(d(12), [d("12.00"), d("11.99")]) == 12  # charged as stated
    assert charged_rate(d(10), [d("10.00")]) == 10  # PB1
    assert charged_rate(d(12), []) == 12  # nothing to tell by: as stated
    assert charged_rate(d(11), [d("10.08")]) == 11  # 11 on 11/12 is not a rate iSeller charges


def test_of_two_taxes_at_the_rate_charged_the_one_named_for_the_stated_rate_is_chosen():
    old = {"name": "PPN", "rate": "11.0", "sell_tax_account": {"name": "PPN Keluaran"}}
    new = {"name": "PPN 12% DPP 11/12", "rate": 11, "sell_tax_account": {"name": "PPN Keluaran"}}
    key, tax, why = choose_tax(Decimal(11), [old, new], Decimal(12))
    assert (key, tax) == ("PPN 12% DPP 11/12", new) and "11%" in why
    # without a stated rate there is nothing to tell them apart by: left for a person
    assert choose_tax(Decimal(11), [old, new]) == (None, None, "2 Jurnal taxes have rate 11%")
    assert choose_tax(Decimal(11), [old], Decimal(12))[1] == old  # one at that rate: it
