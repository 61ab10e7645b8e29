"""`make reliability` at CI size, daily-summary mode: runs killed with SIGKILL at random points
while they post a day's summaries resume with a plain re-run, nothing posted twice."""

from __future__ import annotations

import pytest

from benchmarks.reliability import summary_kills
from journal_pipeline_tests.reliability.sections import explain

pytestmark = pytest.mark.e2e


def test_summary_runs_killed_at_random_points_resume_with_a_plain_rerun():
    section = summary_kills.measure("ci")
    assert section.figures["kills (SIGKILL)"] >= 5, explain(section)
    assert section.figures["duplicates in Jurnal"] == 0, explain(section)
    assert section.figures["missing orders"] == 0, explain(section)
    assert section.figures["completed orders (iSeller)"] > 0, explain(section)
    assert section.passed, explain(section)
