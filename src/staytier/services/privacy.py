"""A guest's rights over their data: an export of everything held on them, and erasure.

The export reads every table that refers to the member (by a ``member_id`` column, and the
revisions of their stays), so a table added later is exported without a change here.

Erasure pseudonymizes the member row (name, contact, home property, the member number, so
the old number no longer resolves), deletes the profile (preferences, staff notes, special
dates, consent, profile history, search terms) and what signs them in, blanks the words
of their complaints (the category and dates stay for the property's figures), and blanks the
values the audit log kept about their profile. The ledger, stays and credits stay, attached
to the pseudonymous member, so every program total still reconciles.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.services import audit
from staytier.services.members import member_for_update
from staytier.services.runtime import Runtime
from staytier.store.models import AuditEntry, Base, Complaint, Member, Stay, StayRevision

# Deleted on erasure: the profile, and what finds or signs in the member.
PROFILE_TABLES = (
    "preferences",
    "staff_notes",
    "special_dates",
    "consent_records",
    "profile_changes",
    "member_search_terms",
    "birthday_bonuses",
    "sign_in_codes",
    "member_partners",
)
# Never exported: secrets (hashes of sign-in codes) and the audit trail's internals.
NOT_EXPORTED = {"sign_in_codes", "audit_entries", "idempotency_records"}
# Audit subjects whose before/after hold profile values.
PROFILE_SUBJECTS = ("preference", "special_date", "consent")
ERASED_NAME = "Erased"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _member_tables() -> list[Table]:
    return [
        table
        for table in Base.metadata.sorted_tables
        if "member_id" in table.c and table.name not in NOT_EXPORTED
    ]


async def _rows(session: AsyncSession, table: Table, condition: Any) -> list[dict[str, Any]]:
    result = await session.execute(select(table).where(condition).order_by(table.c.id))
    return [
        {key: _plain(value) for key, value in row._mapping.items() if "hash" not in key}
        for row in result
    ]


async def export_guest_data(runtime: Runtime, member_id: int) -> dict[str, Any]:
    """Everything held on the member, one JSON-able document: the member row, then one list
    per table that refers to them. The export itself is audited (who took the member's data,
    through which client), in an entry written after the document is read."""
    async with runtime.db.reading() as session:
        member = await _rows(session, Member.__table__, Member.id == member_id)  # type: ignore[arg-type]
        document: dict[str, Any] = {
            "exportedAt": runtime.now().isoformat(),
            "member": member[0] if member else None,
        }
        for table in _member_tables():
            document[table.name] = await _rows(session, table, table.c.member_id == member_id)
        stay_ids = select(Stay.id).where(Stay.member_id == member_id)
        document["stay_revisions"] = await _rows(
            session,
            StayRevision.__table__,  # type: ignore[arg-type]
            StayRevision.stay_id.in_(stay_ids),
        )
    if member:
        async with runtime.db.transaction() as session:
            audit.record(
                session,
                at=runtime.now(),
                subject="member",
                action="EXPORTED",
                member_id=member_id,
                subject_key=member[0]["member_number"],
            )
    return document


def _pseudonym() -> str:
    # Not a valid member number (no check digit, a letter): it can never be typed in.
    return "E" + secrets.token_hex(9)


async def erase_guest(runtime: Runtime, member_number: str, reason: str) -> dict[str, Any]:
    """Erases the member's personal data for good; see the module docstring. Returns
    ``{"member_id", "erased_at"}``."""
    if not reason.strip() or len(reason) > 300:
        raise BusinessRuleError(
            ErrorCode.INVALID_INPUT, "Give the reason (at most 300 characters).", "reason"
        )
    async with runtime.db.transaction() as session:
        member = await member_for_update(session, member_number)
        now = runtime.now()
        for name in PROFILE_TABLES:
            table = Base.metadata.tables[name]
            await session.execute(delete(table).where(table.c.member_id == member.id))
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.member_id == member.id)
            .values(subject_key="")
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.member_id == member.id, AuditEntry.subject.in_(PROFILE_SUBJECTS))
            .values(before={"erased": True}, after={"erased": True})
            .execution_options(synchronize_session=False)
        )
        # Complaints stay for the property's service-recovery figures; their words go.
        await session.execute(
            update(Complaint)
            .where(Complaint.member_id == member.id)
            .values(description="", resolution=None)
            .execution_options(synchronize_session=False)
        )
        member.member_number = _pseudonym()
        member.first_name = member.last_name = ERASED_NAME
        member.email = member.phone = member.phone_key = member.home_property_code = None
        member.erased_at = now
        audit.record(
            session,
            at=now,
            subject="member",
            action="ERASED",
            member_id=member.id,
            after={"reason": reason.strip()},
        )
        return {"member_id": member.id, "erased_at": now.isoformat()}
