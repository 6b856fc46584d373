"""The tables. Ledger, credit and status rows are only ever inserted: a mistake is mended by
a new row that reverses it, so every balance and every tier can be traced to its causes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from staytier.store.types import Id, Money, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Property(Base):
    __tablename__ = "properties"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(100))
    time_zone: Mapped[str] = mapped_column(String(64))
    category: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    country: Mapped[str] = mapped_column(String(2), default="")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_number: Mapped[str] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    # The phone's digits, as a search compares them.
    phone_key: Mapped[str | None] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    home_property_code: Mapped[str | None] = mapped_column(String(16))
    enrolled_on: Mapped[dt.date] = mapped_column(Date)
    # Kept equal to the sum of the member's ledger in the same transaction as every entry.
    points_balance: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Set when the member's personal data was erased; the row stays for the ledger.
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set when this member was merged into another (a duplicate account): its number then
    # resolves to that member. No foreign key: SQLite adds one to an existing table only by
    # rebuilding it, and every table refers to this one; ``member_merges`` keeps the keys.
    merged_into_id: Mapped[int | None] = mapped_column(Id, index=True)


class Stay(Base):
    __tablename__ = "stays"
    __table_args__ = (
        UniqueConstraint("property_id", "confirmation_number"),
        Index(None, "member_id", "departure_date"),
        Index(None, "property_id", "arrival_date"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    confirmation_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    arrival_date: Mapped[dt.date] = mapped_column(Date)
    departure_date: Mapped[dt.date] = mapped_column(Date)
    room_type: Mapped[str | None] = mapped_column(String(40))
    floor: Mapped[int | None] = mapped_column(Integer)
    rate_code: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    room_revenue: Mapped[Decimal] = mapped_column(Money)
    food_and_beverage_revenue: Mapped[Decimal] = mapped_column(Money)
    other_revenue: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The client that first recorded the stay: ``client:<key id>``, ``partner:<code>`` (a
    # webhook) or ``system``; empty for stays recorded before creators were kept.
    created_by: Mapped[str] = mapped_column(String(80), server_default="")
    # The booking partner whose booking this is (it may amend and cancel it before
    # arrival); NULL for the property's own stays.
    booking_partner: Mapped[str | None] = mapped_column(String(40))


class StayRevision(Base):
    """Every version of a stay as it was recorded, so a correction never loses the original."""

    __tablename__ = "stay_revisions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    folio: Mapped[dict[str, str]] = mapped_column(JSON)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (Index(None, "member_id", "source", "kind", "qualification_year"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    source: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    amount_usd: Mapped[Decimal] = mapped_column(Money)
    partner_points: Mapped[int] = mapped_column(Integer, default=0)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    qualification_year: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Credit(Base):
    """One posting of qualifying credit and points, or the reversal of one."""

    __tablename__ = "credits"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # STAY, ACTIVITY, ROLLOVER, REVERSAL
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stays.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    reverses_credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"), unique=True)
    credit_date: Mapped[dt.date] = mapped_column(Date)
    program_version: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class QualifyingCredit(Base):
    """Nights, stays and base points a credit adds to (or takes from) one qualification year."""

    __tablename__ = "qualifying_credits"
    __table_args__ = (Index(None, "member_id", "year"), Index(None, "year", "member_id"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    credit_id: Mapped[int] = mapped_column(ForeignKey("credits.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    year: Mapped[int] = mapped_column(Integer)
    nights: Mapped[int] = mapped_column(Integer, default=0)
    stays: Mapped[int] = mapped_column(Integer, default=0)
    base_points: Mapped[int] = mapped_column(Integer, default=0)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index(None, "member_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    # Points a reversal could not take back because they were already spent.
    uncollected_points: Mapped[int] = mapped_column(Integer, default=0)
    # Who posted a manual entry (goodwill, adjustment) and the reason code they gave.
    author: Mapped[str | None] = mapped_column(String(100))
    reason_code: Mapped[str | None] = mapped_column(String(40))


class StatusPeriod(Base):
    """A tier held from one day through another, with the cause that granted it."""

    __tablename__ = "status_periods"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    tier_code: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int] = mapped_column(Integer)
    qualification_year: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_through: Mapped[dt.date | None] = mapped_column(Date)
    # QUALIFIED, REQUALIFIED, SOFT_LANDING, LIFETIME, STATUS_MATCH
    cause: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(300), default="")
    credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(300))


class IdempotencyRecord(Base):
    """The first answer to a retried request, keyed by the caller's idempotency key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "operation", "key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), default="")
    operation: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class JobRun(Base):
    """A date-bound job that has run, so it never runs twice for the same date or year."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "run_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    run_key: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[dt.date] = mapped_column(Date)
    ran_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    summary: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class SchedulerLease(Base):
    """Which scheduler process runs the date-bound jobs, until when: several may be started
    for availability, one leads at a time, and another takes over when a lease lapses."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


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


