"""Payouts end to end on a real staging database and the Jurnal emulator: the settlements a
reconciliation matched become bank transfers from clearing to the bank, posted once; a line no
row claims posts nothing; a payout not posted yet is withdrawn when its row loses its line.

The bank lines and reconciliation rows are staged by hand, as the reconciliation stages them."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from journal_pipeline.accounting.payouts import part_digest
from journal_pipeline.accounting.posting_rules import journal_frame
from journal_pipeline.config import load_config
from journal_pipeline.core.statement_lines import MONEY_IN, MONEY_OUT, StatementLine, line_key
from journal_pipeline.storage.bank_statements import stage_statement_lines
from journal_pipeline.storage.reconciliation import replace_reconciliation
from journal_pipeline.storage.store import StagingStore
from journal_pipeline.sync import by_hand, payouts
from journal_pipeline.sync.outbox import Outbox
from journal_pipeline_tests.jurnal_fixtures import running_jurnal_sandbox
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
WEDNESDAY, THURSDAY, FRIDAY = date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)
BANK = "Rekening Bank"
AT = datetime(2026, 11, 23, tzinfo=UTC)


def line(reference: str, amount: int, *, direction: str = MONEY_IN, day: date = FRIDAY):
    value = Decimal(amount)
    return StatementLine(
        line_key=line_key(BANK, day, reference, value, direction, 1),
        account=BANK,
        line_date=day,
        description=reference,
        reference=reference,
        amount=value,
        direction=direction,
        balance=None,
        source=f"mutasi_rekening_{day:%Y%m%d}.csv",
        line_no=1,
    )


QRIS_LINE = line("IPY20261119JKT", 1_191_250)
CARD_LINE = line("BCC20261118JKT", 1_955_000)
FEE_LINE = line("ADM20261120", 15_000, direction=MONEY_OUT)
STRANGER = line("TRF PT SUMBER REJEKI", 300_000)


def settlement(day, method, expected, status, paid_by=None, due=FRIDAY):
    return {
        "row_key": f"JKT|{method}",
        "row_kind": "settlement",
        "outlet_code": "JKT",
        "payment_method": method,
        "bank_account": BANK,
        "takings": expected,
        "refunds": 0,
        "mdr": 0,
        "expected": expected,
        "expected_date": due,
        "received": paid_by.amount if paid_by else None,
        "received_date": paid_by.line_date if paid_by else None,
        "variance": paid_by.amount - expected if paid_by else None,
        "status": status,
        "age_days": 0,
        "line_key": paid_by.line_key if paid_by else None,
        "reference": paid_by.reference if paid_by else None,
        "explanation": "staged by hand",
    }


@pytest.fixture
def jurnal(tmp_path) -> Iterator:
    with running_jurnal_sandbox(tmp_path / "jurnal") as handle:
        yield handle


@pytest.fixture
def store(tmp_path) -> StagingStore:
    store = StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    stage_statement_lines(store, [QRIS_LINE, CARD_LINE, FEE_LINE, STRANGER])
    return store


def _run(store, client, day):
    outbox = Outbox(store)
    return payouts.run_payouts(store, CONFIG, outbox, client, payouts.payout_days(store, day))


def _transfers(client) -> dict[str, dict]:
    return {t["transaction_no"]: t for t in client.iter_list("bank_transfers", "bank_transfers")}


def test_settlements_received_are_posted_once_and_strangers_post_nothing(store, jurnal):
    client = jurnal.client()
    replace_reconciliation(
        store, THURSDAY, [settlement(THURSDAY, "QRIS", 1_191_250, "matched", QRIS_LINE)], AT
    )
    replace_reconciliation(
        store,
        WEDNESDAY,
        [
            settlement(WEDNESDAY, "Kartu Kredit", 1_960_000, "short", CARD_LINE),
            settlement(WEDNESDAY, "GoPay", 480_000, "overdue"),
        ],
        AT,
    )

    run = _run(store, client, THURSDAY)
    assert run.days == [FRIDAY]
    assert (run.posted.posted, run.posted.failed) == (2, 0)
    transfers = _transfers(client)
    assert set(transfers) == {"PAYOUT/20261120/IPY20261119JKT", "PAYOUT/20261120/BCC20261118JKT"}
    card = transfers["PAYOUT/20261120/BCC20261118JKT"]
    assert card["refund_from"]["name"] == "Kliring Kartu Kredit"
    assert card["deposit_to"]["name"] == BANK
    assert Decimal(card["transfer_amount"]) == 1_955_000  # received, 5,000 short of expected
    assert card["transaction_date"] == "20/11/2026"

    # Wednesday's run builds Friday again: everything is posted already
    again = _run(store, client, WEDNESDAY)
    assert again.days == [FRIDAY]
    assert (again.posted.posted, again.posted.calls) == (0, 0)
    assert again.queued["outbox_already_posted"] == 2
    assert _transfers(client).keys() == transfers.keys()

    # the canonical journal's payout part: Dr bank / Cr clearing, per line, dated Friday
    journal = store.read_journal(FRIDAY)
    assert set(journal["entry_id"]) == {
        f"payout:{QRIS_LINE.line_key}",
        f"payout:{CARD_LINE.line_key}",
    }
    assert journal.loc[journal["account_name"] == BANK, "debit"].sum() == 1_191_250 + 1_955_000


def test_a_payout_not_posted_is_withdrawn_when_its_row_loses_its_line(store, jurnal):
    client = jurnal.client()
    replace_reconciliation(
        store, THURSDAY, [settlement(THURSDAY, "QRIS", 1_191_250, "matched", QRIS_LINE)], AT
    )
    outbox = Outbox(store)
    build = payouts.build_payouts(store, CONFIG, FRIDAY)
    payouts.record_payouts(store, outbox, FRIDAY, build)  # queued, not posted
    assert payouts.open_payout_days(store) == {FRIDAY}

    # matched again: the line now belongs to nobody (e.g. it was another merchant's)
    replace_reconciliation(
        store, THURSDAY, [settlement(THURSDAY, "QRIS", 1_191_250, "pending")], AT
    )
    run = _run(store, client, THURSDAY)
    assert run.days == [FRIDAY]  # no receipt of Thursday's, but a payout still open on Friday
    assert run.queued["outbox_withdrawn"] == 1
    assert run.posted.posted == 0 and _transfers(client) == {}
    assert payouts.open_payout_days(store) == set()
    assert store.read_journal(FRIDAY).empty


def test_a_settlement_leaves_the_clearing_account_its_takings_were_booked_into(store, jurnal):
    """Thursday's QRIS takings went into Kliring EDC (the mapping of the time); the config maps
    QRIS to Kliring QRIS iSeller Pay since. Friday's settlement empties the account the money
    is in, or both accounts would keep a balance no payout ever settles."""

    def sale_line(line_no, role, account, debit, credit):
        return {
            "entry_id": "sale:ORDER-1",
            "business_date": THURSDAY,
            "outlet_code": "JKT",
            "source_type": "order",
            "source_id": "ORDER-1",
            "source_reference": "#JKT-000001",
            "line_no": line_no,
            "account_role": role,
            "account_name": account,
            "debit": debit,
            "credit": credit,
            "description": "staged by hand",
            "is_estimate": False,
        }

    store.replace_journal(
        THURSDAY,
        journal_frame(
            [
                sale_line(1, "payment:QRIS", "Kliring EDC", 1_250_000, 0),
                sale_line(2, "sales", "Penjualan", 0, 1_250_000),
            ]
        ),
    )
    assert CONFIG.payment_account("QRIS", None, "JKT") == "Kliring QRIS iSeller Pay"
    replace_reconciliation(
        store, THURSDAY, [settlement(THURSDAY, "QRIS", 1_191_250, "matched", QRIS_LINE)], AT
    )
    client = jurnal.client()
    run = _run(store, client, THURSDAY)
    assert (run.posted.posted, run.posted.failed) == (1, 0)
    transfer = _transfers(client)["PAYOUT/20261120/IPY20261119JKT"]
    assert transfer["refund_from"]["name"] == "Kliring EDC"
    assert "now mapped to Kliring QRIS iSeller Pay" in transfer["memo"]
    payout = store.read_journal(FRIDAY)
    assert payout.loc[payout["credit"] > 0, "account_name"].tolist() == ["Kliring EDC"]


def _payout_rows(store) -> dict[str, tuple]:
    frame = Outbox(store).documents(FRIDAY)
    return {
        row.transaction_no: (
            row.status,
            None if pd.isna(row.jurnal_id) else int(row.jurnal_id),
            None if pd.isna(row.reason) else row.reason,
        )
        for row in frame.itertuples()
        if row.doc_type == "payout"
    }


@pytest.mark.parametrize("answer", ["answered", "lost"])
def test_a_batch_answer_that_only_echoes_the_transfers_posts_each_once(tmp_path, store, answer):
    """J-45 ``transfer_batch=documented``: ``bank_transfers/batch_create`` answers the items as
    sent, with no status and no record. Each payout is looked up by its keys and recorded posted
    with its Jurnal id, never failed; a lost answer (the batch sent again by the client, which
    Jurnal refuses as duplicates and echoes again) changes nothing; a re-run posts nothing."""
    replace_reconciliation(
        store, THURSDAY, [settlement(THURSDAY, "QRIS", 1_191_250, "matched", QRIS_LINE)], AT
    )
    replace_reconciliation(
        store, WEDNESDAY, [settlement(WEDNESDAY, "Kartu Kredit", 1_960_000, "short", CARD_LINE)], AT
    )
    with running_jurnal_sandbox(tmp_path / "echo", transfer_batch="documented") as handle:
        client = handle.client()
        if answer == "lost":
            handle.sandbox.faults.once("bank_transfers/batch_create", "lost")
        run = _run(store, client, THURSDAY)
        assert (run.posted.posted, run.posted.failed, run.posted.left_pending) == (2, 0, 0)
        assert handle.sandbox.faults.injected["lost"] == (answer == "lost")
        transfers = _transfers(client)
        assert set(transfers) == {
            "PAYOUT/20261120/IPY20261119JKT",
            "PAYOUT/20261120/BCC20261118JKT",
        }
        rows = _payout_rows(store)
        assert {n: (s, j) for n, (s, j, _) in rows.items()} == {
            number: ("posted", transfer["id"]) for number, transfer in transfers.items()
        }

        again = _run(store, client, THURSDAY)
        assert (again.posted.posted, again.posted.calls) == (0, 0)
        assert again.queued["outbox_already_posted"] == 2
        assert _transfers(client).keys() == transfers.keys()


def test_a_transfer_an_echoing_answer_leaves_unknown_stays_pending_not_failed(tmp_path, store):
    """J-45: a transfer Jurnal refused while its answer only echoed it (here: the books were
    closed for its date) is not in Jurnal: it stays pending, saying why, and is not marked
    failed; once Jurnal takes it, the next run posts it once."""
    replace_reconciliation(
        store, THURSDAY, [settlement(THURSDAY, "QRIS", 1_191_250, "matched", QRIS_LINE)], AT
    )
    with running_jurnal_sandbox(tmp_path / "echo", transfer_batch="documented") as handle:
        client = handle.client()
        handle.sandbox.closing_date = FRIDAY
        run = _run(store, client, THURSDAY)
        assert (run.posted.posted, run.posted.failed, run.posted.left_pending) == (0, 0, 1)
        ((status, jurnal_id, reason),) = _payout_rows(store).values()
        assert (status, jurnal_id) == ("pending", None)
        assert "did not say whether it was created" in reason and "stays pending" in reason
        assert _transfers(client) == {}
        assert payouts.open_payout_days(store) == {FRIDAY}

        handle.sandbox.closing_date = None
        again = _run(store, client, THURSDAY)
        assert (again.posted.posted, again.posted.failed) == (1, 0)
        (transfer,) = _transfers(client).values()
        ((status, jurnal_id, reason),) = _payout_rows(store).values()
        assert (status, jurnal_id, reason) == ("posted", transfer["id"], None)
        assert payouts.open_payout_days(store) == set()


def test_a_payout_posted_for_a_line_its_row_let_go_is_held_and_never_doubled(store, jurnal):
    """Thursday's QRIS takings (expected 1,191,250) first matched an unnamed line of exactly
    that amount on Friday, and were paid out. On Monday the line naming them arrives and the
    row holds it instead. The Friday payout stands in Jurnal: it is held for a person, naming
    its transfer and how to reverse it, and Monday's payout of the same row is held, not
    posted a second time, until that person has settled the first."""
    client = jurnal.client()
    unnamed = line("TRSF E-BANKING CR 2011 WS95031", 1_191_250)
    stage_statement_lines(store, [unnamed])
    replace_reconciliation(
        store, THURSDAY, [settlement(THURSDAY, "QRIS", 1_191_250, "matched", unnamed)], AT
    )
    assert _run(store, client, THURSDAY).posted.posted == 1
    first = f"PAYOUT/20261120/{unnamed.line_key[:16]}"  # the reference has spaces
    assert set(_transfers(client)) == {first}

    monday = date(2026, 11, 23)
    named = line("IPY20261119JKT", 1_191_250, day=monday)
    stage_statement_lines(store, [named])
    replace_reconciliation(
        store, THURSDAY, [settlement(THURSDAY, "QRIS", 1_191_250, "matched", named)], AT
    )
    run = _run(store, client, THURSDAY)
    assert run.days == [FRIDAY, monday]
    assert run.posted.posted == 0 and set(_transfers(client)) == {first}
    reasons = {h.source_reference: h.reason for h in run.holds}
    assert set(reasons) == {first, "PAYOUT/20261123/IPY20261119JKT"}
    assert "no reconciliation row holds any more" in reasons[first]
    assert f"delete the bank transfer {first} in Jurnal" in reasons[first]
    assert "not posted a second time" in reasons["PAYOUT/20261123/IPY20261119JKT"]
    held = f"payout:STANDING/{unnamed.line_key}"
    assert f"journal-pipeline resolve {held}" in reasons[first]
    again = _run(store, client, THURSDAY)  # running again changes nothing
    assert again.posted.posted == 0 and set(_transfers(client)) == {first}

    # the finance team deletes the Friday transfer in Jurnal and says so
    (done,) = by_hand.resolve(store.engine, [held], "deleted the transfer in Jurnal", "finance")
    assert done.done
    client._request("DELETE", f"bank_transfers/{_transfers(client)[first]['id']}")
    settled = _run(store, client, THURSDAY)
    assert settled.posted.posted == 1 and not settled.holds
    assert set(_transfers(client)) == {"PAYOUT/20261123/IPY20261119JKT"}


def test_a_line_paid_out_for_one_row_then_found_to_pay_two_is_never_moved_twice(store, jurnal):
    """Thursday's QRIS transfer for every outlet (1,500,000, naming the day, no outlet) was first
    read when only JKT's takings were staged: all of it went out of clearing for JKT. Once DPS's
    takings are in, the line pays JKT 1,191,250 and DPS 308,750. The first transfer stands in
    Jurnal: it is held for a person, JKT's new part is held behind it (never moved twice), DPS's
    part is posted. Once the person has reversed the first, JKT's part is posted."""
    client = jurnal.client()
    shared = line("IPY20261119", 1_500_000)
    stage_statement_lines(store, [shared])
    alone = settlement(THURSDAY, "QRIS", 1_191_250, "over", shared)
    replace_reconciliation(store, THURSDAY, [alone], AT)
    assert _run(store, client, THURSDAY).posted.posted == 1
    first = "PAYOUT/20261120/IPY20261119"
    assert Decimal(_transfers(client)[first]["transfer_amount"]) == 1_500_000

    def part(outlet: str, expected: int) -> dict:
        row = settlement(THURSDAY, "QRIS", expected, "matched", shared)
        return {
            **row,
            "row_key": f"{outlet}|QRIS",
            "outlet_code": outlet,
            "received": expected,
            "variance": 0,
        }

    replace_reconciliation(store, THURSDAY, [part("JKT", 1_191_250), part("DPS", 308_750)], AT)
    run = _run(store, client, THURSDAY)
    assert run.posted.posted == 1
    jkt = f"{first}/JKT-{part_digest(THURSDAY, 'JKT', 'QRIS')[:6]}"
    dps = f"{first}/DPS-{part_digest(THURSDAY, 'DPS', 'QRIS')[:6]}"
    assert set(_transfers(client)) == {first, dps}
    reasons = {h.source_reference: h.reason for h in run.holds}
    assert set(reasons) == {first, jkt}
    assert "no reconciliation row holds any more" in reasons[first]
    assert "not posted a second time" in reasons[jkt]
    assert _run(store, client, THURSDAY).posted.posted == 0  # again: nothing new

    held = f"payout:STANDING/{shared.line_key}"
    by_hand.resolve(store.engine, [held], "reversed the transfer in Jurnal", "finance")
    client._request("DELETE", f"bank_transfers/{_transfers(client)[first]['id']}")
    settled = _run(store, client, THURSDAY)
    assert settled.posted.posted == 1 and not settled.holds
    amounts = {n: Decimal(t["transfer_amount"]) for n, t in _transfers(client).items()}
    assert amounts == {jkt: 1_191_250, dps: 308_750}
