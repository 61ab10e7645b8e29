"""`make reliability` at CI size: runs at once on one instance (the same day twice, a tick
during a backfill, a dead daemon-launched run) finish without a duplicate, a hang or a pool
that stays taken."""

from __future__ import annotations

import pytest

from benchmarks.reliability import concurrency
from journal_pipeline_tests.reliability.sections import explain

pytestmark = pytest.mark.e2e


def test_runs_at_once_finish_without_duplicates_or_a_pool_left_taken():
    section = concurrency.measure("ci")
    assert section.figures["hung commands"] == 0, explain(section)
    assert section.figures["duplicates in Jurnal"] == 0, explain(section)
    assert section.figures["dead daemon run: next run of its day finished (exit 0)"] == 1, explain(
        section
    )
    assert section.passed, explain(section)