class PartnerRequest(Base):
    """A request to a partner, written in the transaction of the business change it serves
    (the transactional outbox) and delivered by the workers until it is final."""

    __tablename__ = "partner_requests"
    __table_args__ = (
        UniqueConstraint("partner", "idempotency_key"),
        Index(None, "state", "next_attempt_at"),
        Index(None, "member_id", "partner", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner: Mapped[str] = mapped_column(String(40))
    operation: Mapped[str] = mapped_column(String(40))
    # Sent as the Idempotency-Key header on every attempt, so the partner can deduplicate.
    idempotency_key: Mapped[str] = mapped_column(String(200))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    subject: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))  # see domain.outbox.RequestState
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # None: due now.
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The worker delivering it and until when; another worker may take it after that.
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome_reason: Mapped[str | None] = mapped_column(String(300))
    # When the outcome handler of the operation ran for the final state.
    outcome_applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    replays: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PartnerWebhook(Base):
    """A webhook a partner sent us and we processed, so the same webhook-id is processed
    once; stored with its effects, in the same transaction."""

    __tablename__ = "partner_webhooks"
    __table_args__ = (UniqueConstraint("partner", "webhook_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner: Mapped[str] = mapped_column(String(40))
    webhook_id: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(40))
    # The member it credited, so the guest's export and erasure find the receipt.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ApiClient(Base):
    """A system that calls the API with a key: only a hash of the key is kept.

    ``key_id`` is the non-secret prefix of the key, for finding the row; the key itself is
    shown once, when it is created or rotated.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    # Property codes, space-separated, for a front desk.
    property_codes: Mapped[str] = mapped_column(String(400), default="")
    partner_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class MemberPartner(Base):
    """A partner that enrolled a member: it sees them for the program's serving window after
    ``first_seen_at`` (see ``services.visibility``)."""

    __tablename__ = "member_partners"
    __table_args__ = (UniqueConstraint("partner_code", "member_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_code: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SignInCode(Base):
    """A one-time code mailed to a guest; only its keyed hash is kept."""

    __tablename__ = "sign_in_codes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class GuestApproval(Base):
    """A guest's approval of one spending of their points by staff: a single-use code, of
    which only a keyed hash is kept, bound to the spending's terms; void after it expires,
    after it is used, or after too many wrong tries."""

    __tablename__ = "guest_approvals"
    __table_args__ = (Index(None, "member_id", "code_hash"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # AWARD_STAY, CERTIFICATE, DONATION, MILES_TRANSFER (domain.guest_approvals)
    operation: Mapped[str] = mapped_column(String(20))
    points: Mapped[int] = mapped_column(Integer)
    property_code: Mapped[str | None] = mapped_column(String(16))
    # The certificate, the charity, or "<airline> <frequent-flyer number>".
    recipient: Mapped[str | None] = mapped_column(String(80))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The client that asked (the guest's app, or a desk that had it mailed) and that used it.
    requested_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[str | None] = mapped_column(String(60))


class AuditEntry(Base):
    """One change to points, tier, preferences, consent or clients: who, when, before, after.

    Only ever inserted; the API has no way to change or delete a row.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index(None, "member_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_role: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    client_id: Mapped[str] = mapped_column(String(60))
    request_id: Mapped[str] = mapped_column(String(100))
    # points, tier, preference, consent, client, member
    subject: Mapped[str] = mapped_column(String(20), index=True)
    action: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    subject_key: Mapped[str] = mapped_column(String(100), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AwardRedemption(Base):
    """A stay paid with points or a certificate, with the ledger entries that paid and
    refunded it."""

    __tablename__ = "award_redemptions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.id"), unique=True)
    points: Mapped[int] = mapped_column(Integer)
    nights: Mapped[int] = mapped_column(Integer)
    free_nights: Mapped[int] = mapped_column(Integer, default=0)
    quote: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    redeem_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    refund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Certificate(Base):
    """A free-night certificate; ISSUED, USED, EXPIRED or CANCELLED (a promotion's, its
    stay reversed before it was used).

    Its ``source`` says why it was given. One issued at a night milestone is unique per
    member, year and milestone; one given otherwise (``SWEEPSTAKES``, ``GOODWILL``) has no
    milestone and is unique by ``source_key`` (``sweepstakes:<code>:<slot>``,
    ``complaint:<id>``), so a retried draw or resolution never issues a second one.
    ``allowance_points`` is what a goodwill certificate counts against the guest's
    recognition allowance (0 for the others).
    """

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("member_id", "qualification_year", "milestone_nights"),
        Index(None, "status", "expires_on"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    qualification_year: Mapped[int] = mapped_column(Integer)
    milestone_nights: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default="MILESTONE", server_default="MILESTONE")
    source_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    allowance_points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    max_category: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"))
    used_stay_id: Mapped[int | None] = mapped_column(ForeignKey("stays.id"))
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BenefitUsage(Base):
    """One use of a benefit with what it cost the brand, to weigh against member revenue.

    ``once_key`` makes a once-only choice unique: ``stay:<id>`` for a welcome gift,
    ``year:<year>`` for the annual choice; other uses leave it empty.
    """

    __tablename__ = "benefit_usages"
    __table_args__ = (
        UniqueConstraint("member_id", "benefit_code", "once_key"),
        Index(None, "used_on"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    benefit_code: Mapped[str] = mapped_column(String(40))
    option: Mapped[str | None] = mapped_column(String(40))
    once_key: Mapped[str | None] = mapped_column(String(40))
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stays.id"))
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id"))
    tier_code: Mapped[str] = mapped_column(String(32))
    cost_usd: Mapped[Decimal] = mapped_column(Money)
    points: Mapped[int] = mapped_column(Integer, default=0)
    used_on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Donation(Base):
    """Points given to a charity: debited at once, PENDING until the charity confirms;
    CONFIRMED, or REFUNDED when it finally refuses."""

    __tablename__ = "donations"
    __table_args__ = (Index(None, "charity", "donated_on"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    charity: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    donated_on: Mapped[dt.date] = mapped_column(Date)
    debit_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    refund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    partner_request_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class MilesTransfer(Base):
    """Points turned into airline miles: debited at once, PENDING until the airline
    credits the miles; CONFIRMED, or REFUNDED when it finally refuses."""

    __tablename__ = "miles_transfers"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    airline: Mapped[str] = mapped_column(String(40))
    frequent_flyer_number: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    miles: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    debit_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    refund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    partner_request_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RoomGuarantee(Base):
    """A room guarantee sent to a property's system: REQUESTED, then HONOURED (a stay is
    booked) or DECLINED (the guest is compensated; the failure stays on the property)."""

    __tablename__ = "room_guarantees"
    __table_args__ = (Index(None, "property_id", "status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    arrival_date: Mapped[dt.date] = mapped_column(Date)
    departure_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    partner_request_id: Mapped[int | None] = mapped_column(Integer)
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stays.id"))
    compensation_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    note: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ProgramSimulation(Base):
    """A what-if: a candidate program replayed over a period of real history, as a job.

    QUEUED, RUNNING, then DONE, CANCELLED or FAILED; ``summary`` holds the comparison once
    DONE. Nothing else is written by a simulation, so the books are never touched.
    """

    __tablename__ = "program_simulations"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    candidate: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(100), default="")
    members_done: Mapped[int] = mapped_column(Integer, default=0)
    members_total: Mapped[int] = mapped_column(Integer, default=0)
    # Set by cancelSimulation; the job stops at its next batch.
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SimulatedMove(Base):
    """A member whose tier at the period end would differ under a simulation's candidate."""

    __tablename__ = "simulated_moves"
    __table_args__ = (Index(None, "simulation_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    simulation_id: Mapped[int] = mapped_column(ForeignKey("program_simulations.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    actual_tier: Mapped[str] = mapped_column(String(32))
    actual_rank: Mapped[int] = mapped_column(Integer)
    simulated_tier: Mapped[str] = mapped_column(String(32))
    simulated_rank: Mapped[int] = mapped_column(Integer)


class Complaint(Base):
    """A complaint logged against a stay, owned until resolved. Its text is personal data:
    exported with the member and blanked on erasure; the row stays for the property's
    service-recovery figures."""

    __tablename__ = "complaints"
    __table_args__ = (Index(None, "property_id", "id"), Index(None, "member_id", "resolved_at"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.id"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(2000))
    # The staff member who took it, the one who owns it until resolved, and the client used.
    author: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(100))
    logged_by: Mapped[str] = mapped_column(String(100))
    logged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(2000))
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    goodwill_points: Mapped[int] = mapped_column(Integer, default=0)
    goodwill_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    # A recovery benefit granted with the resolution (its program code) and what it issued.
    goodwill_benefit: Mapped[str | None] = mapped_column(String(40))
    goodwill_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))


class StatusGrant(Base):
    """Status given rather than earned: a status match (MATCH), a challenge (CHALLENGE:
    OPEN, then MET or LAPSED) or a gift from another member (GIFT); each points at the
    status period it wrote."""

    __tablename__ = "status_grants"
    __table_args__ = (
        Index(None, "member_id", "kind", "state"),
        Index(None, "giver_member_id", "year"),
        Index(None, "state", "ends_on"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    tier_code: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    nights_required: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(300), default="")
    evidence: Mapped[str] = mapped_column(String(300), default="")
    giver_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    granted_by: Mapped[str] = mapped_column(String(100))
    status_period_id: Mapped[int] = mapped_column(ForeignKey("status_periods.id"))
    earned_period_id: Mapped[int | None] = mapped_column(ForeignKey("status_periods.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SurveyInvitation(Base):
    """The after-stay survey a completed stay invites its guest to: OPEN until answered
    (ANSWERED, with the answers, the NPS score and the reward's ledger entry) or until its
    window closes (CLOSED). One per stay."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        Index(None, "member_id", "state"),
        Index(None, "state", "closes_on"),
        Index(None, "property_id", "answered_on"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.id"), unique=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    invited_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    nps_score: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer, default=0)
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StayReview(Base):
    """A review of a completed stay posted by a review partner, credited once per stay."""

    __tablename__ = "stay_reviews"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.id"), unique=True)
    partner: Mapped[str] = mapped_column(String(40))
    review_id: Mapped[str] = mapped_column(String(100))
    rating: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    posted_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SweepstakesEntry(Base):
    """Entries a credit earned in a sweepstakes (negative: a reversal took them back)."""

    __tablename__ = "sweepstakes_entries"
    __table_args__ = (Index(None, "sweepstakes_code", "member_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sweepstakes_code: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    credit_id: Mapped[int] = mapped_column(ForeignKey("credits.id"), index=True)
    entries: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SweepstakesDraw(Base):
    """A sweepstakes drawn: the revealed seed, the entrants as they were drawn from, and the
    winners with the ledger entries of their prizes."""

    __tablename__ = "sweepstakes_draws"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sweepstakes_code: Mapped[str] = mapped_column(String(40), unique=True)
    seed: Mapped[str] = mapped_column(String(200))
    entrants: Mapped[list[Any]] = mapped_column(JSON)
    winners: Mapped[list[Any]] = mapped_column(JSON)
    drawn_by: Mapped[str] = mapped_column(String(100))
    drawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


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


class PromotionRegistration(Base):
    """A member registered for a promotion that asks for it (once per promotion)."""

    __tablename__ = "promotion_registrations"
    __table_args__ = (UniqueConstraint("member_id", "promotion_code"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    promotion_code: Mapped[str] = mapped_column(String(40))
    # The member's local date of registering: stays checked out before it do not count
    # unless the promotion is retroactive.
    registered_on: Mapped[dt.date] = mapped_column(Date)
    registered_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PromotionAward(Base):
    """What a credit earned in a promotion: triggers counted, rewards, points, extra nights
    and certificates (negative: a reversal took them back). Progress is their sum."""

    __tablename__ = "promotion_awards"
    __table_args__ = (Index(None, "promotion_code", "member_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    promotion_code: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    credit_id: Mapped[int] = mapped_column(ForeignKey("credits.id"), index=True)
    awarded_on: Mapped[dt.date] = mapped_column(Date)
    triggers: Mapped[int] = mapped_column(Integer)
    rewards: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    extra_nights: Mapped[int] = mapped_column(Integer)
    certificates: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PromotionBudget(Base):
    """The points a promotion has given, net of reversals: claimed under a row lock with a
    conditional update, so concurrent stays never take it past the program's budget."""

    __tablename__ = "promotion_budgets"

    promotion_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    spent_points: Mapped[int] = mapped_column(Integer)


class ReferralCode(Base):
    """The code a member gives friends to enrol with."""

    __tablename__ = "referral_codes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)


class Referral(Base):
    """A friend who enrolled with a member's referral code; rewarded (both of them) by the
    friend's first qualifying stay within the window."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    friend_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    enrolled_on: Mapped[dt.date] = mapped_column(Date)
    window_ends_on: Mapped[dt.date] = mapped_column(Date)
    # The friend's stay credit that rewarded the referral, the referrer's own credit, and
    # the referrer's qualification year it counts in; all None until then (or reversed).
    friend_credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"))
    referrer_credit_id: Mapped[int | None] = mapped_column(ForeignKey("credits.id"))
    rewarded_year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
