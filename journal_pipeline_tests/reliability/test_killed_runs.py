"""`make reliability` at CI size: runs killed with SIGKILL at random points resume with a plain
re-run, and runs at once on one instance (the same day twice, a tick during a backfill, a dead
daemon-launched run) finish without a duplicate, a hang or a pool that stays taken."""

from __future__ import annotations

import pytest

from benchmarks.reliability import concurrency, kills

pytestmark = pytest.mark.e2e


def _explain(section) -> str:
    figures = "\n".join(f"  {name}: {value}" for name, value in section.figures.items())
    return f"{section.title}\n{figures}\n{section.notes}"


def test_runs_killed_at_random_points_resume_with_a_plain_rerun():
    section = kills.measure("ci")
    assert section.figures["kills (SIGKILL)"] >= 5, _explain(section)
    assert section.figures["duplicates in Jurnal"] == 0, _explain(section)
    assert section.figures["missing orders"] == 0, _explain(section)
    assert section.figures["re-runs that waited for the jurnal_api pool"] == 0, _explain(section)
    assert section.passed, _explain(section)


def test_runs_at_once_finish_without_duplicates_or_a_pool_left_taken():
    section = concurrency.measure("ci")
    assert section.figures["hung commands"] == 0, _explain(section)
    assert section.figures["duplicates in Jurnal"] == 0, _explain(section)
    assert section.figures["dead daemon run: next run of its day finished (exit 0)"] == 1, _explain(
        section
    )
    assert section.passed, _explain(section)
