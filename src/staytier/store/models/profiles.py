"""Guest profiles: search terms, preferences, staff notes, special dates, consents, the profile's
change log and birthday bonuses."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.types import Id, UTCDateTime


class MemberSearchTerm(Base):
    """A word a member is found by: a name word, lower case, without accents. A prefix
    search is a range on the index, the same on SQLite and PostgreSQL."""

    __tablename__ = "member_search_terms"
    __table_args__ = (
        UniqueConstraint("member_id", "term"),
        Index(None, "term", "member_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    term: Mapped[str] = mapped_column(String(100))


class Preference(Base):
    """One value a guest holds in a catalog category, with who said so."""

    __tablename__ = "preferences"
    __table_args__ = (UniqueConstraint("member_id", "category", "value"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    category: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # GUEST, STAFF, INFERRED
    property_code: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(100))
    # Inferred only: the share of the stays considered that chose this value, in percent.
    confidence: Mapped[int | None] = mapped_column(Integer)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StaffNote(Base):
    """Free text from staff at a property; visible to the brand's staff, never to partners."""

    __tablename__ = "staff_notes"
    __table_args__ = (Index(None, "member_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    property_code: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SpecialDate(Base):
    """A birthday or anniversary; month and day are kept apart so a day's birthdays are
    one indexed lookup."""

    __tablename__ = "special_dates"
    __table_args__ = (
        UniqueConstraint("member_id", "kind"),
        Index(None, "kind", "month", "day"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(16))  # BIRTHDAY, ANNIVERSARY
    happened_on: Mapped[dt.date] = mapped_column(Date)
    month: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)
    greet: Mapped[bool] = mapped_column(Boolean, default=True)
    # The member's local date when it was recorded: no bonus for a birthday before it.
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ConsentRecord(Base):
    """A consent given or withdrawn; the newest per purpose is in force. Never updated."""

    __tablename__ = "consent_records"
    __table_args__ = (Index(None, "member_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))
    property_code: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ProfileChange(Base):
    """Who changed what in a guest profile, and when: preferences, special dates, consent.
    Values of sensitive categories are blanked when consent is withdrawn."""

    __tablename__ = "profile_changes"
    __table_args__ = (Index(None, "member_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    subject: Mapped[str] = mapped_column(String(16))  # PREFERENCE, SPECIAL_DATE, CONSENT
    category: Mapped[str] = mapped_column(String(40))
    before: Mapped[list[str]] = mapped_column(JSON, default=list)
    after: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16))
    property_code: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(100))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BirthdayBonus(Base):
    """The birthday bonus a member was credited for a year: at most one, by the key."""

    __tablename__ = "birthday_bonuses"
    __table_args__ = (UniqueConstraint("member_id", "year"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    year: Mapped[int] = mapped_column(Integer)
    birthday: Mapped[dt.date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer)
    credited_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
