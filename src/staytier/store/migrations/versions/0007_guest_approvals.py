"""Guest approvals of spending by staff; the member a partner webhook credited

Revision ID: 0007_guest_approvals
Revises: 0006_stay_ownership
Create Date: 2026-12-01 02:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import staytier.store.types

revision: str = "0007_guest_approvals"
down_revision: str | None = "0006_stay_ownership"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "guest_approvals",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("property_code", sa.String(length=16), nullable=True),
        sa.Column("recipient", sa.String(length=80), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", staytier.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", staytier.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", staytier.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_guest_approvals_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_approvals")),
    )
    with op.batch_alter_table("guest_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guest_approvals_member_id_code_hash"),
            ["member_id", "code_hash"],
            unique=False,
        )

    with op.batch_alter_table("partner_webhooks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_id", ID, nullable=True))
        batch_op.create_index(
            batch_op.f("ix_partner_webhooks_member_id"), ["member_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_webhooks_member_id_members"), "members", ["member_id"], ["id"]
        )
    _link_receipts_to_members()


def _link_receipts_to_members() -> None:
    """Receipts kept before this revision name their member only inside ``result``; link
    them by that number, in batches, so exports and erasure find them too."""
    bind = op.get_bind()
    webhooks = sa.table(
        "partner_webhooks",
        sa.column("id", ID),
        sa.column("result", sa.JSON()),
        sa.column("member_id", ID),
    )
    members = sa.table("members", sa.column("id", ID), sa.column("member_number", sa.String()))
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(webhooks.c.id, webhooks.c.result)
            .where(webhooks.c.id > last_id)
            .order_by(webhooks.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last_id = rows[-1].id
        numbers = {row.id: (row.result or {}).get("member_number") for row in rows}
        wanted = {number for number in numbers.values() if isinstance(number, str)}
        if not wanted:
            continue
        ids = dict(
            bind.execute(
                sa.select(members.c.member_number, members.c.id).where(
                    members.c.member_number.in_(wanted)
                )
            ).all()
        )
        for webhook_id, number in numbers.items():
            if number in ids:
                bind.execute(
                    sa.update(webhooks)
                    .where(webhooks.c.id == webhook_id)
                    .values(member_id=ids[number])
                )


def downgrade() -> None:
    with op.batch_alter_table("partner_webhooks", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_partner_webhooks_member_id_members"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_partner_webhooks_member_id"))
        batch_op.drop_column("member_id")

    with op.batch_alter_table("guest_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guest_approvals_member_id_code_hash"))

    op.drop_table("guest_approvals")
