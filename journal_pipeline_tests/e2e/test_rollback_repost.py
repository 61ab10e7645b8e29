"""`journal-pipeline rollback` and `repost` of an outlet-day of the demo merchant, through the
command line against the emulators: Jurnal's trial balance equals the canonical journal after
each, a repost after a mapping change books the new account, a second run does nothing, and a
dry run changes nothing; a sync of a rolled-back outlet-day holds its documents until the repost.
A receive payment of the outlet-day for another day's invoice is reversed and posted again on its
own; a rollback interrupted halfway is finished, each document once, by running it again."""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
import yaml
from click.testing import CliRunner

from journal_pipeline.accounting.revisions import is_payment_entry
from journal_pipeline.cli import main
from journal_pipeline.storage.revisions import RevisionStore
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import ASSETS, CONFIG, synced_demo_week
from journal_pipeline_tests.e2e.test_dialects_week import _by_account, _trial_balance
from journal_sandbox.defaults import DEMO_CONFIG

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DAYS = [date(2026, 11, 16) + timedelta(days=n) for n in range(3)]
DAY = DAYS[1]
ESTIMATES = {"Beban Pokok Pendapatan", "Persediaan Barang"}  # Jurnal books its own cost
NEW_CASH = "Kas Kecil Outlet"
POSTING = [  # the assets that build and post a day from what is staged
    "journal_entries",
    "jurnal_products",
    "jurnal_customers",
    "jurnal_sales_invoices",
    "jurnal_sales_returns",
]


TAXES = {tax.account for tax in CONFIG.taxes.values()}


def _ties_out(week, days: list[date] = DAYS) -> None:
    client = week.jurnal.client()
    journal = [week.store.read_journal(day) for day in days]
    ours = _by_account(journal)
    theirs = _trial_balance(client, days[0], days[-1])
    accounts = (set(ours) | set(theirs)) - ESTIMATES

    def diff(account: str) -> Decimal:
        return theirs.get(account, Decimal(0)) - ours.get(account, Decimal(0))

    money = {*CONFIG.payment_methods.values(), CONFIG.accounts["receivable"], NEW_CASH}
    assert {a: diff(a) for a in money & accounts if diff(a)} == {}  # to the rupiah
    assert sum(diff(a) for a in accounts - money) == 0  # income, tax, discounts together
    # each tax payable as iSeller has it but for Jurnal's cents: a tenth of a rupiah an entry
    entries = sum(frame["entry_id"].nunique() for frame in journal)
    assert {a: diff(a) for a in TAXES if abs(diff(a)) >= entries / 10} == {}


def _cli_env(week) -> dict[str, str]:
    """The command line's environment: the week's Jurnal, staging and config, and the
    sandbox's rate-limit clock (its minute lasts a second), as the assets' resource has it;
    without it the command's limiter counts the week's requests against a real minute."""
    return {
        **week.jurnal.env,
        "JURNAL_RATE_LIMIT_WINDOW_SCALE": str(week.jurnal.sandbox.time_scale),
        "JOURNAL_PIPELINE_CONFIG": str(DEMO_CONFIG),
        "STAGING_DATABASE_URL": str(week.store.url),
    }


def cash_moved(config: Path, tmp_path: Path) -> Path:
    """``config`` with JKT's cash booked to another account from now on (a fixed mapping)."""
    data = yaml.safe_load(config.read_text())
    data["outlets"]["JKT"]["payment_methods"] = {"Cash": NEW_CASH}
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(yaml.safe_dump(data))
    return fixed


def _numbers(client, resource: str) -> list[str]:
    return [r["transaction_no"] for r in client.iter_list(resource, resource)]


def _count(client, resource: str) -> int:
    return len(list(client.iter_list(resource, resource)))


