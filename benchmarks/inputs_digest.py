"""Benchmark: what `StagingStore.journal_inputs_version` costs as the outbox grows.

    .venv/bin/python -m benchmarks.inputs_digest [--rows 100000,1000000] [--url URL]

The build marks and the hourly schedule's look compare it several times a run. It was a
digest aggregating whole staging tables, whose cost grew with the history kept (about 0.6 s a
call at 1,000,000 outbox rows on SQLite, 0.2 s on PostgreSQL); it is now a counter bumped by
the writes (`storage.writing`), one row to read at any size. This fills the outbox of a fresh
staging database (a temporary SQLite file, or a scratch database at ``--url``: its outbox is
emptied first, so never a merchant's) with posted documents spread over a year, then times it
three times at each size. Prints one line per size: rows, min / median / max seconds.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from journal_pipeline.storage import tables
from journal_pipeline.storage.store import StagingStore

KINDS = ("sales_invoice", "receive_payment", "payment_fee", "journal_entry", "sales_return")
FIRST_DAY = date(2025, 1, 1)
CHUNK = 20_000


def fill(store: StagingStore, start: int, stop: int) -> None:
    """Add posted documents ``start`` to ``stop`` (exclusive) to the outbox."""
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        for first in range(start, stop, CHUNK):
            conn.execute(
                sa.insert(tables.outbox),
                [
                    {
                        "doc_key": f"bench:{i}",
                        "doc_type": KINDS[i % len(KINDS)],
                        "business_date": FIRST_DAY + timedelta(days=i % 365),
                        "source_id": str(i),
                        "status": "posted",
                        "attempts": 1,
                        "changed_after_posting": False,
                        "created_at": now,
                        "updated_at": now,
                        "posted_at": now,
                        "jurnal_id": i,
                        "payload": "{}",
                    }
                    for i in range(first, min(first + CHUNK, stop))
                ],
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--url", help="a staging database URL (default: a temporary SQLite)")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.rows.split(","))
    scratch = None if args.url else Path(tempfile.mkdtemp(prefix="jp-digest-"))
    store = StagingStore(args.url or f"sqlite:///{scratch / 'staging.db'}")
    try:
        measure(store, sizes)
    finally:
        store.engine.dispose()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def measure(store: StagingStore, sizes: list[int]) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.delete(tables.outbox))
    filled = 0
    for size in sizes:
        fill(store, filled, size)
        filled = size
        seconds = []
        for _ in range(3):
            began = time.perf_counter()
            store.journal_inputs_version()
            seconds.append(time.perf_counter() - began)
        spread = f"{min(seconds):.3f} / {statistics.median(seconds):.3f} / {max(seconds):.3f}"
        print(f"{size:>10,} outbox rows ({store.engine.dialect.name}): {spread} s")


if __name__ == "__main__":
    main()
