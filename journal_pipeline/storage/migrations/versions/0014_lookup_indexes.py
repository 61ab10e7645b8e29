"""Indexes for the look-ups a day's build makes by key: a day's journal lines by entry id
(`sync.posted_lines`: the lines of the day's posted fee entries and cash counts, read in chunks
of ids), outbox rows by source id (whether each order of the day is posted, and on which day)
and by type and status (every posted payout), a day's daily-summary members, the orders
fetched since a sensor's last look. Without them
each chunk scanned the day's every journal line, and the outbox of every day kept: a busy
day's rebuild read millions of rows, and grew with the history kept. The (built_for,
entry_id) index serves every look-up by built_for alone too, and replaces it.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_journal_lines_built_for_entry", "journal_lines", ["built_for", "entry_id"])
    op.drop_index("ix_journal_lines_built_for", table_name="journal_lines")
    op.create_index("ix_outbox_source_id", "outbox", ["source_id"])
    op.create_index("ix_outbox_type_status", "outbox", ["doc_type", "status"])
    op.create_index("ix_summary_members_date", "summary_members", ["business_date"])
    op.create_index("ix_iseller_orders_fetched_at", "iseller_orders", ["fetched_at"])


def downgrade() -> None:
    op.drop_index("ix_iseller_orders_fetched_at", table_name="iseller_orders")
    op.drop_index("ix_summary_members_date", table_name="summary_members")
    op.drop_index("ix_outbox_type_status", table_name="outbox")
    op.drop_index("ix_outbox_source_id", table_name="outbox")
    op.create_index("ix_journal_lines_built_for", "journal_lines", ["built_for"])
    op.drop_index("ix_journal_lines_built_for_entry", table_name="journal_lines")
