"""Staging tables: raw iSeller orders and their refunds, iSeller's day totals, the canonical
journal, the outbox and its log, iSeller's stock documents and the stock comparison.

SQLAlchemy Core, portable between SQLite (development) and PostgreSQL (production). The schema
is created and changed only by the Alembic migrations in ``migrations/versions``; a test checks
that the migrated schema equals these definitions.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)

metadata = MetaData()

# One row per iSeller order, newest version wins; raw JSON kept so nothing is lost.
iseller_orders = Table(
    "iseller_orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("order_reference", String(64), nullable=False),
    Column("outlet_code", String(32)),
    Column("status", String(32)),
    Column("closed_at", DateTime(timezone=True)),  # UTC
    Column("modified_at", DateTime(timezone=True)),  # UTC
    Column("raw", Text, nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    # the order as its invoice was posted, kept when iSeller changes it afterwards
    Column("posted_raw", Text),
    Index("ix_iseller_orders_closed_at", "closed_at"),
    Index("ix_iseller_orders_modified_at", "modified_at"),
    Index("ix_iseller_orders_fetched_at", "fetched_at"),  # what came since (0014)
)

# One row per ``refunded_orders[]`` entry (what a refund gave back, I-33), raw JSON kept. Keyed by
# its ``refund_id``, else by a digest of the entry (a service may send none).
iseller_refunds = Table(
    "iseller_refunds",
    metadata,
    Column("refund_key", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False),
    Column("refund_at", DateTime(timezone=True)),  # UTC
    Column("raw", Text, nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    Index("ix_iseller_refunds_order_id", "order_id"),
    Index("ix_iseller_refunds_refund_at", "refund_at"),
)

# iSeller's own totals of a business day per outlet (GetOrderSummary, GetTransactionSummary),
# as fetched for the completeness check; replaced as a whole each time the day is fetched.
# ``items`` is the raw JSON list; ``status`` is ok or unavailable (``reason`` says why). A
# GetStoreInfo row (outlet ``*``) records that the outlets could not be listed.
iseller_day_totals = Table(
    "iseller_day_totals",
    metadata,
    Column("business_date", Date, primary_key=True),
    Column("outlet_code", String(32), primary_key=True),
    Column("endpoint", String(40), primary_key=True),
    Column("outlet_id", String(64)),
    Column("window_start", DateTime(timezone=True)),  # UTC, inclusive
    Column("window_end", DateTime(timezone=True)),  # UTC, exclusive
    Column("time_zone", Integer),  # whole hours sent as time_zone
    Column("day_open", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("items", Text),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
)

# Canonical journal lines, replaced per business date.
journal_lines = Table(
    "journal_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("business_date", Date, nullable=False),
    Column("entry_id", String(128), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("outlet_code", String(32)),
    Column("source_type", String(32), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("source_reference", String(64)),
    Column("account_role", String(64), nullable=False),
    Column("account_name", String(255)),
    Column("debit", BigInteger, nullable=False),
    Column("credit", BigInteger, nullable=False),
    Column("description", Text),
    Column("is_estimate", Boolean, nullable=False, default=False),
    # the business day whose build wrote the line: a correction of a locked day is dated the
    # first open day but belongs to the build of the day it happened (null: its own date)
    Column("built_for", Date),
    Index("ix_journal_lines_date", "business_date"),
    # a day's lines by entry id (migration 0014); by built_for alone too
    Index("ix_journal_lines_built_for_entry", "built_for", "entry_id"),
)

# Every document we intend to post to Jurnal, keyed deterministically. Status:
# pending → posted, or held (needs a fix, with reason), or failed (Jurnal refused it).
outbox = Table(
    "outbox",
    metadata,
    Column("doc_key", String(160), primary_key=True),
    Column("doc_type", String(40), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("outlet_code", String(32)),
    Column("source_id", String(64), nullable=False),
    Column("source_reference", String(64)),
    Column("transaction_no", String(128)),
    Column("custom_id", String(128)),
    Column("payload", Text),
    Column("payload_hash", String(64)),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("expected_total", BigInteger),
    Column("posted_total", BigInteger),
    # Jurnal's tax of a posted sales invoice, in cents (migration 0013; null: not known)
    Column("posted_tax_cents", BigInteger),
    Column("jurnal_id", BigInteger),
    Column("attempts", Integer, nullable=False, default=0),
    Column("changed_after_posting", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("posted_at", DateTime(timezone=True)),
    Index("ix_outbox_date_status", "business_date", "status"),
    Index("ix_outbox_transaction_no", "transaction_no"),
    Index("ix_outbox_source_id", "source_id"),  # is this order posted, and when (0014)
    Index("ix_outbox_type_status", "doc_type", "status"),  # every posted payout, … (0014)
)

# Daily-summary mode: the summary invoice that carries each order (migration 0010). A later
# payment, refund or correction of the order goes against that invoice instead of its own.
summary_members = Table(
    "summary_members",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("summary_key", String(160), nullable=False),
    Column("invoice_no", String(128), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("outlet_code", String(32), nullable=False),
    Column("order_invoice_no", String(128), nullable=False),  # the invoice it would have had
    Column("line_map", Text),  # per line of that invoice: [k, i], line i of summary invoice k
    Index("ix_summary_members_key", "summary_key"),
    Index("ix_summary_members_order_no", "order_invoice_no"),
    Index("ix_summary_members_date", "business_date"),  # a day's members (0014)
)

# Append-only log of every attempt and every state change (what the failed-records sensor reads).
outbox_log = Table(
    "outbox_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("doc_key", String(160), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(32), nullable=False),  # enqueued, held, posted, duplicate, failed, retry
    Column("message", Text),
    Column("run_id", String(64)),
    Index("ix_outbox_log_doc", "doc_key"),
)

# One row per booked revision of an order (docs/posting-model.md, "Corrections after posting").
# Revision 0 is the sale as first posted (``raw``: the order as it was then); revision n >= 1 is
# the order posted again on ``business_date`` under its own keys. ``reversed_on`` is the day the
# revision was reversed and ``reversal`` the reversal decided then (canonical lines and Jurnal
# documents, JSON), kept so that building that day again gives the same reversal.
order_revisions = Table(
    "order_revisions",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("revision", Integer, primary_key=True, autoincrement=False),
    Column("business_date", Date, nullable=False),
    Column("outlet_code", String(32)),
    Column("order_reference", String(64)),
    Column("raw", Text),
    Column("reversed_on", Date),
    Column("reversal", Text),
    Column("reason", Text),
    Column("command", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_order_revisions_date", "business_date"),
    Index("ix_order_revisions_reversed_on", "reversed_on"),
)

# Outlet-days rolled back (``state`` rolled_back) and not posted again yet: their new
# documents are held until `journal-pipeline repost` (then ``state`` reposted).
outlet_day_marks = Table(
    "outlet_day_marks",
    metadata,
    Column("business_date", Date, primary_key=True),
    Column("outlet_code", String(32), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("command", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)

# iSeller's stock documents (GetTransfer items, InventoryAdjustments items), newest version wins,
# raw JSON kept. ``kind`` is ``transfer`` or ``adjustment``; ``business_date`` is the day the
# document is booked on (a transfer's receipt at its destination, a stock take's count), None
# while it is not final (pending, in transfer, counting) or when it is never booked (cancelled).
iseller_stock_documents = Table(
    "iseller_stock_documents",
    metadata,
    Column("document_id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("number", String(64)),
    Column("status", String(32)),
    Column("outlet_code", String(32)),  # the outlet whose warehouse receives (or counts)
    Column("business_date", Date),
    Column("modified_at", DateTime(timezone=True)),  # UTC
    Column("raw", Text, nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    Index("ix_iseller_stock_documents_date", "business_date"),
)

# The stock comparison of a business day: iSeller's stock at the day's end against Jurnal's
# warehouse stock on that date, per warehouse and SKU; replaced as a whole each time.
stock_comparison = Table(
    "stock_comparison",
    metadata,
    Column("business_date", Date, primary_key=True),
    Column("warehouse", String(128), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("outlet_code", String(32)),
    Column("product_name", String(256)),
    Column("iseller_quantity", Numeric(18, 4)),
    Column("in_transit", Numeric(18, 4)),  # sent from this outlet, not yet received
    Column("jurnal_quantity", Numeric(18, 4)),
    Column("difference", Numeric(18, 4)),  # Jurnal less (iSeller + in transit)
    Column("compared_at", DateTime(timezone=True), nullable=False),
)

# iSeller register shifts (GetRegisterShifts), newest version wins, raw JSON kept: the counted
# cash of a closed shift books cash over/short; ``business_date`` is the outlet's business day
# of its opening, None until the outlet is known.
iseller_register_shifts = Table(
    "iseller_register_shifts",
    metadata,
    Column("register_shift_id", String(64), primary_key=True),
    Column("outlet_code", String(32)),
    Column("business_date", Date),
    Column("open_at", DateTime(timezone=True)),  # UTC
    Column("closed_at", DateTime(timezone=True)),  # UTC; None while open
    Column("raw", Text, nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    Index("ix_iseller_register_shifts_date", "business_date"),
)

# Bank statement lines (CSV files dropped in the statement folder, `bank/statements.py`), one
# row per line, keyed by a digest of (account, date, reference, amount, direction, its order
# among equal lines of its file): a file read twice stages nothing twice.
bank_statement_lines = Table(
    "bank_statement_lines",
    metadata,
    Column("line_key", String(64), primary_key=True),
    Column("account", String(255), nullable=False),
    Column("line_date", Date, nullable=False),
    Column("description", Text),
    Column("reference", String(255)),
    Column("amount", Numeric(18, 2), nullable=False),
    Column("direction", String(2), nullable=False),  # CR money in, DB money out
    Column("balance", Numeric(18, 2)),
    Column("source", String(255), nullable=False),  # the file name
    Column("line_no", Integer),
    Column("staged_at", DateTime(timezone=True), nullable=False),
    Index("ix_bank_statement_lines_date", "line_date"),
)

# The cash/bank reconciliation of a business day: per outlet and payment method what the tills
# took, what should reach the bank and when, what did, and the status; plus the statement
# lines no row claimed (``row_kind`` unmatched_line). Replaced as a whole per day.
cash_bank_reconciliation = Table(
    "cash_bank_reconciliation",
    metadata,
    Column("business_date", Date, primary_key=True),
    Column("row_key", String(160), primary_key=True),
    Column("row_kind", String(16), nullable=False),  # settlement / not_settled / unmatched_line
    Column("outlet_code", String(32)),
    Column("payment_method", String(128)),
    Column("bank_account", String(255)),
    Column("takings", BigInteger),
    Column("refunds", BigInteger),
    Column("mdr", BigInteger),
    Column("expected", BigInteger),
    Column("expected_date", Date),
    Column("received", Numeric(18, 2)),
    Column("received_date", Date),
    Column("variance", Numeric(18, 2)),
    Column("status", String(16), nullable=False),
    Column("age_days", Integer),
    Column("line_key", String(64)),
    Column("reference", String(255)),
    Column("explanation", Text),
    Column("reconciled_at", DateTime(timezone=True), nullable=False),
)

# What a step remembers between runs to skip work that would change nothing (migration 0011):
# ``name`` is whose mark it is (a step), ``scope`` the business date (ISO) or ``*``, ``value``
# JSON. A mark is written only after the work it describes is committed.
sync_marks = Table(
    "sync_marks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("scope", String(32), primary_key=True),
    Column("value", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# How often the tables a day's journal is built from have changed (migration 0012): one row,
# ``journal_inputs``, bumped by every write transaction that changed one of them
# (`storage.writing`); `StagingStore.journal_inputs_version` reads it.
staging_changes = Table(
    "staging_changes",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("version", BigInteger, nullable=False),
)
