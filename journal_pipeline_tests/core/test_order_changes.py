from datetime import UTC, datetime

from journal_pipeline.core.order_changes import changed_at


def _order(**fields):
    return {"order_id": "o1", "closed_date": "2026-11-20 03:15:00", **fields}


def test_an_order_is_dated_by_its_modified_date_when_it_has_one():
    order = _order(modified_date="2026-11-20 05:00:00", cancel_date="2026-11-22 01:00:00")
    assert changed_at(order) == datetime(2026, 11, 20, 5, tzinfo=UTC)


def test_without_modified_date_the_latest_moment_the_order_dates_is_taken():
    assert changed_at(_order()) == datetime(2026, 11, 20, 3, 15, tzinfo=UTC)
    paid_later = _order(
        transactions=[
            {"transaction_date": "2026-11-20 03:15:00"},
            {"transaction_date": "2026-11-23T09:30:00.1234567"},
        ]
    )
    assert changed_at(paid_later) == datetime(2026, 11, 23, 9, 30, 0, 123456, tzinfo=UTC)
    refunded = _order(refunded_orders=[{"refund_date": "2026-11-25 10:00:00"}])
    assert changed_at(refunded) == datetime(2026, 11, 25, 10, tzinfo=UTC)
    voided = _order(cancel_date="2026-11-21 02:00:00", modified_date="")
    assert changed_at(voided) == datetime(2026, 11, 21, 2, tzinfo=UTC)


def test_unreadable_moments_are_passed_over_and_none_means_none():
    assert changed_at({"order_id": "o1", "closed_date": "not a date"}) is None
    odd = _order(transactions=[None, {"transaction_date": 5}], refunded_orders="x")
    assert changed_at(odd) == datetime(2026, 11, 20, 3, 15, tzinfo=UTC)
