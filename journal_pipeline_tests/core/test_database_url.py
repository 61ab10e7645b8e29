"""A PostgreSQL URL written without a driver opens the staging database with the installed one."""

from __future__ import annotations

from importlib.util import find_spec

import sqlalchemy as sa

from journal_pipeline.core.database_url import with_installed_driver
from journal_pipeline.storage.store import StagingStore
from journal_pipeline_tests.databases import postgres_schema_url

INSTALLED = "psycopg" if find_spec("psycopg") else "psycopg2"


def test_a_url_without_a_driver_gets_the_installed_one():
    assert with_installed_driver("postgresql://u@h/db") == f"postgresql+{INSTALLED}://u@h/db"
    assert with_installed_driver("postgres://u:p@h:5432/db?x=1") == (
        f"postgresql+{INSTALLED}://u:p@h:5432/db?x=1"
    )
    for as_written in ("postgresql+psycopg2://u@h/db", "sqlite:///s.db", "mysql://u@h/db"):
        assert with_installed_driver(as_written) == as_written


def test_the_staging_database_opens_from_a_bare_postgresql_url():
    with postgres_schema_url() as url:
        bare = "postgresql://" + url.split("://", 1)[1]
        store = StagingStore(bare)
        assert store.engine.dialect.name == "postgresql"
        assert store.engine.dialect.driver == INSTALLED
        store.set_mark("database_url_test", "*", "opened")
        assert store.mark("database_url_test")[0] == "opened"
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
        store.engine.dispose()
