"""Journal lines remember the business day whose build wrote them, so a correction dated the
first open day (its own day locked) is replaced by the build that made it.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("journal_lines") as batch:
        batch.add_column(sa.Column("built_for", sa.Date))
    op.create_index("ix_journal_lines_built_for", "journal_lines", ["built_for"])


def downgrade() -> None:
    op.drop_index("ix_journal_lines_built_for", table_name="journal_lines")
    with op.batch_alter_table("journal_lines") as batch:
        batch.drop_column("built_for")
