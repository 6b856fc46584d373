"""Stay ownership: who first recorded each stay, and the booking partner whose booking it is

Revision ID: 0006_stay_ownership
Revises: 0005_privileges
Create Date: 2026-12-01 02:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_stay_ownership"
down_revision: str | None = "0005_privileges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Stays recorded before this revision keep an empty creator and no booking partner:
    # they belong to their property, which is the safe reading (no partner may touch them).
    with op.batch_alter_table("stays", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("created_by", sa.String(length=80), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("booking_partner", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stays", schema=None) as batch_op:
        batch_op.drop_column("booking_partner")
        batch_op.drop_column("created_by")
