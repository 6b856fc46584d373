"""What keeps the service safe to run: idempotency records, job runs and the scheduler's lease,
partner requests and webhooks, API clients, guest sign-in and approvals, and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.models.columns import (
    MemberRef,
    PrimaryKey,
    Str16,
    Str20,
    Str32,
    Str40,
    Str60,
    Str64,
    Str80,
    Str100,
    Str200,
    Str300,
    Str400,
    Str500,
)


class IdempotencyRecord(Base):
    """The first answer to a retried request, keyed by the caller's idempotency key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "operation", "key"),)

    id: Mapped[PrimaryKey]
    scope: Mapped[Str100] = mapped_column(default="")
    operation: Mapped[Str60]
    key: Mapped[Str200]
    request_hash: Mapped[Str64]
    result: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]


class JobRun(Base):
    """A date-bound job that has run, so it never runs twice for the same date or year."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "run_key"),)

    id: Mapped[PrimaryKey]
    job: Mapped[Str40]
    run_key: Mapped[Str40]
    due_on: Mapped[dt.date]
    ran_at: Mapped[dt.datetime]
    summary: Mapped[dict[str, int]] = mapped_column(default=dict)


class SchedulerLease(Base):
    """Which scheduler process runs the date-bound jobs, until when: several may be started
    for availability, one leads at a time, and another takes over when a lease lapses."""

    __tablename__ = "scheduler_leases"

    name: Mapped[Str40] = mapped_column(primary_key=True)
    holder: Mapped[Str100]
    expires_at: Mapped[dt.datetime]


class PartnerRequest(Base):
    """A request to a partner, written in the transaction of the business change it serves
    (the transactional outbox) and delivered by the workers until it is final."""

    __tablename__ = "partner_requests"
    __table_args__ = (
        UniqueConstraint("partner", "idempotency_key"),
        Index(None, "state", "next_attempt_at"),
        Index(None, "member_id", "partner", "id"),
    )

    id: Mapped[PrimaryKey]
    partner: Mapped[Str40]
    operation: Mapped[Str40]
    # Sent as the Idempotency-Key header on every attempt, so the partner can deduplicate.
    idempotency_key: Mapped[Str200]
    member_id: Mapped[MemberRef | None]
    subject: Mapped[Str100 | None]
    payload: Mapped[dict[str, Any]]
    state: Mapped[Str16]  # see domain.outbox.RequestState
    attempts: Mapped[int] = mapped_column(default=0)
    # None: due now.
    next_attempt_at: Mapped[dt.datetime | None]
    # The worker delivering it and until when; another worker may take it after that.
    lease_owner: Mapped[Str100 | None]
    lease_expires_at: Mapped[dt.datetime | None]
    last_error: Mapped[Str500 | None]
    response: Mapped[dict[str, Any] | None]
    outcome_reason: Mapped[Str300 | None]
    # When the outcome handler of the operation ran for the final state.
    outcome_applied_at: Mapped[dt.datetime | None]
    replays: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    completed_at: Mapped[dt.datetime | None]


class PartnerWebhook(Base):
    """A webhook a partner sent us and we processed, so the same webhook-id is processed
    once; stored with its effects, in the same transaction."""

    __tablename__ = "partner_webhooks"
    __table_args__ = (UniqueConstraint("partner", "webhook_id"),)

    id: Mapped[PrimaryKey]
    partner: Mapped[Str40]
    webhook_id: Mapped[Str200]
    endpoint: Mapped[Str40]
    # The member it credited, so the guest's export and erasure find the receipt.
    member_id: Mapped[MemberRef | None] = mapped_column(index=True)
    result: Mapped[dict[str, Any]]
    received_at: Mapped[dt.datetime]


class ApiClient(Base):
    """A system that calls the API with a key: only a hash of the key is kept.

    ``key_id`` is the non-secret prefix of the key, for finding the row; the key itself is
    shown once, when it is created or rotated.
    """

    __tablename__ = "api_clients"

    id: Mapped[PrimaryKey]
    key_id: Mapped[Str32] = mapped_column(unique=True)
    key_hash: Mapped[Str200]
    name: Mapped[Str100]
    role: Mapped[Str20]
    # Property codes, space-separated, for a front desk.
    property_codes: Mapped[Str400] = mapped_column(default="")
    partner_code: Mapped[Str40 | None]
    created_at: Mapped[dt.datetime]
    rotated_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class MemberPartner(Base):
    """A partner that enrolled a member: it sees them for the program's serving window after
    ``first_seen_at`` (see ``services.visibility``)."""

    __tablename__ = "member_partners"
    __table_args__ = (UniqueConstraint("partner_code", "member_id"),)

    id: Mapped[PrimaryKey]
    partner_code: Mapped[Str40]
    member_id: Mapped[MemberRef] = mapped_column(index=True)
    first_seen_at: Mapped[dt.datetime]


class SignInCode(Base):
    """A one-time code mailed to a guest; only its keyed hash is kept."""

    __tablename__ = "sign_in_codes"

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef] = mapped_column(index=True)
    code_hash: Mapped[Str64]
    expires_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


class GuestApproval(Base):
    """A guest's approval of one spending of their points by staff: a single-use code, of
    which only a keyed hash is kept, bound to the spending's terms; void after it expires,
    after it is used, or after too many wrong tries."""

    __tablename__ = "guest_approvals"
    __table_args__ = (Index(None, "member_id", "code_hash"),)

    id: Mapped[PrimaryKey]
    member_id: Mapped[MemberRef]
    # AWARD_STAY, CERTIFICATE, DONATION, MILES_TRANSFER (domain.guest_approvals)
    operation: Mapped[Str20]
    points: Mapped[int]
    property_code: Mapped[Str16 | None]
    # The certificate, the charity, or "<airline> <frequent-flyer number>".
    recipient: Mapped[Str80 | None]
    code_hash: Mapped[Str64]
    expires_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    # The client that asked (the guest's app, or a desk that had it mailed) and that used it.
    requested_by: Mapped[Str60]
    created_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    used_by: Mapped[Str60 | None]


class AuditEntry(Base):
    """One change to points, tier, preferences, consent or clients: who, when, before, after.

    Only ever inserted; the API has no way to change or delete a row.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index(None, "member_id", "id"),)

    id: Mapped[PrimaryKey]
    occurred_at: Mapped[dt.datetime]
    actor_role: Mapped[Str20]
    actor: Mapped[Str100]
    client_id: Mapped[Str60]
    request_id: Mapped[Str100]
    # points, tier, preference, consent, client, member
    subject: Mapped[Str20] = mapped_column(index=True)
    action: Mapped[Str40]
    member_id: Mapped[MemberRef | None]
    subject_key: Mapped[Str100] = mapped_column(default="")
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
