"""Daily-summary posting with card fees taken of the day's net takings (``fee_basis: day``):
three demo days synced to the emulators, every document posted, and Jurnal's trial balance
equal to the canonical journal for every clearing account and the fee account: the day's fee
entries wait with the summaries and reach Jurnal once, as in per-order mode."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml

from journal_pipeline.config import load_config
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.e2e.demo_week import synced_demo_week
from journal_pipeline_tests.e2e.test_dialects_week import _trial_balance
from journal_sandbox.defaults import DEMO_CONFIG

pytestmark = pytest.mark.e2e

DAYS = [date(2026, 11, 16) + timedelta(days=n) for n in range(3)]
NOW = datetime(2026, 11, 19, 22, tzinfo=UTC)  # the three days are over


def test_summaries_with_the_days_fee_tie_out_in_jurnal(tmp_path):
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["posting_mode"] = "daily_summary"
    for rule in data["settlements"].values():
        if rule.get("mdr_percent") is not None:
            rule["fee_basis"] = "day"
    path = tmp_path / "merchant.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    config = load_config(path)
    with synced_demo_week(
        tmp_path, DAYS, orders_per_outlet_per_day=10, now=NOW, config=path
    ) as week:
        ours: dict[str, int] = {}
        day_entries = 0
        for day in DAYS:
            documents = Outbox(week.store).documents(day)
            assert set(documents["status"]) <= {"posted"}, day
            day_entries += int(documents["source_id"].str.endswith("/D").sum())
            journal = week.store.read_journal(day)
            journal = journal[~journal["is_estimate"].astype(bool)]
            moved = (journal["debit"] - journal["credit"]).groupby(journal["account_name"]).sum()
            for account, net in moved.items():
                ours[account] = ours.get(account, 0) + int(net)
        assert day_entries > 0  # the days' fees differ from their payments'
        theirs = _trial_balance(week.jurnal.client(), DAYS[0], DAYS[-1])
        accounts = {*config.payment_methods.values(), config.accounts["payment_fees"]}
        assert {a: theirs.get(a, 0) for a in accounts} == {a: ours.get(a, 0) for a in accounts}
        assert ours[config.accounts["payment_fees"]] > 0