def test_rollback_then_repost_with_a_new_mapping(tmp_path):
    with synced_demo_week(tmp_path, DAYS, orders_per_outlet_per_day=4, now=FIXED_NOW) as week:
        client = week.jurnal.client()
        env = _cli_env(week)
        runner = CliRunner()
        args = ["--date", DAY.isoformat(), "--outlet", "JKT"]
        invoices = Outbox(week.store).documents(DAY)
        jkt = invoices[
            (invoices["doc_type"] == "sales_invoice")
            & (invoices["outlet_code"] == "JKT")
            & (invoices["status"] == "posted")
        ]
        assert len(jkt) > 0
        returns_before = _count(client, "sales_returns")

        dry = runner.invoke(main, ["rollback", *args, "--dry-run"], env=env)
        assert dry.exit_code == 0, dry.output
        assert "Dry run: nothing changed." in dry.output
        for number in jkt["transaction_no"]:
            assert f"reverse invoice {number} " in dry.output
        assert _count(client, "sales_returns") == returns_before
        assert RevisionStore(week.store.engine).marks(DAY) == {}

        refused = runner.invoke(main, ["rollback", *args], env=env, input="n\n")
        assert refused.exit_code == 1 and "Nothing changed." in refused.output
        assert _count(client, "sales_returns") == returns_before

        done = runner.invoke(main, ["rollback", *args, "--yes"], env=env)
        assert done.exit_code == 0, done.output
        returns = {r["transaction_no"] for r in client.iter_list("sales_returns", "sales_returns")}
        entries = {
            e["transaction_no"] for e in client.iter_list("journal_entries", "journal_entries")
        }
        # every invoice reversed by its /CJ entry, and by a /C return but one of gift cards
        # alone: the entry pays a card back itself (J-49)
        journal = week.store.read_journal(DAY)
        sold = set(journal.loc[journal["account_role"] == "sales", "entry_id"])
        numbered = zip(jkt["transaction_no"], jkt["source_id"], strict=True)
        goods = {n for n, order in numbered if f"sale:{order}" in sold}
        assert goods and {f"{n}/C" for n in goods} <= returns
        assert {f"{n}/CJ" for n in jkt["transaction_no"]} <= entries
        assert RevisionStore(week.store.engine).marks(DAY)["JKT"]["state"] == "rolled_back"
        _ties_out(week)
        # the outlet-day's own cash is gone from Jurnal's ledger
        day_only = _trial_balance(client, DAY, DAY)
        ours = _by_account([week.store.read_journal(DAY)])
        assert day_only.get("Kas", Decimal(0)) == ours.get("Kas", Decimal(0))

        again = runner.invoke(main, ["rollback", *args, "--yes"], env=env)
        assert again.exit_code == 0, again.output
        assert "nothing to rollback" in again.output
        assert "0 document(s) posted now" in again.output
        assert _count(client, "sales_returns") == len(returns)

        # a mapping fixed afterwards: JKT's cash goes to another account from now on
        env["JOURNAL_PIPELINE_CONFIG"] = str(cash_moved(DEMO_CONFIG, tmp_path))
        reposted = runner.invoke(main, ["repost", *args, "--yes"], env=env)
        assert reposted.exit_code == 0, reposted.output
        numbers = {
            i["transaction_no"] for i in client.iter_list("sales_invoices", "sales_invoices")
        }
        assert {f"{n}.1" for n in jkt["transaction_no"]} <= numbers
        assert RevisionStore(week.store.engine).marks(DAY)["JKT"]["state"] == "reposted"
        _ties_out(week)
        ours = _by_account([week.store.read_journal(DAY)])
        theirs = _trial_balance(client, DAY, DAY)
        assert theirs.get(NEW_CASH, Decimal(0)) == ours.get(NEW_CASH, Decimal(0)) != 0

        twice = runner.invoke(main, ["repost", *args, "--yes"], env=env)
        assert twice.exit_code == 0, twice.output
        assert "nothing to repost" in twice.output and "0 document(s) posted now" in twice.output
        assert {
            i["transaction_no"] for i in client.iter_list("sales_invoices", "sales_invoices")
        } == numbers


