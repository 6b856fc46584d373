"""Service recovery: a complaint logged against a stay, owned until it is resolved, perhaps
with goodwill points and a recovery benefit (a free-night certificate the program names);
and the reads that show complaints to the property and on arrivals.

Who may act is the property's own staff: ``properties`` is the set of property codes the
caller serves (``None`` for an administrator). A stay or complaint at another property gets
the answer an unknown one gets, so its existence is not revealed.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.complaints import (
    DESCRIPTION_LIMIT,
    NAME_LIMIT,
    Severity,
    complaint_mistakes,
    goodwill_allowance,
)
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput, too_long
from staytier.program.engagement import ComplaintRules, RecoveryBenefit
from staytier.services import audit
from staytier.services.certificates import GOODWILL, award_certificate
from staytier.services.goodwill import credit_goodwill
from staytier.services.idempotency import Result, run_command_once
from staytier.services.member_value import within_recognition
from staytier.services.paging import newest_first
from staytier.services.runtime import Runtime
from staytier.store.models import Complaint, Member, Property, Stay
from staytier.store.queries import property_by_code, stay_by_confirmation

# Input fields of resolveComplaint that the goodwill rules name differently.
# A complaint with its property, stay and member: how every read of complaints sees them.
_VIEW = (
    select(Complaint, Property, Stay, Member)
    .join(Property, Property.id == Complaint.property_id)
    .join(Stay, Stay.id == Complaint.stay_id)
    .join(Member, Member.id == Complaint.member_id)
)
GOODWILL_FIELDS = {"points": "goodwillPoints", "reasonCode": "goodwillReasonCode"}


@dataclass(frozen=True)
class LogComplaint:
    idempotency_key: str
    property_code: str
    confirmation_number: str
    category: str
    severity: Severity
    description: str
    author: str
    owner: str = ""


@dataclass(frozen=True)
class ResolveComplaint:
    idempotency_key: str
    complaint_number: int
    resolution: str
    author: str
    goodwill_points: int = 0
    goodwill_reason_code: str = ""
    goodwill_benefit: str = ""


@dataclass(frozen=True)
class ComplaintView:
    """A complaint with its property, stay and member: what a complaint mutation returns."""

    complaint: Complaint
    property: Property
    stay: Stay
    member: Member

    @builtins.property  # the name ``property`` is the complaint's hotel here
    def member_id(self) -> int:
        return self.member.id

    def receipt(self) -> Result:
        return {"complaint_id": self.complaint.id, "member_id": self.member.id}

    @staticmethod
    async def replay(session: AsyncSession, receipt: Result) -> ComplaintView:
        found = await complaint_view(session, receipt["complaint_id"])
        assert found is not None
        return found


def _serves(properties: frozenset[str] | None, code: str) -> bool:
    return properties is None or code in properties


async def log_complaint(
    runtime: Runtime,
    command: LogComplaint,
    *,
    actor: str,
    properties: frozenset[str] | None,
    scope: str = "",
) -> ComplaintView:
    """Logs a complaint against a stay at one of the caller's properties; its owner is the
    one named, else its author."""
    rules = runtime.rules_on(runtime.today()).complaints
    mistakes = complaint_mistakes(
        rules,
        category=command.category,
        description=command.description,
        author=command.author,
        owner=command.owner,
    )
    if mistakes:
        raise InvalidInput(mistakes)

    async def work(session: AsyncSession) -> ComplaintView:
        hotel, stay = await _stay(session, command, properties)
        now = runtime.now()
        complaint = Complaint(
            member_id=stay.member_id,
            stay_id=stay.id,
            property_id=hotel.id,
            category=command.category,
            severity=command.severity.value,
            description=command.description.strip(),
            author=command.author.strip(),
            owner=(command.owner.strip() or command.author.strip()),
            logged_by=actor,
            logged_at=now,
        )
        session.add(complaint)
        await session.flush()
        audit.record(
            session,
            at=now,
            subject="complaint",
            action="LOGGED",
            member_id=stay.member_id,
            subject_key=str(complaint.id),
            after={"category": complaint.category, "severity": complaint.severity},
        )
        member = await session.get(Member, stay.member_id)
        assert member is not None
        return ComplaintView(complaint, hotel, stay, member)

    return await run_command_once(
        runtime, ComplaintView, "logComplaint", command, work, scope=scope
    )


async def _stay(
    session: AsyncSession, command: LogComplaint, properties: frozenset[str] | None
) -> tuple[Property, Stay]:
    hotel = await property_by_code(session, command.property_code)
    stay = None
    if hotel is not None and _serves(properties, hotel.code):
        stay = await stay_by_confirmation(session, hotel.id, command.confirmation_number)
    if hotel is None or stay is None:
        raise BusinessRuleError(
            ErrorCode.STAY_NOT_FOUND,
            f"No stay {command.confirmation_number} at {command.property_code}.",
            "confirmationNumber",
        )
    return hotel, stay


async def resolve_complaint(
    runtime: Runtime,
    command: ResolveComplaint,
    *,
    role: str,
    properties: frozenset[str] | None,
    scope: str = "",
) -> ComplaintView:
    """Resolves an open complaint with the resolution given and, optionally, goodwill points
    posted through the goodwill rules (the reason's limit, and the role's allowance from
    ``complaints.goodwill_allowance``)."""
    _check_resolution(command)

    async def work(session: AsyncSession) -> ComplaintView:
        view = await _open_complaint(session, command.complaint_number, properties)
        complaint = view.complaint
        now = runtime.now()
        if command.goodwill_points or command.goodwill_benefit:
            await _goodwill(session, runtime, complaint, command, role)
        complaint.resolution = command.resolution.strip()
        complaint.resolved_by = command.author.strip()
        complaint.resolved_at = now
        audit.record(
            session,
            at=now,
            subject="complaint",
            action="RESOLVED",
            member_id=complaint.member_id,
            subject_key=str(complaint.id),
            after={
                "goodwill_points": command.goodwill_points,
                "goodwill_benefit": command.goodwill_benefit or None,
            },
        )
        await session.flush()
        return view

    return await run_command_once(
        runtime, ComplaintView, "resolveComplaint", command, work, scope=scope
    )


def _check_resolution(command: ResolveComplaint) -> None:
    """Every mistake of a resolution at once (InvalidInput), before any reading."""
    mistakes = [
        BusinessRuleError(ErrorCode.INVALID_INPUT, f"Give the {field}.", field)
        for field, value in (("resolution", command.resolution), ("author", command.author))
        if not value.strip()
    ]
    mistakes.extend(
        too_long(
            ("resolution", command.resolution, DESCRIPTION_LIMIT),
            ("author", command.author, NAME_LIMIT),
        )
    )
    if command.goodwill_points < 0:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_AMOUNT, "Goodwill is a positive amount.", "goodwillPoints"
            )
        )
    if mistakes:
        raise InvalidInput(mistakes)


async def _open_complaint(
    session: AsyncSession, number: int, properties: frozenset[str] | None
) -> ComplaintView:
    """The complaint, locked, if it is at a property the caller serves and still open."""
    found = (
        await session.execute(_VIEW.where(Complaint.id == number).with_for_update(of=Complaint))
    ).first()
    if found is None or not _serves(properties, found[1].code):
        raise BusinessRuleError(
            ErrorCode.COMPLAINT_NOT_FOUND,
            f"No complaint {number}.",
            "complaintNumber",
        )
    complaint: Complaint = found[0]
    if complaint.resolved_at is not None:
        raise BusinessRuleError(
            ErrorCode.COMPLAINT_ALREADY_RESOLVED,
            f"Complaint {complaint.id} was resolved on {complaint.resolved_at:%Y-%m-%d}.",
            "complaintNumber",
        )
    return ComplaintView(complaint, found[1], found[2], found[3])


async def _goodwill(
    session: AsyncSession,
    runtime: Runtime,
    complaint: Complaint,
    command: ResolveComplaint,
    role: str,
) -> None:
    """Grants the resolution's goodwill: the points through the goodwill rules and the
    benefit as a certificate keyed by the complaint. Together, counting the benefit at its
    ``allowance_points``, they stay within the role's allowance and the guest's recognition
    allowance; beyond either nothing is written."""
    member = await session.get(Member, complaint.member_id, with_for_update=True)
    assert member is not None
    today = local_date(runtime.clock, member.time_zone)
    rules = runtime.rules_on(today).complaints
    allowance = goodwill_allowance(rules, role)
    benefit = _recovery_benefit(rules, command.goodwill_benefit, allowance)
    worth = benefit.allowance_points if benefit is not None else 0
    # A limit the benefit takes the goodwill past is reported on the benefit.
    fields = GOODWILL_FIELDS | ({"points": "goodwillBenefit"} if benefit else {})
    try:
        # Within the guest's recognition allowance too, where the program sets one.
        await within_recognition(
            session, runtime, member.id, command.goodwill_points + worth, today
        )
    except BusinessRuleError as error:
        raise BusinessRuleError(error.code, error.message, fields["points"]) from error
    if command.goodwill_points:
        try:
            entry = await credit_goodwill(
                runtime,
                session,
                member,
                points=command.goodwill_points,
                reason_code=command.goodwill_reason_code or rules.goodwill_reason,
                author=command.author,
                note=f"complaint {complaint.id} ({complaint.category})",
                allowance=None if allowance is None else allowance - worth,
            )
        except BusinessRuleError as error:
            field = GOODWILL_FIELDS.get(error.field or "", error.field)
            raise BusinessRuleError(error.code, error.message, field) from error
        complaint.goodwill_entry_id = entry.id
        complaint.goodwill_points = command.goodwill_points
    if benefit is not None:
        certificate = await award_certificate(
            session,
            runtime,
            member,
            benefit.certificate,
            source=GOODWILL,
            source_key=f"complaint:{complaint.id}",
            on=today,
            allowance_points=worth,
            description=f"Goodwill for complaint {complaint.id} ({complaint.category})",
        )
        complaint.goodwill_benefit = benefit.code
        complaint.goodwill_certificate_id = certificate.id


def _recovery_benefit(
    rules: ComplaintRules, code: str, allowance: int | None
) -> RecoveryBenefit | None:
    """The benefit named (``None`` when none is), if the program offers it and it fits the
    role's allowance on its own."""
    if not code:
        return None
    benefit = rules.recovery_benefit(code)
    if benefit is None:
        offered = ", ".join(b.code for b in rules.recovery_benefits) or "none"
        raise BusinessRuleError(
            ErrorCode.UNKNOWN_RECOVERY_BENEFIT,
            f"{code!r} is not a recovery benefit of the program (offered: {offered}).",
            "goodwillBenefit",
        )
    if allowance is not None and benefit.allowance_points > allowance:
        raise BusinessRuleError(
            ErrorCode.GOODWILL_LIMIT_EXCEEDED,
            f"{benefit.code} counts as {benefit.allowance_points:,} goodwill points; this role "
            f"may grant at most {allowance:,}.",
            "goodwillBenefit",
        )
    return benefit


