"""Jurnal's transaction quota (J-58) in each form its answers may take: a refusal for it is
told apart from a wrong document, refused credentials and the per-minute rate limit, and the
summary is read however its counts are written."""

from __future__ import annotations

import pytest

from journal_pipeline.jurnal.errors import (
    JurnalAuthError,
    JurnalQuotaExhausted,
    JurnalRateLimited,
    JurnalValidationError,
    error_from_response,
)
from journal_pipeline.jurnal.quota import TransactionQuota
from journal_pipeline.sync.quota import is_quota_refusal, quota_notes

USED_UP = "Kuota transaksi bulan ini sudah habis"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (422, {"quota": [USED_UP], "error_full_messages": [USED_UP]}),
        (422, {"error_full_messages": ["Transaction quota exceeded for this month"]}),
        (403, {"message": USED_UP}),
        (402, {"errors": "Your transaction quota has been reached"}),
        (400, {"error": USED_UP}),
        (422, USED_UP),
    ],
)
def test_a_refusal_for_the_quota_is_its_own_error(status, body):
    error = error_from_response(status, body, method="POST", path="/x/sales_invoices")
    assert isinstance(error, JurnalQuotaExhausted) and error.retryable
    assert "transaction quota" in str(error) and error.status == status


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (429, {"message": "API rate limit exceeded, quota per minute"}, JurnalRateLimited),
        (403, {"message": "HMAC signature does not match"}, JurnalAuthError),
        (422, {"person_name": ["can't be blank"]}, JurnalValidationError),
    ],
)
def test_other_refusals_keep_their_kind(status, body, kind):
    error = error_from_response(status, body, method="POST", path="/x/sales_invoices")
    assert type(error) is kind


def test_a_batch_item_refused_for_the_quota_is_told_apart():
    assert is_quota_refusal({"quota": [USED_UP]})
    assert is_quota_refusal({"error": ["Transaction Quota is over"]})
    assert not is_quota_refusal({"person_name": ["can't be blank"]})
    assert not is_quota_refusal(None) and not is_quota_refusal({})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "month": 12,
                "year": 2026,
                "total_quota": 500,
                "usage_quota": 120,
                "remaining_quota": 380,
            },
            TransactionQuota(12, 2026, 500, 120, 380),
        ),
        (
            {
                "quota_summary": {
                    "month": "12",
                    "year": "2026",
                    "total_quota": "1,000",
                    "usage_quota": "1000",
                    "remaining_quota": None,
                }
            },
            TransactionQuota(12, 2026, 1000, 1000, 0),
        ),
        (
            {
                "month": 12,
                "year": 2026,
                "total_quota": None,
                "usage_quota": 7,
                "remaining_quota": None,
            },
            TransactionQuota(12, 2026, None, 7, None),
        ),
    ],
)
def test_the_summary_is_read_in_each_form(body, expected):
    assert TransactionQuota.from_body(body) == expected


def test_check_says_when_per_order_posting_outgrows_the_quota():
    quota = TransactionQuota(12, 2026, 1000, 400, 600)
    notes = quota_notes(quota, "per_order", orders_seen=3000, outlets=3, days=30)
    assert notes == [
        "Jurnal's transaction quota for 2026-12: 600 of 1,000 left",
        "posting_mode per_order posts at least 3,000 sales invoices a month (one per order "
        "iSeller was paid for in the last 30 days), more than the quota of 1,000: set "
        "`posting_mode: daily_summary` (about 90 a month, one per outlet and day) or buy more "
        "quota in Jurnal",
    ]
    assert quota_notes(quota, "daily_summary", 3000, 3, 30) == notes[:1]
    small = TransactionQuota(12, 2026, 60, 0, 60)
    assert quota_notes(small, "daily_summary", 3000, 3, 30)[1] == (
        "posting_mode daily_summary posts about 90 sales invoices a month (one per outlet and "
        "day), more than the quota of 60: buy more quota in Jurnal"
    )
    used_up = TransactionQuota(12, 2026, 1000, 1000, 0)
    assert "the quota is used up" in quota_notes(used_up, "daily_summary", 10, 3, 30)[1]
    assert quota_notes(TransactionQuota(12, 2026, None, 5, None), "per_order", 9999, 3, 30) == []
    assert quota_notes(None, "per_order", 9999, 3, 30) == []
