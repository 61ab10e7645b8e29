"""What a step remembers between runs to skip work that would change nothing: the inputs a
day's journal was last built from, how far a day's orders were fetched, when the product
catalogue was last read and listed (`StagingStore.mark`).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_marks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(32), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_marks")
