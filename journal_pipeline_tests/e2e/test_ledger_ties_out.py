"""The Jurnal ledger after a synced day equals the pipeline's own journal, account by account."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
import pytest

from benchmarks.reliability.common import jurnal_movements
from journal_pipeline_tests.e2e.test_sync_day import ASSETS, DAY, resources  # noqa: F401
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox

pytestmark = pytest.mark.e2e

ESTIMATES = {"Beban Pokok Pendapatan", "Persediaan Barang"}  # Jurnal books its own cost


def test_jurnal_ledger_ties_out_with_the_pipeline_journal(resources, tmp_path):  # noqa: F811
    config = resources["merchant"].config
    with running_jurnal_sandbox(tmp_path / "jurnal") as jurnal:
        resources["jurnal"] = type(resources["jurnal"])(
            base_url=jurnal.env["JURNAL_BASE_URL"],
            client_id=jurnal.env["JURNAL_CLIENT_ID"],
            client_secret=jurnal.env["JURNAL_CLIENT_SECRET"],
        )
        assert dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=resources).success
        in_jurnal = jurnal_movements(jurnal.env, DAY, DAY)
    journal = resources["staging"].store.read_journal(DAY)
    journal = journal[~journal["is_estimate"].astype(bool)]
    orders = journal.loc[journal["entry_id"].str.startswith("sale:"), "source_id"].nunique()
    ours = (journal["debit"] - journal["credit"]).groupby(journal["account_name"]).sum()
    ours = {name: Decimal(int(net)) for name, net in ours.items() if net}
    accounts = (set(ours) | set(in_jurnal)) - ESTIMATES

    def diff(name: str) -> Decimal:
        return in_jurnal.get(name, Decimal(0)) - ours.get(name, Decimal(0))

    # Money that came in (clearing accounts) and what is still owed: right to the rupiah.
    money = set(config.payment_methods.values()) | {config.accounts["receivable"]}
    assert {name: diff(name) for name in money & accounts if diff(name)} == {}
    # Revenue, discounts, charges, tax and rounding together: right to the rupiah.
    assert sum(diff(name) for name in accounts - money) == 0
    # Tax differs only by Jurnal keeping cents where iSeller rounds each line to the rupiah;
    # the rounding line of each invoice absorbs it (under a rupiah per order).
    for tax in config.taxes.values():
        assert abs(diff(tax.account)) < orders, tax.account
    # iSeller's negative cash rounding cannot be a negative invoice line: Jurnal deducts it
    # (Pemotongan) on the rounding account, so the rounding is there too, to a rupiah an order
    # (the cents of Jurnal's tax go on each invoice's rounding line)
    rounded_down = journal.loc[
        (journal["account_role"] == "rounding") & (journal["description"] == "rounding"), "debit"
    ].sum()
    assert rounded_down > 0
    assert abs(diff(config.accounts["rounding"])) < orders