# --- reads ------------------------------------------------------------------------------


async def complaints_page(
    session: AsyncSession,
    *,
    properties: frozenset[str] | None,
    property_code: str | None,
    open_only: bool | None,
    first: int,
    before_id: int | None,
    member_id: int | None = None,
) -> list[tuple[Complaint, Property, Stay, Member]]:
    """Complaints newest first, at ``property_code`` (or every property the caller serves),
    open or resolved as asked; one past ``first``."""
    query = _VIEW
    if property_code is not None:
        query = query.where(Property.code == property_code)
    if properties is not None:
        query = query.where(Property.code.in_(properties))
    if open_only is not None:
        query = query.where(
            Complaint.resolved_at.is_(None) if open_only else Complaint.resolved_at.is_not(None)
        )
    if member_id is not None:
        query = query.where(Complaint.member_id == member_id)
    rows = await session.execute(newest_first(query, Complaint.id, first, before_id))
    return [(c, p, s, m) for c, p, s, m in rows]


async def complaint_view(session: AsyncSession, complaint_id: int) -> ComplaintView | None:
    """One complaint with its property, stay and member, as a payload shows it."""
    found = (await session.execute(_VIEW.where(Complaint.id == complaint_id))).first()
    return None if found is None else ComplaintView(found[0], found[1], found[2], found[3])
