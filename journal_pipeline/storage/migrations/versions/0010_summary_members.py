"""Daily-summary mode: which summary invoice carries each order, so a later payment, refund or
correction of the order goes against that invoice, and the order counts as posted.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "summary_members",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("summary_key", sa.String(160), nullable=False),
        sa.Column("invoice_no", sa.String(128), nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("outlet_code", sa.String(32), nullable=False),
        sa.Column("order_invoice_no", sa.String(128), nullable=False),
        # per line of the order's own invoice: [k, i], line i of the k-th summary invoice
        sa.Column("line_map", sa.Text),
    )
    op.create_index("ix_summary_members_key", "summary_members", ["summary_key"])
    op.create_index("ix_summary_members_order_no", "summary_members", ["order_invoice_no"])


def downgrade() -> None:
    op.drop_index("ix_summary_members_order_no", table_name="summary_members")
    op.drop_index("ix_summary_members_key", table_name="summary_members")
    op.drop_table("summary_members")
