"""Payouts: a settlement received is a bank transfer from the method's clearing account to the
bank, for the amount received (the worked example of docs/reconciliation.md, "Payouts")."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from journal_pipeline.accounting.documents import PAYOUT
from journal_pipeline.accounting.payouts import Receipt, booked_accounts, payout_entries
from journal_pipeline.config import load_config
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
FRIDAY = date(2026, 11, 20)


def row(**values):
    """A row as `storage.reconciliation.received_on` gives it."""
    base = {
        "line_key": "a" * 32,
        "received_date": FRIDAY,
        "received": Decimal("1191250.00"),
        "bank_account": "Rekening Bank",
        "outlet_code": "JKT",
        "payment_method": "QRIS",
        "business_date": date(2026, 11, 19),
        "expected": 1_191_250,
        "status": "matched",
        "reference": "ISELLER PAY PAYOUT JKT 20261119",
        "line_reference": "IPY20261119JKT",
    }
    return Receipt.from_row({**base, **values})


# Thursday's QRIS takings at JKT: 1,250,000 sold, 50,000 refunded, iSeller's MDR 0.7% of the
# sales 8,750: expected 1,250,000 − 50,000 − 8,750 = 1,191,250 on Friday, and it arrived.
QRIS = row()
# Wednesday's card takings at JKT: 2,000,000 sold, MDR 2% = 40,000: expected 1,960,000 on
# Friday (two business days), 1,955,000 arrived: 5,000 short.
CARD = row(
    line_key="b" * 32,
    received=Decimal("1955000.00"),
    payment_method="Kartu Kredit",
    business_date=date(2026, 11, 18),
    expected=1_960_000,
    status="short",
    reference="BCA CC SETTLEMENT JKT 20261118",
    line_reference="BCC20261118JKT",
)


def test_worked_example_moves_what_arrived_from_clearing_to_the_bank():
    build = payout_entries([QRIS, CARD], CONFIG, FRIDAY)
    assert build.holds == []
    bodies = {d.transaction_no: d.payload["bank_transfer"] for d in build.documents}
    assert bodies["PAYOUT/20261120/IPY20261119JKT"] == {
        "refund_from_name": "Kliring QRIS iSeller Pay",
        "deposit_to_name": "Rekening Bank",
        "transfer_amount": 1_191_250,
        "transaction_date": "2026-11-20",
        "transaction_no": "PAYOUT/20261120/IPY20261119JKT",
        "custom_id": "PAYOUT/" + "a" * 32,
        "memo": "QRIS settlement of JKT takings 2026-11-19: bank reference IPY20261119JKT",
        "tags": ["JKT"],
    }
    card = bodies["PAYOUT/20261120/BCC20261118JKT"]
    assert card["refund_from_name"] == "Kliring Kartu Kredit"
    assert card["transfer_amount"] == 1_955_000  # the amount received, not the expected
    assert "Rp 5.000 short (left in the clearing account)" in card["memo"]
    assert {d.doc_type for d in build.documents} == {PAYOUT}
    assert {d.business_date for d in build.documents} == {FRIDAY}
    assert build.total == 1_191_250 + 1_955_000

    journal = build.journal_frame()
    assert journal["debit"].sum() == journal["credit"].sum() == build.total
    card_lines = journal[journal["entry_id"] == "payout:" + "b" * 32]
    assert card_lines[["account_name", "debit", "credit"]].values.tolist() == [
        ["Rekening Bank", 1_955_000, 0],
        ["Kliring Kartu Kredit", 0, 1_955_000],
    ]
    # what the card clearing account keeps: sales 2,000,000 − MDR 40,000 − payout 1,955,000
    assert 2_000_000 - 40_000 - 1_955_000 == CARD.expected - 1_955_000 == 5_000


def test_only_the_days_receipts_of_paid_rows():
    later = replace(QRIS, line_key="c" * 32, received_date=date(2026, 11, 23))
    pending = replace(CARD, line_key="d" * 32, status="pending")
    build = payout_entries([QRIS, later, pending], CONFIG, FRIDAY)
    assert [d.custom_id for d in build.documents] == ["PAYOUT/" + "a" * 32]


def test_numbers_fall_back_to_the_line_key():
    twin = replace(CARD, reference=QRIS.reference)
    shared = payout_entries([QRIS, twin], CONFIG, FRIDAY)
    assert sorted(d.transaction_no for d in shared.documents) == [
        "PAYOUT/20261120/aaaaaaaaaaaaaaaa",
        "PAYOUT/20261120/bbbbbbbbbbbbbbbb",
    ]
    wordy = replace(QRIS, reference="transfer from PT Dompet Digital Indonesia")
    (doc,) = payout_entries([wordy], CONFIG, FRIDAY).documents
    assert doc.transaction_no == "PAYOUT/20261120/aaaaaaaaaaaaaaaa"


def test_holds_name_the_receipt_and_the_fix():
    unknown = replace(QRIS, method="OVO")
    build = payout_entries([unknown], CONFIG, FRIDAY)
    assert build.documents == [] and build.journal_frame().empty
    (hold,) = build.holds
    assert hold.doc_key == "payout:PAYOUT/" + "a" * 32  # the document it stands for
    assert "IPY20261119JKT" in hold.reason and "OVO" in hold.reason
    assert "payment_methods" in hold.reason

    cents = replace(QRIS, amount=Decimal("1191250.50"))
    (hold,) = payout_entries([cents], CONFIG, FRIDAY).holds
    assert "by hand" in hold.reason

    locked = CONFIG.model_copy(update={"lock_date": FRIDAY})
    (hold,) = payout_entries([QRIS], locked, FRIDAY).holds
    assert "lock_date" in hold.reason


def test_a_settlement_leaves_the_account_its_takings_were_booked_into():
    booked = {("JKT", "QRIS", QRIS.takings_date): "Kliring QRIS Lama"}
    (document,) = payout_entries([QRIS], CONFIG, FRIDAY, booked).documents
    body = document.payload["bank_transfer"]
    assert body["refund_from_name"] == "Kliring QRIS Lama"
    assert body["memo"].endswith(
        "; out of Kliring QRIS Lama, where the takings were booked "
        "(now mapped to Kliring QRIS iSeller Pay)"
    )
    # takings of another day (or none staged) leave the account the config maps
    other = {("JKT", "QRIS", date(2026, 11, 18)): "Kliring QRIS Lama"}
    (document,) = payout_entries([QRIS], CONFIG, FRIDAY, other).documents
    assert document.payload["bank_transfer"]["refund_from_name"] == "Kliring QRIS iSeller Pay"


def test_the_account_debited_most_for_the_takings_is_where_they_are():
    thursday = QRIS.takings_date
    debits = [
        ("JKT", "payment:QRIS", thursday, "Kliring QRIS Lama", 1_000_000),
        ("JKT", "payment:QRIS", thursday, "Kliring QRIS iSeller Pay", 250_000),  # a late revision
        ("JKT", "payment:Cash", thursday, "Kas", 9_000_000),  # another method: not asked
        ("DPS", "payment:QRIS", thursday, "Kliring Bali", 5_000_000),  # another outlet
    ]
    assert booked_accounts(debits, [("JKT", "QRIS", thursday)]) == {
        ("JKT", "QRIS", thursday): "Kliring QRIS Lama"
    }
    assert booked_accounts(debits, [("BDG", "QRIS", thursday)]) == {}
