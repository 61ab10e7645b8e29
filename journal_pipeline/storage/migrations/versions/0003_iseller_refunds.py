"""iSeller's refunded_orders[] entries (what each refund gave back), staged beside the orders.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "iseller_refunds",
        sa.Column("refund_key", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("refund_at", sa.DateTime(timezone=True)),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_iseller_refunds_order_id", "iseller_refunds", ["order_id"])
    op.create_index("ix_iseller_refunds_refund_at", "iseller_refunds", ["refund_at"])


def downgrade() -> None:
    op.drop_index("ix_iseller_refunds_refund_at", "iseller_refunds")
    op.drop_index("ix_iseller_refunds_order_id", "iseller_refunds")
    op.drop_table("iseller_refunds")
