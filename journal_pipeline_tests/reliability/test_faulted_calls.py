"""The reliability scenarios at CI size (`python -m benchmarks.reliability --scale ci`):
faults on more than one call in ten of both emulators, and outages of Jurnal and iSeller, over
real HTTP, real SQLite staging and Dagster runs as `journal-pipeline sync` runs them."""

from __future__ import annotations

import pytest

from benchmarks.reliability import faults, outages

pytestmark = pytest.mark.e2e


def test_faults_leave_no_duplicate_no_missing_order_and_the_ledger_equal():
    section = faults.measure("ci")
    figures = section.figures
    assert figures["duplicates in Jurnal"] == 0
    assert figures["missing orders"] == 0
    assert figures["ledger difference (rupiah)"] == 0
    assert figures["days never completed"] == 0
    assert figures["iSeller calls faulted (%)"] >= 10
    assert figures["Jurnal calls faulted (%)"] >= 10
    assert (
        figures["completed orders (iSeller)"]
        == figures["sales invoices posted"] + figures["orders held (with a reason)"]
    )
    assert section.passed, section.notes


def test_outages_fail_cleanly_alert_once_and_post_once_when_over():
    section = outages.measure("ci")
    figures = section.figures
    assert figures["run during the outage"] == "failed"
    assert figures["stack traces in its output"] == 0
    assert figures["records pending after it"] > 0
    assert figures["records failed for good after it"] == 0
    assert figures["records posted during the outage"] == 0
    assert figures["alerts sent"] == 1
    assert figures["re-run after Jurnal returned"] == "succeeded"
    assert figures["records left pending or failed"] == 0
    assert figures["iSeller down (503): run"] == "failed"
    assert figures["iSeller down (503): documents posted"] == 0
    assert figures["duplicates in Jurnal"] == 0
    assert figures["missing orders"] == 0
    assert figures["ledger difference (rupiah)"] == 0
    assert section.passed, section.notes
