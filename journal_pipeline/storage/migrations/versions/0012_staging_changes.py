"""A counter of the changes to the tables a day's journal is built from, bumped in the same
transaction as each change (`storage.writing`), so that telling whether anything changed
reads one row instead of aggregating whole tables.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    changes = op.create_table(
        "staging_changes",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(changes, [{"name": "journal_inputs", "version": 0}])


def downgrade() -> None:
    op.drop_table("staging_changes")
