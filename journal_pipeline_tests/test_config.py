"""The merchant config refuses what the code does not do, and says what to set."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from journal_pipeline.config import ConfigError, load_config
from journal_sandbox.defaults import DEMO_CONFIG


def _write(tmp_path, text: str):
    """The config ``text`` as a file; one that maps no outlet gets one, as a config must."""
    if not ("\n" + text).count("\noutlets:"):
        text += "outlets:\n  JKT: {name: Jakarta}\n"
    path = tmp_path / "merchant.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_demo_config_loads():
    config = load_config(DEMO_CONFIG)
    assert config.posting_mode == "per_order"
    assert set(config.outlets) == {"JKT", "BDG", "DPS"}


def test_a_posting_mode_the_code_does_not_have_is_refused_by_name(tmp_path):
    path = _write(tmp_path, "posting_mode: weekly_summary\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert "posting_mode" in message and "weekly_summary" in message
    assert "per_order" in message and "daily_summary" in message  # and what it can be


def test_daily_summary_mode_from_a_date(tmp_path):
    path = _write(tmp_path, "posting_mode: daily_summary\nposting_mode_since: 2026-11-17\n")
    config = load_config(path)
    assert config.mode_of(date(2026, 11, 16)) == "per_order"
    assert config.mode_of(date(2026, 11, 17)) == "daily_summary"


def test_an_account_role_the_pipeline_does_not_book_is_refused_by_name(tmp_path):
    path = _write(tmp_path, "accounts:\n  shiping_income: Pendapatan Lain-lain\n")
    with pytest.raises(ConfigError, match="shiping_income"):
        load_config(path)
    outlet = "outlets:\n  JKT:\n    accounts:\n      sales_returns: Retur\n"
    with pytest.raises(ConfigError, match="sales_returns"):
        load_config(_write(tmp_path, outlet))


def test_an_unknown_option_is_refused_by_name(tmp_path):
    path = _write(tmp_path, "posting_mode: per_order\nsummary_cutoff: 3\n")
    with pytest.raises(ConfigError, match="summary_cutoff"):
        load_config(path)


def test_the_banks_holiday_calendar_is_indonesias_unless_the_config_says_otherwise(tmp_path):
    default = load_config(_write(tmp_path, "posting_mode: per_order\n"))
    assert default.reconciliation.holiday_calendar == "ID"
    assert not default.reconciliation.calendar.is_open(date(2026, 12, 25))
    lower = "reconciliation:\n  holiday_calendar: sg\n  bank_open_on: [2026-12-25]\n"
    singapore = load_config(_write(tmp_path, lower)).reconciliation
    assert singapore.holiday_calendar == "SG" and singapore.calendar.is_open(date(2026, 12, 25))
    off = load_config(_write(tmp_path, "reconciliation:\n  holiday_calendar: null\n"))
    assert off.reconciliation.calendar.is_open(date(2026, 12, 25))
    with pytest.raises(ConfigError, match="holiday_calendar 'Indonesia' is not a country"):
        load_config(_write(tmp_path, "reconciliation:\n  holiday_calendar: Indonesia\n"))


def test_a_refused_tax_is_named_alone_not_again_as_missing_for_its_outlets(tmp_path):
    text = (
        "taxes:\n  PPN: {jurnal_name: PPN, rate: eleven, account: PPN Keluaran}\n"
        "outlets:\n  JKT: {name: Jakarta, timezone: Asia/Jakarta, tax: PPN}\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_config(_write(tmp_path, text))
    message = str(raised.value)
    assert "taxes.PPN.rate" in message and "eleven" in message
    assert "not defined under taxes" not in message
    # a tax that is not there at all is still named for the outlet that uses it
    missing = "outlets:\n  JKT: {name: Jakarta, timezone: Asia/Jakarta, tax: PB1}\n"
    with pytest.raises(ConfigError, match="outlet JKT: tax 'PB1' is not defined under taxes"):
        load_config(_write(tmp_path, missing))


def test_without_a_config_path_the_message_names_the_variable_and_the_way_to_try(monkeypatch):
    monkeypatch.delenv("JOURNAL_PIPELINE_CONFIG", raising=False)
    with pytest.raises(ConfigError) as raised:
        load_config()
    message = str(raised.value)
    assert "JOURNAL_PIPELINE_CONFIG" in message
    assert "README.md" in message and "journal-pipeline sandbox --print-env" in message


def test_the_catch_up_limit_defaults_to_a_week_and_refuses_nonsense(tmp_path):
    assert load_config(_write(tmp_path, "name: x\n")).automation.max_catch_up_runs == 7
    path = _write(tmp_path, "automation:\n  max_catch_up_runs: 3\n")
    assert load_config(path).automation.max_catch_up_runs == 3
    with pytest.raises(ConfigError, match=r"automation\.max_catch_up_runs"):
        load_config(_write(tmp_path, "automation:\n  max_catch_up_runs: 0\n"))
    with pytest.raises(ConfigError, match="max_runs"):
        load_config(_write(tmp_path, "automation:\n  max_runs: 3\n"))


HISTORY = """
accounts: {payment_fees: Beban MDR Baru, cash_over_short: Selisih Kas}
payment_methods: {QRIS: Kliring QRIS BCA, Cash: Kas}
outlets:
  JKT: {payment_methods: {Cash: Kas JKT}}
  BDG: {}
