"""Spending needs the guest: approval codes for staff spending a member's points.

1. :func:`request_approval` issues a code bound to one spending's terms
   (:class:`staytier.domain.guest_approvals.ApprovalTerms`). The signed-in guest gets the
   code in the answer, to show the desk; when staff ask, the code is mailed to the member's
   registered email (the sign-in codes' mail path) and never shown to the staff.
2. The spending services call :func:`approve_spending` in their own transaction, after the
   member row is locked: the code is checked against the spending's terms and used in the
   same transaction as the debit, so a refused spending leaves it usable, an idempotent
   retry returns the first result without touching it, and two spendings racing on one
   code spend once (the second finds it used).
3. :func:`counting_refusals` wraps a spending: a refused code counts as a wrong try on the
   member's open codes, in a transaction of its own (the spending's rolls back), so codes
   cannot be guessed: the program's ``max_attempts`` wrong tries void them.

Only a keyed hash of each code is kept (the sign-in codes' scheme). Lifetime, length and
attempts are program data (``[versions.guest_approval]``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.guest_approvals import (
    ApprovalTerms,
    Spender,
    SpendingOperation,
    approval_invalid,
    approval_required,
    needs_code,
)
from staytier.program.model import GuestApprovalRules
from staytier.services import audit
from staytier.services.runtime import Runtime
from staytier.store.models import GuestApproval, Member
from staytier.store.queries import member_by_number, rows_changed


@dataclass(frozen=True)
class IssuedApproval:
    """An approval as the requester may see it: the code only for the guest themself."""

    member_id: int
    terms: ApprovalTerms
    expires_at: dt.datetime
    code: str | None
    mailed: bool


T = TypeVar("T")


class ApprovalRefused(BusinessRuleError):
    """A code that does not approve the spending; counted as a wrong try (see
    :func:`counting_refusals`) once the spending's transaction has rolled back."""

    def __init__(self, member_id: int) -> None:
        refused = approval_invalid()
        super().__init__(refused.code, refused.message, refused.field)
        self.member_id = member_id


def _code_hash(runtime: Runtime, member_id: int, code: str) -> str:
    message = f"approval:{member_id}:{code}".encode()
    return hmac.new(runtime.secret_key.encode(), message, hashlib.sha256).hexdigest()


def _rules(runtime: Runtime, member: Member) -> GuestApprovalRules:
    return runtime.rules_on(local_date(runtime.clock, member.time_zone)).guest_approval


def _audited(terms: ApprovalTerms) -> dict[str, object]:
    # The recipient may be a frequent-flyer number: it stays out of the audit log, which
    # outlives an erasure.
    return {
        "operation": terms.operation.value,
        "points": terms.points,
        "propertyCode": terms.property_code,
    }


def _audit(
    session: AsyncSession, at: dt.datetime, action: str, member: Member, after: dict[str, object]
) -> None:
    """An audit entry on the member's approvals."""
    audit.record(
        session,
        at=at,
        subject="approval",
        action=action,
        member_id=member.id,
        subject_key=member.member_number,
        after=after,
    )


async def request_approval(
    runtime: Runtime, member_number: str, terms: ApprovalTerms, *, spender: Spender
) -> IssuedApproval:
    """Issues a code for ``terms``: returned to the guest themself, mailed otherwise
    (GUEST_APPROVAL_UNDELIVERABLE when the member has no email on file)."""
    async with runtime.db.transaction() as session:
        member = await member_by_number(session, member_number)
        if member is None:
            raise BusinessRuleError(
                ErrorCode.MEMBER_NOT_FOUND, f"No member {member_number}.", "memberNumber"
            )
        mailed = spender is not Spender.MEMBER
        if mailed and not member.email:
            raise BusinessRuleError(
                ErrorCode.GUEST_APPROVAL_UNDELIVERABLE,
                f"Member {member.member_number} has no email on file; the guest can approve "
                "from their app.",
                "memberNumber",
            )
        rules = _rules(runtime, member)
        code = f"{secrets.randbelow(10**rules.code_digits):0{rules.code_digits}d}"
        now = runtime.now()
        approval = GuestApproval(
            member_id=member.id,
            operation=terms.operation.value,
            points=terms.points,
            property_code=terms.property_code,
            recipient=terms.recipient,
            code_hash=_code_hash(runtime, member.id, code),
            expires_at=now + dt.timedelta(minutes=rules.code_minutes),
            attempts=0,
            requested_by=audit.current_actor().client_id[:60],
            created_at=now,
        )
        session.add(approval)
        _audit(session, now, "REQUESTED", member, _audited(terms))
        member_id, email = member.id, member.email or ""
    if mailed:
        await runtime.mailer.send(
            email,
            "Your approval code",
            f"You are asked to approve {terms.describe()}. If you agree, give this code to "
            f"the person asking: {code}. It works once, for {rules.code_minutes} minutes. "
            "If you did not ask for this, do not share it.",
        )
    return IssuedApproval(
        member_id=member_id,
        terms=terms,
        expires_at=approval.expires_at,
        code=None if mailed else code,
        mailed=mailed,
    )


def terms_of(approval: GuestApproval) -> ApprovalTerms:
    return ApprovalTerms(
        operation=SpendingOperation(approval.operation),
        points=approval.points,
        property_code=approval.property_code,
        recipient=approval.recipient,
    )


async def approve_spending(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    terms: ApprovalTerms,
    *,
    code: str | None,
    spender: Spender,
) -> None:
    """Lets the spending ``terms`` go through in the caller's transaction, or raises.

    The guest spends without a code; an administrator too, audited. Staff need a live code
    of this member whose terms are exactly ``terms``; it is used here, with the spending.
    """
    now = runtime.now()
    if not needs_code(spender, code):
        if spender is Spender.ADMIN:
            _audit(session, now, "ADMIN_SPENT_WITHOUT_APPROVAL", member, _audited(terms))
        return
    if code is None or not code.strip():
        raise approval_required()
    approval: GuestApproval | None = await session.scalar(
        select(GuestApproval)
        .where(
            GuestApproval.member_id == member.id,
            GuestApproval.code_hash == _code_hash(runtime, member.id, code.strip()),
        )
        .with_for_update()
    )
    live = (
        approval is not None
        and approval.used_at is None
        and approval.expires_at > now
        and approval.attempts < _rules(runtime, member).max_attempts
    )
    if approval is None or not live or terms_of(approval) != terms:
        raise ApprovalRefused(member.id)
    # Claimed only if still unused: the member row's lock already serialises spendings,
    # and this makes the single use hold on its own.
    claimed = await rows_changed(
        session,
        update(GuestApproval)
        .where(GuestApproval.id == approval.id, GuestApproval.used_at.is_(None))
        .values(used_at=now, used_by=audit.current_actor().client_id[:60])
        .execution_options(synchronize_session=False),
    )
    if claimed != 1:
        raise ApprovalRefused(member.id)
    _audit(session, now, "USED", member, {**_audited(terms), "approvalId": approval.id})


async def counting_refusals(runtime: Runtime, call: Awaitable[T]) -> T:
    """Runs a spending; if the code was refused, counts a wrong try on the member's open
    codes (committed on its own) before the refusal reaches the caller."""
    try:
        return await call
    except ApprovalRefused as refused:
        async with runtime.db.transaction() as session:
            await session.execute(
                update(GuestApproval)
                .where(
                    GuestApproval.member_id == refused.member_id,
                    GuestApproval.used_at.is_(None),
                    GuestApproval.expires_at > runtime.now(),
                )
                .values(attempts=GuestApproval.attempts + 1)
                .execution_options(synchronize_session=False)
            )
        raise
