"""Staging tables: raw iSeller orders, journal lines, the outbox and its log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "iseller_orders",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("order_reference", sa.String(64), nullable=False),
        sa.Column("outlet_code", sa.String(32)),
        sa.Column("status", sa.String(32)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("modified_at", sa.DateTime(timezone=True)),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_iseller_orders_closed_at", "iseller_orders", ["closed_at"])
    op.create_index("ix_iseller_orders_modified_at", "iseller_orders", ["modified_at"])
    op.create_table(
        "journal_lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("entry_id", sa.String(128), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("outlet_code", sa.String(32)),
        sa.Column("source_type", sa.String(32), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("source_reference", sa.String(64)),
        sa.Column("account_role", sa.String(64), nullable=False),
        sa.Column("account_name", sa.String(255)),
        sa.Column("debit", sa.BigInteger, nullable=False),
        sa.Column("credit", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("is_estimate", sa.Boolean, nullable=False),
    )
    op.create_index("ix_journal_lines_date", "journal_lines", ["business_date"])
    op.create_table(
        "outbox",
        sa.Column("doc_key", sa.String(160), primary_key=True),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("outlet_code", sa.String(32)),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("source_reference", sa.String(64)),
        sa.Column("transaction_no", sa.String(128)),
        sa.Column("custom_id", sa.String(128)),
        sa.Column("payload", sa.Text),
        sa.Column("payload_hash", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("expected_total", sa.BigInteger),
        sa.Column("posted_total", sa.BigInteger),
        sa.Column("jurnal_id", sa.BigInteger),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("changed_after_posting", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_outbox_date_status", "outbox", ["business_date", "status"])
    op.create_index("ix_outbox_transaction_no", "outbox", ["transaction_no"])
    op.create_table(
        "outbox_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("doc_key", sa.String(160), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("run_id", sa.String(64)),
    )
    op.create_index("ix_outbox_log_doc", "outbox_log", ["doc_key"])


def downgrade() -> None:
    for table in ("outbox_log", "outbox", "journal_lines", "iseller_orders"):
        op.drop_table(table)
