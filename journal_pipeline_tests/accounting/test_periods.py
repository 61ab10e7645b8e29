"""Closed periods: documents of a locked day are held; corrections move to the first open day."""

from datetime import date

import pytest

from journal_pipeline.accounting import invoices, periods, posting_rules
from journal_pipeline.config import ConfigError, load_config
from journal_pipeline.iseller.frames import order_frames
from journal_pipeline_tests.accounting.orders import retail_order
from journal_sandbox.defaults import DEMO_CONFIG

DAY = date(2026, 11, 20)


def _config(lock_date):
    return load_config(DEMO_CONFIG).model_copy(update={"lock_date": lock_date})


def _invoices(config):
    sales = posting_rules.sales_of_day(order_frames([retail_order()]), config, DAY)
    documents, holds = invoices.sales_invoices(sales, config)
    assert holds == [] and len(documents) == 1
    return documents


def test_nothing_is_locked_without_a_lock_date():
    config = _config(None)
    assert not periods.is_locked(DAY, config)
    assert periods.correction_date(DAY, config) == periods.PostingDate(DAY)
    documents = _invoices(config)
    assert periods.hold_locked(documents, config) == (documents, [])


@pytest.mark.parametrize("lock_date", [DAY, date(2026, 11, 30)])
def test_a_document_of_a_locked_day_is_held_under_its_own_key(lock_date):
    config = _config(lock_date)
    documents = _invoices(config)
    kept, holds = periods.hold_locked(documents, config)
    assert kept == []
    (hold,) = holds
    assert hold.doc_key == documents[0].doc_key  # the same outbox record: held, not lost
    assert hold.business_date == DAY
    assert f"closed period (lock_date {lock_date})" in hold.reason
    assert documents[0].transaction_no in hold.reason
    assert "move lock_date back" in hold.reason


def test_the_day_after_the_lock_date_is_open():
    config = _config(date(2026, 11, 19))
    documents = _invoices(config)
    assert periods.hold_locked(documents, config) == (documents, [])


def test_a_correction_of_a_locked_day_is_dated_the_first_open_day_and_says_so():
    config = _config(date(2026, 11, 30))
    moved = periods.correction_date(DAY, config)
    assert moved.day == date(2026, 12, 1) and moved.moved
    assert moved.note == (
        "dated 2026-12-01: the books are locked up to 2026-11-30 (lock_date), "
        "the event was on 2026-11-20"
    )
    assert periods.correction_date(date(2026, 12, 3), config) == periods.PostingDate(
        date(2026, 12, 3)
    )


def test_the_config_refuses_a_lock_date_that_is_not_a_date(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(DEMO_CONFIG.read_text() + "\nlock_date: end of October\n")
    with pytest.raises(ConfigError, match="lock_date"):
        load_config(path)