mapping_history:
  - until: 2026-06-30
    note: the first QRIS provider
    payment_methods: {qris: Kliring QRIS Lama}
    accounts: {payment_fees: Beban MDR Lama}
  - until: 2026-03-31
    payment_methods: {QRIS: Kliring QRIS Pertama}
    outlets: {JKT: {payment_methods: {Cash: Kas Kecil JKT}}}
"""


def test_a_mapping_changed_from_a_date_gives_each_day_the_mapping_of_its_time(tmp_path):
    config = load_config(_write(tmp_path, HISTORY))

    def mapped(day: date) -> tuple:
        on = config.on(day)
        return (
            on.payment_account("QRIS", None, "BDG"),
            on.account("payment_fees", None),
            on.payment_account("Cash", None, "JKT"),
            on.account("cash_over_short", None),
        )

    assert mapped(date(2026, 3, 31)) == (
        "Kliring QRIS Pertama",  # the entry nearest the day wins
        "Beban MDR Lama",
        "Kas Kecil JKT",
        "Selisih Kas",
    )
    assert mapped(date(2026, 4, 1)) == (
        "Kliring QRIS Lama",
        "Beban MDR Lama",
        "Kas JKT",
        "Selisih Kas",
    )
    assert mapped(date(2026, 7, 1)) == (
        "Kliring QRIS BCA",
        "Beban MDR Baru",
        "Kas JKT",
        "Selisih Kas",
    )
    assert config.on(date(2026, 4, 1)).on(date(2026, 7, 1)) is config.on(date(2026, 7, 1))
    # a day's config is the mapping of the day alone: an edit of another period does not
    # make the day look changed (its build digest)
    assert config.on(date(2026, 7, 1)).mapping_history == []


@pytest.mark.parametrize(
    ("history", "said"),
    [
        ("[{until: 2026-06-30, accounts: {sales: Penjualan Lama}}]", "sales cannot change"),
        (
            "[{until: 2026-06-30, outlets: {JKT: {accounts: {receivable: Piutang}}}}]",
            "receivable cannot change",
        ),
        ("[{until: 2026-06-30}, {until: 2026-06-30}]", "two entries end on the same day"),
        ("[{until: 2026-06-30, outlets: {SBY: {}}}]", "outlet SBY is not under outlets"),
        (
            "[{until: 2026-06-30, outlets: {JKT: {tax: PPN11}}}]",
            "tax 'PPN11' is not defined under taxes",
        ),
    ],
)
def test_a_history_the_code_cannot_honour_is_refused_saying_why(tmp_path, history, said):
    """Jurnal books a product's, the company's, a customer's or a tax's accounts by its own
    records whatever the date: a history of those would part Jurnal's ledger and the journal."""
    text = f"outlets: {{JKT: {{}}}}\nmapping_history: {history}\n"
    with pytest.raises(ConfigError) as raised:
        load_config(_write(tmp_path, text))
    assert said in str(raised.value)


