"""Guest profiles: search terms, preferences, staff notes, special dates, consents, the profile's
change log and birthday bonuses."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.models.columns import (
    MemberRef,
    PrimaryKey,
    Str16,
    Str32,
    Str40,
    Str100,
    Str200,
    Str2000,
)


class MemberSearchTerm(Base):
    """A word a member is found by: a name word, lower case, without accents. A prefix
    search is a range on the index, the same on SQLite and PostgreSQL."""

    __tablename__ = "member_search_terms"
    __table_args__ = (
        UniqueConstraint("member_id", "term"),
        Index(None, "term", "member_id"),
    )

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    term: Mapped[Str100]


class Preference(Base):
    """One value a guest holds in a catalog category, with who said so."""

    __tablename__ = "preferences"
    __table_args__ = (UniqueConstraint("member_id", "category", "value"),)

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    category: Mapped[Str40]
    value: Mapped[Str200]
    source: Mapped[Str16]  # GUEST, STAFF, INFERRED
    property_code: Mapped[Str16 | None]
    actor: Mapped[Str100 | None]
    # Inferred only: the share of the stays considered that chose this value, in percent.
    confidence: Mapped[int | None]
    sensitive: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[dt.datetime]


class StaffNote(Base):
    """Free text from staff at a property; visible to the brand's staff, never to partners."""

    __tablename__ = "staff_notes"
    __table_args__ = (Index(None, "member_id", "id"),)

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    property_code: Mapped[Str16]
    author: Mapped[Str100]
    text: Mapped[Str2000]
    created_at: Mapped[dt.datetime]


class SpecialDate(Base):
    """A birthday or anniversary; month and day are kept apart so a day's birthdays are
    one indexed lookup."""

    __tablename__ = "special_dates"
    __table_args__ = (
        UniqueConstraint("member_id", "kind"),
        Index(None, "kind", "month", "day"),
    )

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    kind: Mapped[Str16]  # BIRTHDAY, ANNIVERSARY
    happened_on: Mapped[dt.date]
    month: Mapped[int]
    day: Mapped[int]
    greet: Mapped[bool] = mapped_column(default=True)
    # The member's local date when it was recorded: no bonus for a birthday before it.
    recorded_on: Mapped[dt.date]
    updated_at: Mapped[dt.datetime]


class ConsentRecord(Base):
    """A consent given or withdrawn; the newest per purpose is in force. Never updated."""

    __tablename__ = "consent_records"
    __table_args__ = (Index(None, "member_id", "purpose", "id"),)

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    purpose: Mapped[Str32]
    granted: Mapped[bool]
    source: Mapped[Str16]
    property_code: Mapped[Str16 | None]
    actor: Mapped[Str100 | None]
    recorded_at: Mapped[dt.datetime]


class ProfileChange(Base):
    """Who changed what in a guest profile, and when: preferences, special dates, consent.
    Values of sensitive categories are blanked when consent is withdrawn."""

    __tablename__ = "profile_changes"
    __table_args__ = (Index(None, "member_id", "id"),)

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    subject: Mapped[Str16]  # PREFERENCE, SPECIAL_DATE, CONSENT
    category: Mapped[Str40]
    before: Mapped[list[str]] = mapped_column(default=list)
    after: Mapped[list[str]] = mapped_column(default=list)
    source: Mapped[Str16]
    property_code: Mapped[Str16 | None]
    actor: Mapped[Str100 | None]
    sensitive: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[dt.datetime]


class BirthdayBonus(Base):
    """The birthday bonus a member was credited for a year: at most one, by the key."""

    __tablename__ = "birthday_bonuses"
    __table_args__ = (UniqueConstraint("member_id", "year"),)

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    year: Mapped[int]
    birthday: Mapped[dt.date]
    points: Mapped[int]
    credited_at: Mapped[dt.datetime]
