"""iSeller's day totals per outlet (GetOrderSummary, GetTransactionSummary) for the
completeness check.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "iseller_day_totals",
        sa.Column("business_date", sa.Date, primary_key=True),
        sa.Column("outlet_code", sa.String(32), primary_key=True),
        sa.Column("endpoint", sa.String(40), primary_key=True),
        sa.Column("outlet_id", sa.String(64)),
        sa.Column("window_start", sa.DateTime(timezone=True)),
        sa.Column("window_end", sa.DateTime(timezone=True)),
        sa.Column("time_zone", sa.Integer),
        sa.Column("day_open", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("items", sa.Text),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("iseller_day_totals")
