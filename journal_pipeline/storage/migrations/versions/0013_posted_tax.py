"""The tax Jurnal computed for each posted sales invoice, in cents, so that a check can compare
it with iSeller's tax of the same sales (`sync.posted_tax`).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("posted_tax_cents", sa.BigInteger))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("posted_tax_cents")
