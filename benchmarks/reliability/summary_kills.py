"""SIGKILL at random points of days posted as daily summaries, resumed by a plain re-run.

The kills of `benchmarks.reliability.kills` (during extraction, between the outbox's record of
a Jurnal call and Jurnal's answer, mid-batch, during a staging transaction) with the merchant
in ``posting_mode: daily_summary``: each day is over, so its run builds and posts one summary
invoice per outlet, its payments per method, its merged returns and its fees. The audit is the
same: no document twice in Jurnal, every completed order carried by a summary invoice in
Jurnal (or held with a reason), Jurnal's ledger equal to the canonical journal.
"""

from __future__ import annotations

from benchmarks.reliability.common import Section
from benchmarks.reliability.kills import measure_mode

TITLE = "SIGKILL at random points in daily-summary mode, resumed by a plain re-run"
COMMAND = "python -m benchmarks.reliability --scale {scale} --only summary_kills"


def measure(scale: str) -> Section:
    return measure_mode(scale, "daily_summary", TITLE, COMMAND)
