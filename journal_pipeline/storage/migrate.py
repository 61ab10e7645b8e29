"""Bring a staging database to the newest schema (Alembic), in process, before first use."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from journal_pipeline.storage.writing import writing

MIGRATIONS = Path(__file__).with_name("migrations")


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # under the staging write lock: two processes opening a new database at once would both
    # create its tables, and the second fail on "table already exists"
    with writing(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
