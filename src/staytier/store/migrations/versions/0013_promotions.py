"""Promotions and referrals: registrations, awards, budgets, referral codes and referrals

Revision ID: 0013_promotions
Revises: 0011_engagement
Create Date: 2026-12-01 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import staytier.store.types

revision: str = "0013_promotions"
down_revision: str | None = "0012_engagement_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = staytier.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "promotion_registrations",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("promotion_code", sa.String(length=40), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("registered_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_promotion_registrations_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_registrations")),
        sa.UniqueConstraint(
            "member_id",
            "promotion_code",
            name=op.f("uq_promotion_registrations_member_id_promotion_code"),
        ),
    )
    op.create_table(
        "promotion_awards",
        sa.Column("id", ID, nullable=False),
        sa.Column("promotion_code", sa.String(length=40), nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("credit_id", ID, nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("triggers", sa.Integer(), nullable=False),
        sa.Column("rewards", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("extra_nights", sa.Integer(), nullable=False),
        sa.Column("certificates", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_id"], ["credits.id"], name=op.f("fk_promotion_awards_credit_id_credits")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_promotion_awards_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_awards")),
    )
    with op.batch_alter_table("promotion_awards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_promotion_awards_credit_id"), ["credit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_promotion_awards_promotion_code_member_id"),
            ["promotion_code", "member_id"],
            unique=False,
        )
    op.create_table(
        "promotion_budgets",
        sa.Column("promotion_code", sa.String(length=40), nullable=False),
        sa.Column("spent_points", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("promotion_code", name=op.f("pk_promotion_budgets")),
    )
    op.create_table(
        "referral_codes",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_referral_codes_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_referral_codes_code")),
        sa.UniqueConstraint("member_id", name=op.f("uq_referral_codes_member_id")),
    )
    op.create_table(
        "referrals",
        sa.Column("id", ID, nullable=False),
        sa.Column("referrer_id", ID, nullable=False),
        sa.Column("friend_id", ID, nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("window_ends_on", sa.Date(), nullable=False),
        sa.Column("friend_credit_id", ID, nullable=True),
        sa.Column("referrer_credit_id", ID, nullable=True),
        sa.Column("rewarded_year", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["friend_credit_id"], ["credits.id"], name=op.f("fk_referrals_friend_credit_id_credits")
        ),
        sa.ForeignKeyConstraint(
            ["friend_id"], ["members.id"], name=op.f("fk_referrals_friend_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["referrer_credit_id"],
            ["credits.id"],
            name=op.f("fk_referrals_referrer_credit_id_credits"),
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"], ["members.id"], name=op.f("fk_referrals_referrer_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("friend_id", name=op.f("uq_referrals_friend_id")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_referrer_id"), ["referrer_id"], unique=False)
    # Members enrolled before referrals get their code here (12 hex digits, random).
    random_code = (
        "upper(substr(md5(random()::text || id::text), 1, 12))"
        if op.get_bind().dialect.name == "postgresql"
        else "upper(hex(randomblob(6)))"
    )
    op.execute(
        f"INSERT INTO referral_codes (member_id, code) SELECT id, {random_code} FROM members"
    )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_referrer_id"))
    op.drop_table("referrals")
    op.drop_table("referral_codes")
    op.drop_table("promotion_budgets")
    with op.batch_alter_table("promotion_awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_promotion_awards_promotion_code_member_id"))
        batch_op.drop_index(batch_op.f("ix_promotion_awards_credit_id"))
    op.drop_table("promotion_awards")
    op.drop_table("promotion_registrations")
