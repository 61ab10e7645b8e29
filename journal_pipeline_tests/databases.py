"""Staging databases for tests: a SQLite file and a throwaway schema on the local PostgreSQL."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


@contextmanager
def postgres_schema_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"jp_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
