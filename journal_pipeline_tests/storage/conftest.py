"""The staging store of the storage tests, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.databases import postgres_schema_url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield StagingStore(f"sqlite:///{tmp_path / 'staging.db'}")
    else:
        with postgres_schema_url() as url:
            staging = StagingStore(url)
            yield staging
            staging.engine.dispose()
