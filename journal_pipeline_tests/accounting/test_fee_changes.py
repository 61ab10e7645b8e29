"""A payment's fee that changed after its entry was posted: the posted entry stands and a
further entry books the difference, account by account, once."""

from __future__ import annotations

from decimal import Decimal

from journal_pipeline.accounting import fee_entries, mdr
from journal_pipeline.accounting.day_sales import dated_payments, with_business_dates
from journal_pipeline.accounting.fee_changes import with_fee_changes
from journal_pipeline.accounting.platform_fees import platform_fees
from journal_pipeline.config import MerchantConfig, load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.recon_orders import DAY, paid_order
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)
FEES, QRIS = "Beban MDR Pembayaran Non Tunai", "Kliring QRIS iSeller Pay"


def _qris(fee: int) -> dict:
    reported = [{"payment_method_fee": Decimal(fee), "total_amount_fee": Decimal(100_000 - fee)}]
    return paid_order(1, [("sale", "QRIS", "iseller_pay", 100_000, reported)])


def _entries(order: dict, config: MerchantConfig = CONFIG) -> fee_entries.PaymentEntries:
    frames = order_frames([order])
    rows = dated_payments(frames, with_business_dates(frames.orders, config), config)
    numbered = [(p, "ISL/JKT-000001") for p in rows.itertuples(index=False)]
    platform = platform_fees([order])
    reported = mdr.reported_fees([order], platform)
    return mdr.payment_entries(numbered, reported, config, DAY, platform)


def _changed(order: dict, posted, config: MerchantConfig = CONFIG) -> fee_entries.PaymentEntries:
    """The order's fee entries built now, with a further one for what changed since ``posted``."""
    reported = mdr.reported_fees([order], platform_fees([order]))
    return with_fee_changes(_entries(order, config), posted, set(reported), config, DAY)


def _further(entries: fee_entries.PaymentEntries) -> list[tuple[str, str, list]]:
    return [
        (
            d.custom_id,
            d.transaction_no,
            [
                (x["account_name"], x.get("debit"), x.get("credit"))
                for x in d.payload["journal_entry"]["transaction_account_lines_attributes"]
            ],
        )
        for d in entries.documents
        if d.custom_id != "t1-0/F"
    ]


def test_a_fee_reported_higher_after_posting_books_the_difference():
    posted = _entries(_qris(500)).lines  # iSeller first reported 500
    now = _changed(_qris(700), posted)
    assert _further(now) == [
        ("t1-0.2/F", "ISL/JKT-000001/F.2", [(FEES, 200, None), (QRIS, None, 200)])
    ]
    (document,) = [d for d in now.documents if d.custom_id == "t1-0.2/F"]
    assert document.expected_total == 200 and document.business_date == DAY
    assert "500 booked" in document.payload["journal_entry"]["memo"]


def test_a_fee_lower_after_posting_gives_the_difference_back_and_is_then_settled():
    posted = _entries(_qris(900)).lines
    now = _changed(_qris(700), posted)
    assert _further(now) == [
        ("t1-0.2/F", "ISL/JKT-000001/F.2", [(FEES, None, 200), (QRIS, 200, None)])
    ]
    further = [ln for ln in now.lines if ln["entry_id"] == "money:mdr:t1-0.2"]
    # posted too: nothing left; a third change is the third entry
    assert _further(_changed(_qris(700), [*posted, *further])) == []
    third = _changed(_qris(650), [*posted, *further])
    assert [c for c, _, _ in _further(third)] == ["t1-0.3/F"]
    assert _further(third)[0][2] == [(FEES, None, 50), (QRIS, 50, None)]


def test_a_platforms_part_found_later_goes_to_its_own_account():
    data = CONFIG.model_dump()
    data["accounts"]["platform_fees"] = "Beban Komisi Marketplace"
    config = MerchantConfig.model_validate(data)
    order = paid_order(1, [("sale", "GoPay", "custom", 100_000, [])])  # 0.7%: 700
    posted = _entries(order, config).lines
    sold = dict(order, profit_details={"admin_fee": 2_000, "commission_fee": 3_000})
    now = _changed(sold, posted, config)
    (further,) = _further(now)
    # the platform's 5,000 replaces the percentage: 700 given back, 5,000 kept on its account
    assert sorted(further[2], key=str) == sorted(
        [
            ("Beban Komisi Marketplace", 5_000, None),
            (FEES, None, 700),
            ("Kliring GoPay", None, 4_300),
        ],
        key=str,
    )


def test_a_fee_never_posted_or_unchanged_books_nothing_more():
    fresh = _entries(_qris(700))
    assert _changed(_qris(700), []).documents == fresh.documents
    assert _further(_changed(_qris(700), fresh.lines)) == []


def test_a_change_of_the_config_alone_reposts_nothing():
    """A rate or an account changed in the config without `mapping_history` is no change of
    the source: the fee posted stands, as a sales invoice does."""
    order = paid_order(1, [("sale", "GoPay", "custom", 100_000, [])])
    posted = _entries(order).lines  # 0.7%: 700
    data = CONFIG.model_dump()
    data["settlements"]["GoPay"]["mdr_percent"] = Decimal("0.8")
    assert _further(_changed(order, posted, MerchantConfig.model_validate(data))) == []
    sold = dict(order, profit_details={"admin_fee": 2_000, "commission_fee": 3_000})
    data = CONFIG.model_dump()
    data["accounts"]["platform_fees"] = "Beban Komisi Marketplace"
    config = MerchantConfig.model_validate(data)
    # the same fee iSeller reported, an account for the platform's part named since: it stays
    assert _further(_changed(sold, _entries(sold).lines, config)) == []
