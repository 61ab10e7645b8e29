"""iSeller register shifts, staged for cash over/short and the shift-close sensor.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "iseller_register_shifts",
        sa.Column("register_shift_id", sa.String(64), primary_key=True),
        sa.Column("outlet_code", sa.String(32)),
        sa.Column("business_date", sa.Date),
        sa.Column("open_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_iseller_register_shifts_date", "iseller_register_shifts", ["business_date"])


def downgrade() -> None:
    op.drop_index("ix_iseller_register_shifts_date", table_name="iseller_register_shifts")
    op.drop_table("iseller_register_shifts")
