"""What keeps the service safe to run: idempotency records, job runs and the scheduler's lease,
partner requests and webhooks, API clients, guest sign-in and approvals, and the audit log."""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.types import Id, UTCDateTime


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
