"""Every test starts with no page base learnt in the process, so request counts do not depend
on which test ran first against the shared emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from journal_pipeline.iseller.paging import forget_page_bases


@pytest.fixture(autouse=True)
def _no_page_base_learnt() -> Iterator[None]:
    forget_page_bases()
    yield
    forget_page_bases()
