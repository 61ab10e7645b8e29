"""`journal-pipeline mapping init` and `check` over real HTTP to both emulators: the written
config loads, passes `check` and syncs a day with no edit; a wrong category, an unknown
warehouse, an unmapped method and a TODO each fail `check` with their own line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from journal_pipeline.cli import main
from journal_pipeline.config import load_config
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.jurnal_common import WIB

DAY = "2026-11-18"  # inside the iSeller fixture's history, within 30 days of the clock


@pytest.fixture(scope="module")
def jurnal(tmp_path_factory):
    """A Jurnal emulator of this module's own: the sync below posts to it."""
    with running_jurnal_sandbox(tmp_path_factory.mktemp("jurnal-setup")) as handle:
        yield handle


@pytest.fixture(scope="module")
def env(iseller_sandbox, jurnal):
    return {**iseller_sandbox.env, **jurnal.env}


@pytest.fixture(scope="module")
def written(env, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("setup") / "merchant.yaml"
    result = CliRunner().invoke(
        main, ["mapping", "init", "--output", str(path), "--start-date", "2026-11-01"], env=env
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {path}." in result.output and "Every value decided." in result.output
    assert "… Jurnal: accounts, warehouses, taxes" in result.stderr
    return path


def _check(env, path: Path):
    return CliRunner().invoke(main, ["check", "--config", str(path)], env=env)


def test_init_matches_the_demo_merchant(written):
    config = load_config(written)
    demo = load_config(DEMO_CONFIG)
    assert config.name == demo.name
    assert config.accounts == {**demo.accounts}  # every role found by category and name
    assert config.payment_methods == demo.payment_methods
    for code, outlet in demo.outlets.items():
        mine = config.outlets[code]
        assert (mine.name, mine.timezone, mine.warehouse, mine.tax) == (
            outlet.name,
            outlet.timezone,
            outlet.warehouse,
            outlet.tax,
        )
    assert config.taxes == demo.taxes
    assert set(config.settlements) == set(demo.settlements)
    assert {s.bank_account for s in config.settlements.values()} == {"Rekening Bank"}
    assert config.gift_cards.skus == demo.gift_cards.skus
    text = written.read_text(encoding="utf-8")
    assert '"DPS":' in text and "'Bali' is in Asia/Makassar" in text  # each choice says why


def test_check_passes_and_the_config_syncs_a_day(written, env, tmp_path):
    result = _check(env, written)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Config fits iSeller and Jurnal."
    # which credential went where, without its secret
    base = env["JURNAL_BASE_URL"]
    shown = (
        f"… Jurnal (HMAC client {env['JURNAL_CLIENT_ID']} at {base}): accounts, warehouses, "
        "taxes, company settings and currency, closed books, the walk-in customer, "
        "transaction quota"
    )
    assert shown in result.stderr
    assert env["JURNAL_CLIENT_SECRET"] not in result.stderr

    process_env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    process_env.pop("DAGSTER_HOME", None)
    process_env.update(env)
    process_env["JOURNAL_PIPELINE_CONFIG"] = str(written)
    process_env["STAGING_DATABASE_URL"] = f"sqlite:///{tmp_path / 'staging.db'}"
    synced = subprocess.run(
        [sys.executable, "-m", "journal_pipeline.cli", "sync", "--date", DAY],
        env=process_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert synced.returncode == 0, synced.stderr[-2000:]
    assert synced.stdout.splitlines()[0] == f"{DAY} synced."


def _edited(written: Path, tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_check_names_each_problem_and_its_fix(written, env, tmp_path):
    def break_it(data):
        data["accounts"]["inventory"] = "Beban Pokok Pendapatan"  # a Cost of Sales account
        data["outlets"]["BDG"]["warehouse"] = "Gudang Surabaya"
        del data["payment_methods"]["GoPay"]
        data["accounts"]["rounding"] = "TODO: name the Jurnal account for rounding"

    result = _check(env, _edited(written, tmp_path, break_it))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        "accounts.rounding: still TODO; replace it with the value it asks for",
        "accounts.inventory: Jurnal account 'Beban Pokok Pendapatan' is of category 15, not 4; "
        "name an account of a fitting category",
        "outlets.BDG.warehouse: Jurnal has no warehouse 'Gudang Surabaya'; create it in Jurnal "
        "(Inventory → Warehouses) or name an existing one",
        "payment_methods.GoPay: iSeller took payments by 'GoPay' (gateway custom) and the "
        "config maps it to no account; add `GoPay: <Jurnal Cash & Bank account>` under "
        "payment_methods",
        "4 problem(s).",
    ]


def test_check_names_each_account_role_a_sale_needs_and_the_config_lacks(written, env, tmp_path):
    def left_out(data):
        del data["accounts"]["sales"]
        shipping = data["accounts"].pop("shipping_income")
        data["outlets"]["JKT"].setdefault("accounts", {})["shipping_income"] = shipping

    result = _check(env, _edited(written, tmp_path, left_out))
    assert result.exit_code == 1
    fix = "(`journal-pipeline mapping init` writes one matched by category and name)"
    # every sale needs the sales account; only a sale charging shipping needs shipping_income
    assert result.stdout.splitlines() == [
        "accounts.sales: not set; it books a sale's revenue, and a sale needing it is held. "
        f"Add `sales: <Jurnal account>` under accounts {fix}",
        "note: accounts.shipping_income: not set, nor under outlets.<code>.accounts for BDG, "
        "DPS; it books shipping charged to customers, and a sale needing it is held. Add "
        f"`shipping_income: <Jurnal account>` under accounts {fix}",
        "1 problem(s).",
    ]


def test_check_names_a_receivable_jurnal_would_not_book(written, env, tmp_path):
    """Jurnal books an invoice's receivable to its customer's A/R account and a return credits
    it; the walk-in customer 'Pelanggan Umum' keeps Piutang Usaha, so a config whose
    receivable is another A/R account would leave both with a balance after each refund."""

    def elsewhere(data):
        data["accounts"]["receivable"] = "Piutang Belum Ditagih"  # an A/R account too

    result = _check(env, _edited(written, tmp_path, elsewhere))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "walk_in_customer: Jurnal's customer 'Pelanggan Umum' keeps its receivable in "
        "'Piutang Usaha', not 'Piutang Belum Ditagih' (accounts.receivable): Jurnal books the "
        "receivable of every sale without a customer there and its returns credit it, while "
        "the journal books 'Piutang Belum Ditagih'. Set that customer's receivable account to "
        "'Piutang Belum Ditagih' in Jurnal (Contacts → Pelanggan Umum → Account mapping), or "
        "name 'Piutang Usaha' in accounts.receivable",
        "1 problem(s).",
    ]

    def per_outlet(data):
        data["outlets"]["DPS"].setdefault("accounts", {})["receivable"] = "Piutang Belum Ditagih"

    outlet = _check(env, _edited(written, tmp_path, per_outlet))
    assert outlet.stdout.splitlines() == [
        "outlets.DPS.accounts.receivable: Jurnal books an invoice's receivable to its "
        "customer's own receivable account, whatever the outlet, not 'Piutang Belum Ditagih'; "
        "remove this override so the journal books 'Piutang Usaha' as Jurnal does",
        "1 problem(s).",
    ]

    def renamed(data):
        data["walk_in_customer"] = "Tamu"

    missing = _check(env, _edited(written, tmp_path, renamed))
    assert missing.exit_code == 0, missing.output
    assert (
        "note: walk_in_customer: Jurnal has no customer 'Tamu'; the first sync creates it, its "
        "receivable 'Piutang Usaha'"
    ) in missing.stdout.splitlines()


def test_check_names_what_jurnal_decides_itself_and_the_config_says_otherwise(
    written, env, tmp_path
):
    """Jurnal books every invoice's discount and shipping to the accounts of its company
    settings, and a line's tax at its own tax's rate to that tax's account, whatever the
    config says: a config saying otherwise would leave Jurnal's ledger and the journal apart,
    account by account, or refused (a tax Jurnal does not have)."""

    def elsewhere(data):
        data["accounts"]["sales_discount"] = "Beban Lain-lain"
        data["outlets"]["BDG"].setdefault("accounts", {})["shipping_income"] = "Penjualan"
        data["taxes"]["PPN"].update(rate=12, account="Hutang Pajak Restoran (PB1)")
        data["taxes"]["PB1"]["jurnal_name"] = "Pajak Restoran"

    result = _check(env, _edited(written, tmp_path, elsewhere))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "accounts.sales_discount: Jurnal books invoice discounts to 'Diskon Penjualan' (its "
        "company setting sale_discount_account), not 'Beban Lain-lain'; name 'Diskon "
        "Penjualan' here, or change the setting in Jurnal, so that Jurnal's ledger and the "
        "journal agree",
        "outlets.BDG.accounts.shipping_income: Jurnal books shipping charged on invoices to "
        "'Pendapatan Lain-lain' (its company setting sale_shipping_account), not 'Penjualan'; "
        "name 'Pendapatan Lain-lain' here, or change the setting in Jurnal, so that Jurnal's "
        "ledger and the journal agree",
        "taxes.PB1.jurnal_name: Jurnal has no tax 'Pajak Restoran' (it has: PB1, PPN); create "
        "it in Jurnal or name an existing one",
        "taxes.PPN.rate: 12 but Jurnal's tax 'PPN' is 11%; Jurnal computes the tax at its own "
        "rate: make them the same",
        "taxes.PPN.account: Jurnal books tax 'PPN' to 'PPN Keluaran' (the tax's sell account), "
        "not 'Hutang Pajak Restoran (PB1)'; name 'PPN Keluaran' here, or change the tax in "
        "Jurnal, so that Jurnal's ledger and the journal agree",
        "5 problem(s).",
    ]


def test_check_says_when_jurnal_closed_the_books_after_lock_date(written, env, jurnal, tmp_path):
    """An accountant closed the books in Jurnal ("tutup buku") up to 31 October and the config
    does not know: Jurnal would refuse each document of those days, one by one."""
    jurnal.sandbox.closing_date = date(2026, 10, 31)
    try:
        result = _check(env, written)
        assert result.exit_code == 1
        assert result.stdout.splitlines() == [
            "lock_date: Jurnal's books are closed up to 2026-10-31 but lock_date is not set; "
            "set `lock_date: 2026-10-31` so that nothing is dated in the closed period (Jurnal "
            "would refuse it)",
            "1 problem(s).",
        ]

        def lock(data):
            data["lock_date"] = "2026-10-31"

        assert _check(env, _edited(written, tmp_path, lock)).exit_code == 0
    finally:
        jurnal.sandbox.closing_date = None


def test_check_says_how_much_quota_is_left_and_whether_per_order_fits(written, env, jurnal):
    """The Jurnal plan allows 40 transactions a month; the store sells more than that: per-order
    posting would stop mid-month, summaries fit (J-58). Notes only: the config itself fits."""
    jurnal.sandbox.invoice_quota = 40
    try:
        result = _check(env, written)
    finally:
        jurnal.sandbox.invoice_quota = None
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stdout.splitlines() if line.startswith("note: ")]
    month = datetime.now(WIB).strftime("%Y-%m")
    assert re.fullmatch(rf"note: Jurnal's transaction quota for {month}: \d+ of 40 left", notes[0])
    assert re.fullmatch(
        r"note: posting_mode per_order posts at least [\d,]+ sales invoices a month \(one per "
        r"order iSeller was paid for in the last 30 days\), more than the quota of 40: set "
        r"`posting_mode: daily_summary` \(about 90 a month, one per outlet and day\) or buy "
        r"more quota in Jurnal",
        notes[1],
    )
    assert result.stdout.splitlines()[-1] == "Config fits iSeller and Jurnal."


