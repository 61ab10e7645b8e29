"""A demo week under every reading of iSeller's document: the same ledger whichever one it is.

The emulator can serve each reading the document leaves open (`journal_sandbox/dialect.py`):
pages from 0 or 1, a restaurant's service charge stated with or without its tax, other
spellings and ids, date bounds that leave out their end, money as decimal strings and dates
in .NET's ISO 8601, the rounding with the opposite sign, cost entries priced per line,
refunds and voids signed below zero, voids shown by the order's status alone, line discounts
listed on the order too, every date written in the store's offset whatever ``time_zone``
asked, every answer inside a one-element array as the document's GetOrders sample shows it,
orders without ``modified_date``, lists without ``has_next_item`` and register shifts without
their outlet as its tables have them. For each, a week of the demo merchant runs through the
Dagster assets into a fresh Jurnal. Every run passes its checks (the completeness check
against iSeller's own totals included), every completed sale is posted exactly once and none
is held, Jurnal's trial balance ties out with the canonical journal, and both are the same in
every dialect, the estimates of the cost of goods and the shifts' cash over/short included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from journal_pipeline.defs.partitions import daily_partitions
from journal_pipeline.defs.shift_assets import build_shift_assets
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.e2e.demo_week import ASSETS, CONFIG, synced_demo_week
from journal_sandbox.defaults import DEMO_CONFIG
from journal_sandbox.demo_merchant import OUTLETS

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
WEEK = [date(2026, 11, 13) + timedelta(days=n) for n in range(7)]  # 13th..19th
ORDERS_PER_OUTLET_PER_DAY = 8
ESTIMATES = {"Beban Pokok Pendapatan", "Persediaan Barang"}  # Jurnal books its own cost

DIALECTS = {
    "documented": "",
    "zero_based_loose_gross": "loose,page_base=0,service_charge=gross",
    "gross_untaxed_total": "service_charge=gross_untaxed_total",
    "strings_iso_exclusive": "bounds=exclusive_end,money_format=string,date_format=iso",
    # an MDR's payment_method_fee stated as its rate in percent
    "rounding_subtracted_cogs_total_mdr_rate": (
        "rounding_sign=subtracted,cogs_price=total,mdr_fee=rate"
    ),
    "signed_status_only_with_lines": (
        "refund_sign=negative,void_shape=status_only,order_discounts=with_lines"
    ),
    # PPN 12% on a tax base of 11/12: lines state 12, the config says so (`stated_rate`)
    "store_zone_arrays_ppn_nominal": "output_zone=store,envelope=array,ppn_stated=nominal",
    # only what the document's tables list: no order modified_date, has_next_item on GetOrders
    # only, GetRegisterShifts' lower bound named modified_date, no outlet on a register shift,
    # a modifier line's sku that of the product it modifies, lines without the money the
    # OrderDetail table does not list, an MDR's payment_method_fee the payment method (as the
    # MDR table describes it)
    "document_tables": (
        "order_modified=absent,next_flag=orders_only,shift_bound=modified_date,"
        "shift_outlet=absent,modifier_sku=parent,line_money=table,mdr_fee=method"
    ),
}
#: The week again with each outlet's promotion on one item (`item_promotions`): as served in
#: full, and with lines as the OrderDetail table lists them (the share made from the line's
#: own ``promotions[]``). Their money differs from the weeks above; they book one ledger.
ITEM_PROMOTION_DIALECTS = {
    "item_promotions": "",
    "item_promotions_document_tables": DIALECTS["document_tables"],
}
PPN_NOMINAL = "ppn_stated=nominal"
# the day's sales and fees, and the cash over/short of its register shifts
WEEK_ASSETS = [*ASSETS, *build_shift_assets(daily_partitions(CONFIG))]


def _trial_balance(client, first: date, last: date) -> dict[str, Decimal]:
    report = client.get(
        "trial_balance",
        {"start_date": first.strftime("%d/%m/%Y"), "end_date": last.strftime("%d/%m/%Y")},
    )["trial_balance"]
    movements = {}
    for group, rows in report.items():
        if not group.endswith("_accounts"):
            continue
        for row in rows:
            movement = row["account"]["movement"]
            net = Decimal(str(movement["debit_raw"])) - Decimal(str(movement["credit_raw"]))
            if net:
                movements[row["account"]["name"]] = net
    return movements


def _config_for(base, spec: str):
    """The demo config, its PPN stating 12% when the dialect's lines do."""
    if PPN_NOMINAL not in spec:
        return DEMO_CONFIG
    path = base / "config.yaml"
    text = DEMO_CONFIG.read_text()
    stated = re.sub(
        r"(?m)^(  PPN:\n    jurnal_name: PPN\n    rate: 11\n)", r"\1    stated_rate: 12\n", text
    )
    assert stated != text
    path.write_text(stated)
    return path