TAX_HISTORY = """
taxes:
  PPN: {jurnal_name: PPN, rate: 11, account: PPN Keluaran}
  PPN12: {jurnal_name: PPN 12%, rate: 12, account: PPN Keluaran}
outlets:
  JKT: {tax: PPN12}
  BDG: {tax: PPN12}
mapping_history:
  - until: 2024-12-31
    note: PPN went up to 12%
    outlets: {JKT: {tax: PPN}}
  - until: 2023-06-30
    note: BDG charged no tax before it registered for PPN
    outlets: {BDG: {tax: null}}
"""


def test_an_outlets_tax_changes_from_a_date(tmp_path):
    config = load_config(_write(tmp_path, TAX_HISTORY))

    def taxes(day: date) -> tuple:
        return tuple(
            (tax.jurnal_name, tax.rate) if tax is not None else None
            for tax in (config.tax_for("JKT", day), config.tax_for("BDG", day))
        )

    assert taxes(date(2023, 6, 30)) == (("PPN", 11), None)  # null: no tax then
    assert taxes(date(2024, 12, 31)) == (("PPN", 11), ("PPN 12%", 12))
    assert taxes(date(2025, 1, 1)) == (("PPN 12%", 12), ("PPN 12%", 12))
    # without a day: the tax now; a day's own config gives that day's
    assert config.tax_for("JKT").jurnal_name == "PPN 12%"
    assert config.on(date(2024, 1, 1)).tax_for("JKT").jurnal_name == "PPN"


def test_one_jurnal_tax_name_with_two_rates_is_refused_naming_the_way(tmp_path):
    text = """
taxes:
  PPN: {jurnal_name: PPN, rate: 11, account: PPN Keluaran}
  PPN12: {jurnal_name: ppn, rate: 12, account: PPN Keluaran}
"""
    with pytest.raises(ConfigError) as raised:
        load_config(_write(tmp_path, text))
    said = str(raised.value)
    assert "PPN and PPN12 both name Jurnal's tax 'ppn'" in said
    assert "mapping_history" in said


def test_a_settlement_rule_changes_from_a_date(tmp_path):
    text = """
settlements:
  QRIS: {bank_account: Rekening BCA, lag_days: 1, mdr_percent: 0.3}
  Cash: {bank_account: Rekening BCA}
mapping_history:
  - until: 2025-12-31
    note: the first acquirer
    settlements: {qris: {bank_account: Rekening Mandiri, lag_days: 2, mdr_percent: 0.7}}
"""
    config = load_config(_write(tmp_path, text))
    before, since = config.on(date(2025, 12, 31)), config.on(date(2026, 1, 1))
    assert before.settlement("QRIS", None).model_dump() == {
        "bank_account": "Rekening Mandiri",
        "lag_days": 2,
        "lag_counts": "business_days",
        "mdr_percent": Decimal("0.7"),
        "fee_on_void": "kept",
        "fee_basis": "payment",
    }
    assert since.settlement("QRIS", None).mdr_percent == Decimal("0.3")
    assert before.settlement("Cash", None).bank_account == "Rekening BCA"  # not named: as now
    # the reconciliation reads every bank account the takings ever reached, from any day
    banks = {rule.bank_account for rule in since.all_settlements()}
    assert banks == {"Rekening BCA", "Rekening Mandiri"}


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        ("{bank_account: Rekening BCA, fee_basis: day}", "set mdr_percent"),
        (
            "{bank_account: Rekening BCA, mdr_percent: 1, fee_basis: day, fee_on_void: returned}",
            "fee_on_void: returned does not apply with fee_basis: day",
        ),
        ("{bank_account: Rekening BCA, mdr_percent: 1, fee_basis: batch}", "fee_basis"),
    ],
)
def test_a_fee_basis_the_code_cannot_apply_is_refused_naming_it(tmp_path, rule, said):
    with pytest.raises(ConfigError) as raised:
        load_config(_write(tmp_path, f"settlements:\n  Debit BCA: {rule}\n"))
    assert said in str(raised.value)
    assert "Debit BCA" in str(raised.value)


