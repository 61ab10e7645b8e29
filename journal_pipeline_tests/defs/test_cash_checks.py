"""The cash-count check of `jurnal_cash_counts`: a shift far off the till's expected cash warns,
naming it, and never blocks; the demo's small differences pass under the default tolerance."""

from __future__ import annotations

import dagster as dg

from journal_pipeline.config import load_config
from journal_pipeline.defs.cash_checks import CASH_WITHIN_TOLERANCE, cash_tolerance_result
from journal_pipeline_tests.accounting.test_cash_count import DAY, _build, documented
from journal_sandbox.defaults import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)


def test_a_shift_beyond_the_tolerance_warns_naming_it():
    build = _build(documented("s1", -12_500), documented("s2", -450_000))
    tolerance = CONFIG.reconciliation.cash_difference_tolerance
    assert tolerance == 100_000  # the default
    result = cash_tolerance_result(build, tolerance, DAY)
    assert result.check_name == CASH_WITHIN_TOLERANCE
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert "1 shift(s) of 2026-11-20 closed more than Rp 100.000" in result.description
    assert "SHIFT/JKT/20261120/2 (Register #1) Rp 450.000 short." in result.description
    assert "Rp 12.500" not in result.description  # within the tolerance
    assert result.metadata["shifts_beyond_tolerance"].value == 1
    assert result.metadata["shifts_with_a_difference"].value == 2

    relaxed = cash_tolerance_result(build, 500_000, DAY)
    assert relaxed.passed and "2 with a difference, each booked" in relaxed.description
