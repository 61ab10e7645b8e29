"""Bank statement lines and the cash/bank reconciliation.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_statement_lines",
        sa.Column("line_key", sa.String(64), primary_key=True),
        sa.Column("account", sa.String(255), nullable=False),
        sa.Column("line_date", sa.Date, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("reference", sa.String(255)),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("direction", sa.String(2), nullable=False),
        sa.Column("balance", sa.Numeric(18, 2)),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("line_no", sa.Integer),
        sa.Column("staged_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_bank_statement_lines_date", "bank_statement_lines", ["line_date"])
    op.create_table(
        "cash_bank_reconciliation",
        sa.Column("business_date", sa.Date, primary_key=True),
        sa.Column("row_key", sa.String(160), primary_key=True),
        sa.Column("row_kind", sa.String(16), nullable=False),
        sa.Column("outlet_code", sa.String(32)),
        sa.Column("payment_method", sa.String(128)),
        sa.Column("bank_account", sa.String(255)),
        sa.Column("takings", sa.BigInteger),
        sa.Column("refunds", sa.BigInteger),
        sa.Column("mdr", sa.BigInteger),
        sa.Column("expected", sa.BigInteger),
        sa.Column("expected_date", sa.Date),
        sa.Column("received", sa.Numeric(18, 2)),
        sa.Column("received_date", sa.Date),
        sa.Column("variance", sa.Numeric(18, 2)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("age_days", sa.Integer),
        sa.Column("line_key", sa.String(64)),
        sa.Column("reference", sa.String(255)),
        sa.Column("explanation", sa.Text),
        sa.Column("reconciled_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cash_bank_reconciliation")
    op.drop_index("ix_bank_statement_lines_date", table_name="bank_statement_lines")
    op.drop_table("bank_statement_lines")