def test_an_outlet_without_a_time_zone_keeps_the_merchants(tmp_path):
    from datetime import UTC, datetime

    from journal_pipeline.accounting.business_day import business_date

    text = (
        "timezone: Asia/Makassar\n"
        "outlets:\n"
        "  DPS: {name: Denpasar, cutoff_hour: 2}\n"
        "  JKT: {name: Jakarta, timezone: Asia/Jakarta}\n"
    )
    config = load_config(_write(tmp_path, text))
    assert config.outlets["DPS"].timezone is None  # not written: the merchant's, read late
    assert config.outlet_zone("DPS") == ("Asia/Makassar", 2)
    assert config.outlet_zone("JKT") == ("Asia/Jakarta", 0)
    assert config.zones() == [("Asia/Jakarta", 0), ("Asia/Makassar", 0), ("Asia/Makassar", 2)]
    # 20 Nov 18:30 UTC is 21 Nov 02:30 in Makassar (UTC+8), past DPS's 02:00 cut-off: the 21st
    # (in Jakarta, UTC+7, it would still be the 21st at 01:30, before the cut-off: the 20th)
    moment = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
    assert business_date(moment, *config.outlet_zone("DPS")) == date(2026, 11, 21)
    assert business_date(moment, "Asia/Jakarta", 2) == date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ("outlets:\n  JKT: {warehouse: Gudang}\n  jkt: {warehouse: Lain}\n", "JKT", "jkt"),
        ("payment_methods: {Cash: Kas, cash: Kas Lain}\n", "Cash", "cash"),
        ("settlements: {QRIS: {bank_account: BCA}, qris: {bank_account: BRI}}\n", "QRIS", "qris"),
        (
            "outlets:\n  JKT: {payment_methods: {GoPay: Kliring, GOPAY: Kliring Lain}}\n",
            "GoPay",
            "GOPAY",
        ),
    ],
)
def test_two_keys_differing_only_by_case_are_refused_naming_both(tmp_path, text, first, second):
    with pytest.raises(ConfigError) as raised:
        load_config(_write(tmp_path, text))
    message = str(raised.value)
    assert f"{first!r} and {second!r} differ only by case" in message, message
    assert "keep one of them" in message


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "is empty"),
        (b"# nothing yet\n", "is empty"),
        (b"name: Toko\n", "names no outlets"),
        (b"name: Toko\noutlets: {}\n", "names no outlets"),
        (b"- JKT\n- BDG\n", "is not a YAML mapping"),
        ("name: Toko Caf\u00e9\noutlets: {JKT: {}}\n".encode("latin-1"), "is not UTF-8 text"),
    ],
)
def test_a_file_that_is_no_config_is_refused_naming_it_and_the_fix(tmp_path, content, said):
    path = tmp_path / "merchant.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message.startswith(f"config file {path} {said}"), message
    assert "JOURNAL_PIPELINE_CONFIG" in message


def test_a_directory_given_as_the_config_is_refused_naming_it(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    message = str(raised.value)
    assert message.startswith(f"config file {tmp_path} cannot be read (Is a directory)")
    assert "set JOURNAL_PIPELINE_CONFIG to the merchant config YAML file" in message
