"""Corrections after posting: the order as its invoice was posted, each order's revisions, and
the outlet-days that were rolled back.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("iseller_orders", sa.Column("posted_raw", sa.Text))
    op.create_table(
        "order_revisions",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("outlet_code", sa.String(32)),
        sa.Column("order_reference", sa.String(64)),
        sa.Column("raw", sa.Text),
        sa.Column("reversed_on", sa.Date),
        sa.Column("reversal", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("command", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_order_revisions_date", "order_revisions", ["business_date"])
    op.create_index("ix_order_revisions_reversed_on", "order_revisions", ["reversed_on"])
    op.create_table(
        "outlet_day_marks",
        sa.Column("business_date", sa.Date, primary_key=True),
        sa.Column("outlet_code", sa.String(32), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("command", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("outlet_day_marks")
    op.drop_index("ix_order_revisions_reversed_on", "order_revisions")
    op.drop_index("ix_order_revisions_date", "order_revisions")
    op.drop_table("order_revisions")
    op.drop_column("iseller_orders", "posted_raw")
