"""`make reliability` at CI size: runs killed with SIGKILL at random points resume with a plain
re-run. (Runs at once are in test_runs_at_once.py: a module of their own, so the two long
scenarios can run on two test workers.)"""

from __future__ import annotations

import pytest

from benchmarks.reliability import kills
from journal_pipeline_tests.reliability.sections import explain

pytestmark = pytest.mark.e2e


def test_runs_killed_at_random_points_resume_with_a_plain_rerun():
    section = kills.measure("ci")
    assert section.figures["kills (SIGKILL)"] >= 5, explain(section)
    assert section.figures["duplicates in Jurnal"] == 0, explain(section)
    assert section.figures["missing orders"] == 0, explain(section)
    assert section.figures["re-runs that waited for the jurnal_api pool"] == 0, explain(section)
    assert section.passed, explain(section)
