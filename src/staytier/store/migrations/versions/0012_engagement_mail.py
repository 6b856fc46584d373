"""Certificates given as a sweepstakes prize or a complaint's goodwill: their source and
own key; the recovery benefit on a complaint

Revision ID: 0012_engagement_mail
Revises: 0011_engagement
Create Date: 2026-12-01 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_engagement_mail"
down_revision: str | None = "0011_engagement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.alter_column("milestone_nights", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), server_default="MILESTONE", nullable=False)
        )
        batch_op.add_column(sa.Column("source_key", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column("allowance_points", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_unique_constraint(batch_op.f("uq_certificates_source_key"), ["source_key"])
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("goodwill_benefit", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("goodwill_certificate_id", ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_complaints_goodwill_certificate_id_certificates"),
            "certificates",
            ["goodwill_certificate_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_complaints_goodwill_certificate_id_certificates"), type_="foreignkey"
        )
        batch_op.drop_column("goodwill_certificate_id")
        batch_op.drop_column("goodwill_benefit")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_certificates_source_key"), type_="unique")
        batch_op.drop_column("allowance_points")
        batch_op.drop_column("source_key")
        batch_op.drop_column("source")
        batch_op.alter_column("milestone_nights", existing_type=sa.Integer(), nullable=False)