def _sync_week(base, spec: str, item_promotions: bool = False) -> SimpleNamespace:
    with synced_demo_week(
        base,
        WEEK,
        orders_per_outlet_per_day=ORDERS_PER_OUTLET_PER_DAY,
        now=FIXED_NOW,
        dialect=spec,
        config=_config_for(base, spec),
        assets=WEEK_ASSETS,
        item_promotions=item_promotions,
    ) as week:
        checks: dict[str, bool] = {}
        readings: dict[str, int] = {}
        for day, result in week.results.items():
            for evaluation in result.get_asset_check_evaluations():
                checks[f"{day} {evaluation.check_name}"] = evaluation.passed
            metadata = result.asset_materializations_for_node("journal_entries")[0].metadata
            if "readings" in metadata:
                for reading, count in metadata["readings"].value.items():
                    readings[reading] = readings.get(reading, 0) + int(count)
        client = week.jurnal.client()
        invoices = list(client.iter_list("sales_invoices", "sales_invoices"))
        ledger = _trial_balance(client, WEEK[0], WEEK[-1])
        expected = {
            order["order_id"]
            for outlet in OUTLETS
            for day in WEEK
            for order in week.iseller.merchant.expected_orders(
                outlet.outlet_code, day, as_of=FIXED_NOW
            )
            if order["status"] == "completed"
        }
        journal = [week.store.read_journal(day) for day in WEEK]
        served = week.iseller.served_orders()
        return SimpleNamespace(
            money_back=sum(
                t["type"] in ("refund", "void") for o in served for t in o["transactions"]
            ),
            line_promotions=sum(
                bool(line.get("promotions")) for o in served for line in o["order_details"]
            ),
            stating_12=sum(  # as the pipeline staged what was served
                Decimal(str(line.get("tax_percentage") or 0)) == 12
                for o in week.store.orders_touching(EPOCH, FIXED_NOW)
                for line in o.get("order_details") or []
            ),
            checks=checks,
            readings=readings,
            cash_counts=sum(  # the shifts' cash over/short entries
                int(frame["entry_id"].astype(str).str.startswith("cash_over_short:").sum())
                for frame in journal
            ),
            invoices=invoices,
            ledger=ledger,
            expected=expected,
            journal=_by_account(journal),
            estimates=_by_account(journal, estimates=True),
            open_documents=_open_documents(week.store),
        )


def _by_account(frames: Iterable, *, estimates: bool = False) -> dict[str, Decimal]:
    """Net movement per account of the journal lines, without the estimates (the cost of
    goods, which Jurnal books itself) or (``estimates``) of those alone."""
    totals: dict[str, Decimal] = {}
    for frame in frames:
        frame = frame[frame["is_estimate"].astype(bool) == estimates]
        for row in frame.itertuples(index=False):
            net = Decimal(int(row.debit)) - Decimal(int(row.credit))
            totals[row.account_name] = totals.get(row.account_name, Decimal(0)) + net
    return {name: net for name, net in totals.items() if net}


def _open_documents(store: StagingStore) -> list[tuple]:
    from journal_pipeline.sync.outbox import Outbox
    from journal_pipeline.sync.outbox_building import OPEN_STATES

    outbox = Outbox(store)
    found = []
    for day in WEEK:
        documents = outbox.documents(day)
        for row in documents[documents["status"].isin(OPEN_STATES)].itertuples(index=False):
            found.append((day, row.doc_type, row.doc_key, row.status, row.reason))
    return found


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SimpleNamespace]:
    """The week synced once per dialect (lazily, so `-k` on one dialect runs just that one)."""
    synced: dict[str, SimpleNamespace] = {}

    class Weeks(dict):
        def __missing__(self, name: str) -> SimpleNamespace:
            on_items = name in ITEM_PROMOTION_DIALECTS
            spec = ITEM_PROMOTION_DIALECTS[name] if on_items else DIALECTS[name]
            synced[name] = _sync_week(tmp_path_factory.mktemp(name), spec, on_items)
            self[name] = synced[name]
            return synced[name]

    return Weeks()


