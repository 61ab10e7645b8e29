"""The reliability scenarios at CI size (`python -m benchmarks.reliability --scale ci`):
outages of Jurnal and iSeller, over real HTTP, real SQLite staging and Dagster runs as
`journal-pipeline sync` runs them."""

from __future__ import annotations

import pytest

from benchmarks.reliability import outages

pytestmark = pytest.mark.e2e


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
