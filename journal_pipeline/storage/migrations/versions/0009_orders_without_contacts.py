"""Staged orders keep no customer phone number or e-mail (core/personal_data.py).

Revision ID: 0009
Revises: 0008
"""

import json

import sqlalchemy as sa
from alembic import op

from journal_pipeline.core.personal_data import without_contacts

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    orders = sa.table(
        "iseller_orders",
        sa.column("order_id", sa.String),
        sa.column("raw", sa.Text),
        sa.column("posted_raw", sa.Text),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(orders.c.order_id, orders.c.raw, orders.c.posted_raw)).all()
    for row in rows:
        values = {
            column: _stripped(text)
            for column, text in (("raw", row.raw), ("posted_raw", row.posted_raw))
            if text is not None and _stripped(text) != text
        }
        if values:
            conn.execute(
                sa.update(orders).where(orders.c.order_id == row.order_id).values(**values)
            )


def _stripped(text: str) -> str:
    try:
        order = json.loads(text)
    except ValueError:
        return text
    if not isinstance(order, dict):
        return text
    return json.dumps(without_contacts(order), sort_keys=True, ensure_ascii=False)


def downgrade() -> None:
    pass  # what was removed is not kept anywhere to put back