def test_a_sync_after_a_rollback_holds_the_outlet_day_until_repost(tmp_path):
    with synced_demo_week(tmp_path, DAYS, orders_per_outlet_per_day=4, now=FIXED_NOW) as week:
        client = week.jurnal.client()
        env = _cli_env(week)
        runner = CliRunner()
        args = ["--date", DAY.isoformat(), "--outlet", "JKT"]
        done = runner.invoke(main, ["rollback", *args, "--yes"], env=env)
        assert done.exit_code == 0, done.output
        resources = ("sales_invoices", "receive_payments", "sales_returns", "journal_entries")
        before = {r: _count(client, r) for r in resources}
        result = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=week.resources)
        assert result.success
        for asset in ("jurnal_sales_invoices", "jurnal_sales_returns"):
            metadata = result.asset_materializations_for_node(asset)[0].metadata
            assert metadata["posted_now"].value == 0, asset
        assert {r: _count(client, r) for r in resources} == before

        # an order of the rolled-back outlet-day arrives late (an offline till); the emulated
        # iSeller does not know it, so the day is built and posted from staging
        start = datetime(2026, 11, 16, 17, tzinfo=UTC)
        sold = [
            o
            for o in week.store.orders_closed_between(start, start + timedelta(days=1))
            if o["outlet_code"] == "JKT" and o["status"] == "completed"
        ]
        late = copy.deepcopy(sold[0])
        late.update(
            order_id=f"{late['order_id']}-late", order_reference=f"{late['order_reference']}-L"
        )
        for t in late["transactions"]:
            t.update(order_id=late["order_id"], transaction_id=f"{t['transaction_id']}-late")
        week.store.upsert_orders([late])
        result = dg.materialize(
            ASSETS, partition_key=DAY.isoformat(), resources=week.resources, selection=POSTING
        )
        assert result.success
        metadata = result.asset_materializations_for_node("jurnal_sales_invoices")[0].metadata
        assert metadata["posted_now"].value == 0
        assert {r: _count(client, r) for r in resources} == before
        row = (
            Outbox(week.store)
            .documents(DAY)
            .set_index("doc_key")
            .loc[f"sales_invoice:{late['order_id']}"]
        )
        assert row["status"] == "held"
        assert "rolled back on" in row["reason"]
        assert f"journal-pipeline repost --date {DAY.isoformat()} --outlet JKT" in row["reason"]

        reposted = runner.invoke(main, ["repost", *args, "--yes"], env=env)
        assert reposted.exit_code == 0, reposted.output
        row = (
            Outbox(week.store)
            .documents(DAY)
            .set_index("doc_key")
            .loc[f"sales_invoice:{late['order_id']}"]
        )
        assert row["status"] == "posted", row["reason"]
        assert _count(client, "sales_invoices") > before["sales_invoices"]
        _ties_out(week)


