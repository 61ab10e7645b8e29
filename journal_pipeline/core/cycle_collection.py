"""Pausing Python's cycle collector while a day's documents are built.

Building a busy day's journal and invoices allocates hundreds of thousands of small dicts and
lists that all stay alive until the day is written. Each allocation burst makes the cycle
collector walk every live object again (the staged orders and frames included), which on a
50,000-order day costs as much as the building itself, and finds nothing: these objects are
freed by reference counting. The collector is paused for the build and resumed after it,
with what was built counted among the old objects: a cycle made meanwhile is collected by the
next full collection.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause the cycle collector for the ``with`` block (or the decorated function) and
    resume it after, unless it was off already. Nested pauses resume at the outermost one."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            _age_without_walking()
            gc.enable()


def _age_without_walking() -> None:
    """Move every tracked object to the oldest generation without walking them. Otherwise the
    first allocation after the pause makes the collector walk everything allocated during it
    (a tenth of a second on a 50,000-order day) to find nothing. Skipped when objects are
    frozen by someone else (`gc.freeze`, as a pre-forking server does): unfreezing would thaw
    theirs."""
    if gc.get_freeze_count() == 0:
        gc.freeze()  # every generation into the permanent one, the young count back to 0
        gc.unfreeze()  # the permanent generation into the oldest one
