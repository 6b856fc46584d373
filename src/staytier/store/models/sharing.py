"""Points between members: pools, their memberships and contributions, transfers, and account
merges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.types import Id, UTCDateTime


class PointsPool(Base):
    """A household pool: its members' contributions move to the owner, who redeems them.
    Closed (``closed_at``) when the owner leaves it."""

    __tablename__ = "points_pools"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    owner_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PoolMembership(Base):
    """A member's place in a pool: INVITED by the owner, ACTIVE once they join (the owner
    from the start), LEFT when they leave or the pool closes."""

    __tablename__ = "pool_memberships"
    __table_args__ = (
        Index(None, "member_id", "state"),
        Index(None, "pool_id", "state"),
        Index(None, "member_id", "joined_year"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("points_pools.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    state: Mapped[str] = mapped_column(String(16))
    invited_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    # The qualification year of the join, which counts against the program's joins a year.
    joined_year: Mapped[int | None] = mapped_column(Integer)
    left_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PoolContribution(Base):
    """Points a member put into a pool: a POOL_OUT entry on the contributor, a POOL_IN on
    the owner."""

    __tablename__ = "pool_contributions"
    __table_args__ = (Index(None, "pool_id", "year"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("points_pools.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    owner_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    out_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    in_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PointsTransfer(Base):
    """Points one member gave another: POINTS_SENT on the sender, POINTS_RECEIVED on the
    recipient, counted against both members' yearly limits."""

    __tablename__ = "points_transfers"
    __table_args__ = (
        Index(None, "sender_member_id", "year"),
        Index(None, "recipient_member_id", "year"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sender_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    recipient_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    points: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    out_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    in_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class MemberMerge(Base):
    """A duplicate account merged into a surviving one, by whom, and the report of what
    moved. One per duplicate: a merged member cannot be merged again."""

    __tablename__ = "member_merges"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    survivor_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    duplicate_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(300))
    merged_by: Mapped[str] = mapped_column(String(100))
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    merged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
