"""Points between members: pools, their memberships and contributions, transfers, and account
merges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.models.columns import (
    LedgerEntryRef,
    MemberRef,
    PointsPoolRef,
    PrimaryKey,
    Str16,
    Str100,
    Str300,
)


class PointsPool(Base):
    """A household pool: its members' contributions move to the owner, who redeems them.
    Closed (``closed_at``) when the owner leaves it."""

    __tablename__ = "points_pools"

    id: Mapped[PrimaryKey]
    owner_member_id: Mapped[MemberRef] = mapped_column(index=True)
    name: Mapped[Str100]
    created_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]


class PoolMembership(Base):
    """A member's place in a pool: INVITED by the owner, ACTIVE once they join (the owner
    from the start), LEFT when they leave or the pool closes."""

    __tablename__ = "pool_memberships"
    __table_args__ = (
        Index(None, "member_id", "state"),
        Index(None, "pool_id", "state"),
        Index(None, "member_id", "joined_year"),
    )

    id: Mapped[PrimaryKey]
    pool_id: Mapped[PointsPoolRef]
    member_id: Mapped[MemberRef]
    state: Mapped[Str16]
    invited_at: Mapped[dt.datetime]
    joined_on: Mapped[dt.date | None]
    # The qualification year of the join, which counts against the program's joins a year.
    joined_year: Mapped[int | None]
    left_at: Mapped[dt.datetime | None]


class PointsMoved:
    """The columns of points moved from one member to another as a pair of ledger entries
    (``move_points``): how many, the qualification year they count in, the debit on the
    giver, the credit on the taker, and when. A mixin's columns follow the table's own."""

    points: Mapped[int]
    year: Mapped[int]
    out_entry_id: Mapped[LedgerEntryRef]
    in_entry_id: Mapped[LedgerEntryRef]
    created_at: Mapped[dt.datetime]


class PoolContribution(PointsMoved, Base):
    """Points a member put into a pool: a POOL_OUT entry on the contributor, a POOL_IN on
    the owner."""

    __tablename__ = "pool_contributions"
    __table_args__ = (Index(None, "pool_id", "year"),)

    id: Mapped[PrimaryKey]
    pool_id: Mapped[PointsPoolRef]
    member_id: Mapped[MemberRef] = mapped_column(index=True)
    owner_member_id: Mapped[MemberRef] = mapped_column(index=True)


class PointsTransfer(PointsMoved, Base):
    """Points one member gave another: POINTS_SENT on the sender, POINTS_RECEIVED on the
    recipient, counted against both members' yearly limits."""

    __tablename__ = "points_transfers"
    __table_args__ = (
        Index(None, "sender_member_id", "year"),
        Index(None, "recipient_member_id", "year"),
    )

    id: Mapped[PrimaryKey]
    sender_member_id: Mapped[MemberRef]
    recipient_member_id: Mapped[MemberRef]


class MemberMerge(Base):
    """A duplicate account merged into a surviving one, by whom, and the report of what
    moved. One per duplicate: a merged member cannot be merged again."""

    __tablename__ = "member_merges"

    id: Mapped[PrimaryKey]
    survivor_member_id: Mapped[MemberRef] = mapped_column(index=True)
    duplicate_member_id: Mapped[MemberRef] = mapped_column(unique=True)
    reason: Mapped[Str300]
    merged_by: Mapped[Str100]
    report: Mapped[dict[str, Any]]
    merged_at: Mapped[dt.datetime]