@pytest.mark.parametrize("name", [*DIALECTS, *ITEM_PROMOTION_DIALECTS])
def test_every_sale_of_the_week_is_posted_once_and_every_check_passes(weeks, name):
    week = weeks[name]
    assert week.checks and all(week.checks.values()), [k for k, ok in week.checks.items() if not ok]
    posted = [i["custom_id"] for i in week.invoices]
    assert sorted(set(posted) & week.expected) == sorted(week.expected)  # none lost
    assert len(posted) == len(set(posted))  # none twice
    open_sales = [d for d in week.open_documents if d[1] == "sales_invoice"]
    assert open_sales == []  # none held: every order adds up under its reading
    checked = {key.split(" ", 1)[1] for key in week.checks}
    assert "staged_day_matches_iseller_totals" in checked  # complete against iSeller's totals


@pytest.mark.parametrize("name", [*DIALECTS, *ITEM_PROMOTION_DIALECTS])
def test_jurnal_trial_balance_ties_out_with_the_canonical_journal(weeks, name):
    week = weeks[name]
    ours, theirs = week.journal, week.ledger
    accounts = (set(ours) | set(theirs)) - ESTIMATES

    def diff(account: str) -> Decimal:
        return theirs.get(account, Decimal(0)) - ours.get(account, Decimal(0))

    money = set(CONFIG.payment_methods.values()) | {CONFIG.accounts["receivable"]}
    assert {a: diff(a) for a in money & accounts if diff(a)} == {}  # money: to the rupiah
    assert sum(diff(a) for a in accounts - money) == 0  # income, tax, discounts together
    # Jurnal keeps cents of tax per line; a return's tax as iSeller gave it back (a service
    # charge, a promotion on one item: Jurnal's shares of the discount are not iSeller's)
    for tax in CONFIG.taxes.values():
        assert abs(diff(tax.account)) < len(week.invoices) / 10, (tax.account, diff(tax.account))


def test_the_readings_were_really_exercised(weeks):
    assert weeks["documented"].readings.get("net", 0) > 0
    assert weeks["zero_based_loose_gross"].readings.get("gross", 0) > 0
    assert weeks["gross_untaxed_total"].readings.get("gross_untaxed_total", 0) > 0
    other = weeks["rounding_subtracted_cogs_total_mdr_rate"].readings
    assert other.get("rounding:subtracted", 0) > 0 and other.get("cogs:total", 0) > 0
    assert "cogs:unmatched" not in other
    assert not any(":" in reading for reading in weeks["documented"].readings)
    assert weeks["signed_status_only_with_lines"].money_back > 0  # refunds and voids to read
    assert weeks["store_zone_arrays_ppn_nominal"].stating_12 > 0  # PPN lines stating 12%
    assert weeks["documented"].stating_12 == 0


def test_every_dialect_books_the_same_ledger(weeks):
    documented = weeks["documented"]
    assert documented.estimates  # the week has cost-of-goods estimates to compare
    assert documented.cash_counts  # and cash over/short at shift close
    for name in DIALECTS:
        assert weeks[name].journal == documented.journal, name
        # the cost-of-goods estimates, per account, too (Dr cogs / Cr inventory)
        assert weeks[name].estimates == documented.estimates, name
        assert weeks[name].ledger == documented.ledger, name
        assert sorted(i["custom_id"] for i in weeks[name].invoices) == sorted(
            i["custom_id"] for i in documented.invoices
        ), name


def test_a_promotion_on_one_item_books_the_same_ledger_from_full_or_table_lines(weeks):
    full, table = (weeks[name] for name in ITEM_PROMOTION_DIALECTS)
    assert full.line_promotions > 0 and table.line_promotions == full.line_promotions
    assert full.journal != weeks["documented"].journal  # the promotions moved between lines
    assert table.journal == full.journal
    assert table.ledger == full.ledger
    assert sorted(i["custom_id"] for i in table.invoices) == sorted(
        i["custom_id"] for i in full.invoices
    )
