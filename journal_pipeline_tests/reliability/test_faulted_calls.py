"""The reliability scenarios at CI size (`python -m benchmarks.reliability --scale ci`): faults
on more than one call in ten of both emulators, over real HTTP, real SQLite staging and Dagster
runs as `journal-pipeline sync` runs them. (Outages are in test_outages.py: a module of their
own, so the two long scenarios can run on two test workers.)"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from benchmarks.reliability import faults

pytestmark = pytest.mark.e2e


def test_faults_leave_no_duplicate_no_missing_order_and_the_ledger_equal():
    before = set(Path(tempfile.gettempdir()).glob("jp-faults-*"))
    section = faults.measure("ci")
    # the scenario's sandboxes, databases and logs are gone with it
    assert set(Path(tempfile.gettempdir()).glob("jp-faults-*")) <= before
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