def test_a_payment_of_another_days_invoice_is_rolled_back_and_posted_again(tmp_path):
    """An on-account order sold on one day and paid on a later one: a rollback of the
    payment's outlet-day reverses the receive payment by a journal entry of its own (the
    invoice's day is untouched), a repost books it again. The MDR the bank kept from the
    outlet-day's payments stands throughout, in the journal and in Jurnal alike."""
    from journal_pipeline_tests.e2e import test_after_revision as later

    with synced_demo_week(tmp_path, later.DAYS, orders_per_outlet_per_day=8, now=FIXED_NOW) as week:
        store, client = week.store, week.jurnal.client()
        unpaid, number, account, env = _paid_on_a_later_day(week)
        day, outlet = later.DAYS[2], unpaid["outlet_code"]
        runner = CliRunner()
        args = ["--date", day.isoformat(), "--outlet", outlet]

        # the config unchanged, a repost of the sale's day has nothing to do: the order paid
        # later books the same as it would paid at the sale (a deposit, not a receive payment)
        sold = ["--date", later.DAYS[0].isoformat(), "--outlet", outlet, "--dry-run"]
        unchanged = runner.invoke(main, ["repost", *sold], env=env)
        assert unchanged.exit_code == 0, unchanged.output
        assert "nothing to repost" in unchanged.output, unchanged.output

        dry = runner.invoke(main, ["rollback", *args, "--dry-run"], env=env)
        assert dry.exit_code == 0, dry.output
        assert f"reverse receive payment {number} " in dry.output
        assert f"journal entry {number}/C" in dry.output

        # what the outlet-day's payments put on the clearing account, and the MDR the bank
        # kept from them (the fee entries, Dr MDR, Cr clearing: `accounting.mdr`)
        booked = _on(store.read_journal(day), outlet, account)
        fees = booked[booked.apply(is_payment_entry, axis=1)]
        fee = int(fees["credit"].sum()) - int(fees["debit"].sum())
        assert fee > 0, "no payment of the outlet-day on the clearing account bears a fee"
        gross = _net(booked) + fee
        assert gross >= int(Decimal(unpaid["total_amount"]))

        done = runner.invoke(main, ["rollback", *args, "--yes"], env=env)
        assert done.exit_code == 0, done.output
        entries = _numbers(client, "journal_entries")
        assert entries.count(f"{number}/C") == 1
        _ties_out(week, later.DAYS)
        _mdr_ties_out(week, outlet, later.DAYS)
        # every payment reversed, the fees standing: the clearing account holds them credited
        assert _net(_on(store.read_journal(day), outlet, account)) == -fee
        invoice_day = later.DAYS[0]
        assert RevisionStore(store.engine).marks(invoice_day) == {}

        again = runner.invoke(main, ["rollback", *args, "--yes"], env=env)
        assert again.exit_code == 0, again.output
        assert "nothing to rollback" in again.output
        assert "0 document(s) posted now" in again.output

        reposted = runner.invoke(main, ["repost", *args, "--yes"], env=env)
        assert reposted.exit_code == 0, reposted.output
        assert f"post receive payment {number} again as journal entry {number}.1" in reposted.output
        entries = _numbers(client, "journal_entries")
        assert entries.count(f"{number}.1") == 1 and entries.count(f"{number}/C") == 1
        _ties_out(week, later.DAYS)
        _mdr_ties_out(week, outlet, later.DAYS)
        # posted again, the fees not booked twice: what the bank deposits, gross less the fees
        journal = _on(store.read_journal(day), outlet, account)
        assert _net(journal) == gross - fee
        mine = journal[journal["source_reference"] == unpaid["order_reference"]]
        own_fee = -_net(mine[mine.apply(is_payment_entry, axis=1)])
        assert _net(mine) == int(Decimal(unpaid["total_amount"])) - own_fee

        twice = runner.invoke(main, ["repost", *args, "--yes"], env=env)
        assert twice.exit_code == 0, twice.output
        assert "nothing to repost" in twice.output and "0 document(s) posted now" in twice.output


def _on(journal, outlet: str, account: str):
    return journal[(journal["outlet_code"] == outlet) & (journal["account_name"] == account)]


def _net(lines) -> int:
    return int(lines["debit"].sum()) - int(lines["credit"].sum())


def _mdr_ties_out(week, outlet: str, days: list[date]) -> None:
    """Jurnal's MDR expense over the days equals the journal's (the fees stand in both)."""
    mdr = CONFIG.account("payment_fees", outlet)
    assert mdr is not None
    journal = [week.store.read_journal(day) for day in days]
    ours = _by_account(journal).get(mdr, Decimal(0))
    theirs = _trial_balance(week.jurnal.client(), days[0], days[-1]).get(mdr, Decimal(0))
    assert ours > 0 and theirs == ours


