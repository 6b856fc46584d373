"""Program insight: what-if simulations and the members they would move

Revision ID: 0010_insight
Revises: 0009_operations
Create Date: 2026-12-01 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import staytier.store.types

revision: str = "0010_insight"
down_revision: str | None = "0009_operations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "program_simulations",
        sa.Column("id", ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("candidate", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("members_done", sa.Integer(), nullable=False),
        sa.Column("members_total", sa.Integer(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("created_at", staytier.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", staytier.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_simulations")),
    )
    op.create_table(
        "simulated_moves",
        sa.Column("id", ID, nullable=False),
        sa.Column("simulation_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("actual_tier", sa.String(length=32), nullable=False),
        sa.Column("actual_rank", sa.Integer(), nullable=False),
        sa.Column("simulated_tier", sa.String(length=32), nullable=False),
        sa.Column("simulated_rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_simulated_moves_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["simulation_id"],
            ["program_simulations.id"],
            name=op.f("fk_simulated_moves_simulation_id_program_simulations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulated_moves")),
    )
    with op.batch_alter_table("simulated_moves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_simulated_moves_simulation_id_id"), ["simulation_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("simulated_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_simulated_moves_simulation_id_id"))
    op.drop_table("simulated_moves")
    op.drop_table("program_simulations")
