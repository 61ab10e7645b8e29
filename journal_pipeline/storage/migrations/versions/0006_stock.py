"""iSeller's stock documents (transfers, stock takes) and the daily stock comparison.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "iseller_stock_documents",
        sa.Column("document_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("number", sa.String(64)),
        sa.Column("status", sa.String(32)),
        sa.Column("outlet_code", sa.String(32)),
        sa.Column("business_date", sa.Date),
        sa.Column("modified_at", sa.DateTime(timezone=True)),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_iseller_stock_documents_date", "iseller_stock_documents", ["business_date"])
    op.create_table(
        "stock_comparison",
        sa.Column("business_date", sa.Date, primary_key=True),
        sa.Column("warehouse", sa.String(128), primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("outlet_code", sa.String(32)),
        sa.Column("product_name", sa.String(256)),
        sa.Column("iseller_quantity", sa.Numeric(18, 4)),
        sa.Column("in_transit", sa.Numeric(18, 4)),
        sa.Column("jurnal_quantity", sa.Numeric(18, 4)),
        sa.Column("difference", sa.Numeric(18, 4)),
        sa.Column("compared_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stock_comparison")
    op.drop_index("ix_iseller_stock_documents_date", table_name="iseller_stock_documents")
    op.drop_table("iseller_stock_documents")