def _paid_on_a_later_day(week) -> tuple[dict, str, str, dict]:
    """An on-account order of the first day paid on the third (both synced): the order, its
    receive payment's number, the clearing account the payment went to, the CLI environment."""
    from journal_pipeline_tests.e2e import test_after_revision as later
    from journal_pipeline_tests.e2e.test_changed_after_posting import _simple_sales

    store, client = week.store, week.jurnal.client()
    template = _simple_sales(store, ("JKT", "BDG"))[0]
    unpaid = copy.deepcopy(template)
    unpaid.update(
        order_id=f"{template['order_id']}-credit",
        order_reference=f"{template['order_reference']}-K",
        transactions=[],
        payment_status="pending",
    )
    store.upsert_orders([unpaid])
    later.sync_staged(store, client)
    store.upsert_orders([later.paid_later(unpaid, template)])
    later.sync_staged(store, client)
    day = later.DAYS[2]
    docs = Outbox(store).documents(day).set_index("doc_key")
    payment = docs.loc[f"receive_payment:{unpaid['order_id']}-paid"]
    assert payment["status"] == "posted", payment["reason"]
    booked = store.read_journal(day)
    booked = booked[booked["entry_id"] == f"payment:{unpaid['order_id']}-paid"]
    account = booked[booked["debit"] > 0]["account_name"].iloc[0]
    return unpaid, str(payment["transaction_no"]), str(account), _cli_env(week)


def test_an_interrupted_rollback_is_finished_once_by_running_it_again(tmp_path):
    """Jurnal takes the rollback's journal entries but the answer is lost, then refuses every
    write: a plain re-run posts what is left, each reversal document once."""
    from journal_pipeline_tests.e2e import test_after_revision as later

    with synced_demo_week(tmp_path, later.DAYS, orders_per_outlet_per_day=8, now=FIXED_NOW) as week:
        store, client = week.store, week.jurnal.client()
        unpaid, number, _, env = _paid_on_a_later_day(week)
        day, outlet = later.DAYS[2], unpaid["outlet_code"]
        args = ["--date", day.isoformat(), "--outlet", outlet]
        runner = CliRunner()
        faults = week.jurnal.sandbox.faults
        faults.once("journal_entries/batch_create", "lost")
        faults.once("journal_entries", "error", times=10_000)
        broken = runner.invoke(main, ["rollback", *args, "--yes"], env=env)
        assert RevisionStore(store.engine).marks(day)[outlet]["state"] == "rolled_back"
        documents = Outbox(store).documents(day)
        reversals = documents[
            (documents["outlet_code"] == outlet)
            & documents["doc_type"].isin(["sales_return", "journal_entry"])
        ]
        assert (reversals["status"] != "posted").any(), broken.output  # it did not finish
        faults.clear()

        again = runner.invoke(main, ["rollback", *args, "--yes"], env=env)
        assert again.exit_code == 0, again.output
        assert "nothing to rollback" in again.output
        assert broken.exit_code != 0 and "run the same command again" in broken.output
        found = re.search(r"(\d+) found already in Jurnal", again.output)
        assert found is not None and int(found.group(1)) > 0  # the lost answers, not posted twice
        documents = Outbox(store).documents(day)
        reversals = documents[
            (documents["outlet_code"] == outlet)
            & documents["doc_type"].isin(["sales_return", "journal_entry"])
        ]
        assert set(reversals["status"]) == {"posted"}
        assert f"{number}/C" in set(reversals["transaction_no"])
        in_jurnal = _numbers(client, "journal_entries") + _numbers(client, "sales_returns")
        for reversal in reversals["transaction_no"]:
            assert in_jurnal.count(reversal) == 1, reversal
        _ties_out(week, later.DAYS)

        third = runner.invoke(main, ["rollback", *args, "--yes"], env=env)
        assert third.exit_code == 0, third.output
        assert "0 document(s) posted now" in third.output