def test_check_refuses_a_jurnal_company_kept_in_another_currency(written, env, jurnal):
    jurnal.sandbox.currency_code = "USD"
    try:
        result = _check(env, written)
    finally:
        jurnal.sandbox.currency_code = "IDR"
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Jurnal: the company keeps its books in USD, and iSeller's amounts are rupiah; connect "
        "the Jurnal company whose currency is IDR",
        "1 problem(s).",
    ]


def test_check_says_when_jurnal_cannot_be_reached(written, env):
    result = _check({**env, "JURNAL_BASE_URL": "http://127.0.0.1:9/public/jurnal/api/v1"}, written)
    assert result.exit_code == 1
    assert "Jurnal: cannot connect" in result.stdout and "JURNAL_*" in result.stdout


def test_init_reads_ppn_on_a_tax_base_of_11_12_from_the_amounts(jurnal, tmp_path):
    """Lines stating 12% and charging 11% of the price (dialect ppn_stated=nominal): the tax is
    Jurnal's 11% one, stated_rate 12, and the config loads with every outlet's tax."""
    from datetime import UTC

    from journal_sandbox.iseller_app import ISellerSandbox

    sandbox = ISellerSandbox(
        tmp_path / "iseller",
        orders_per_outlet_per_day=8,
        history_days=3,
        now=lambda: datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
        faults="",
        dialect="ppn_stated=nominal",
    )
    server = sandbox.serve().start()
    try:
        env = {
            "ISELLER_TOKEN_URL": f"{server.url}/oauth/token",
            "ISELLER_CLIENT_ID": "sandbox-iseller-client",
            "ISELLER_CLIENT_SECRET": "sandbox-iseller-secret",
            **jurnal.env,
        }
        path = tmp_path / "merchant.yaml"
        result = CliRunner().invoke(
            main, ["mapping", "init", "--output", str(path), "--start-date", "2026-11-01"], env=env
        )
    finally:
        server.stop()
        sandbox.close()
    assert result.exit_code == 0, result.output
    config, demo = load_config(path), load_config(DEMO_CONFIG)
    ppn = config.taxes["PPN"]
    assert (ppn.rate, ppn.stated_rate, ppn.iseller_rate) == (11, 12, 12)
    assert config.taxes["PB1"] == demo.taxes["PB1"]  # a tax charged as it states: as before
    assert {code: o.tax for code, o in config.outlets.items()} == {
        code: o.tax for code, o in demo.outlets.items()
    }
    assert "stated_rate: 12  # iSeller's lines state it (DPP nilai lain)" in path.read_text()
