"""Alembic environment: migrates the staging database the caller's connection points at."""

from alembic import context

from journal_pipeline.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
