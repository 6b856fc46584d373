"""A guest's rights over their data: an export of everything held on them, and erasure.

The export reads every table that refers to the member (by any column naming a member, and
the revisions of their stays), so a table added later is exported without a change here.

Erasure pseudonymizes the member row (name, contact, home property, the member number, so
the old number no longer resolves), deletes the profile (preferences, staff notes, special
dates, consent, profile history, search terms) and what signs them in or approves their
spending, and blanks the values the audit log kept about their profile. Free text written
about the guest goes: ledger descriptions (goodwill notes, adjustment reasons, transfer
labels) and partners' activity descriptions are replaced, frequent-flyer numbers erased.
Then every text and JSON column of every row still referring to the member (by any column
naming a member, found through the metadata, so a table added later is covered) is
scrubbed of the guest's personal values (:mod:`staytier.domain.erasure`): partner
requests, webhook receipts, partners' answers.
The ledger, stays and credits stay, attached to the pseudonymous member, so every program
total still reconciles. A member with partner requests still being delivered is not erased
until they are final: the partner still needs the request as it was written. The words of their
complaints are blanked (the category and dates stay for the property's figures).
Accounts merged into the member (``members.merged_into_id``) are the same person's and are
erased with them.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ColumnElement, String, Table, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.erasure import ERASED, PersonalValues, scrub
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.outbox import OPEN_STATES
from staytier.services import audit
from staytier.services.guest_mail import MAIL_PARTNER, close_open_mail
from staytier.services.members import member_for_update
from staytier.services.runtime import Runtime
from staytier.store.models import (
    Activity,
    AuditEntry,
    Base,
    Complaint,
    GuestApproval,
    IdempotencyRecord,
    LedgerEntry,
    Member,
    MilesTransfer,
    PartnerRequest,
    SpecialDate,
    Stay,
    StayRevision,
)

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
    "guest_approvals",
    "member_partners",
)
# Never exported: secrets (hashes of sign-in codes) and the audit trail's internals.
NOT_EXPORTED = {"sign_in_codes", "audit_entries", "idempotency_records"}
# Audit subjects whose before/after hold profile values.
PROFILE_SUBJECTS = ("preference", "special_date", "consent")
ERASED_NAME = "Erased"
ERASED_DESCRIPTION = " entry; details erased with the member's personal data"


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
        if _naming_member(table) and table.name not in NOT_EXPORTED
    ]


def _naming_member(table: Table) -> list[Any]:
    """The columns of ``table`` that name a member (``member_id``, a pool's owner, both sides
    of a transfer or a merge), read from the metadata."""
    members = Base.metadata.tables["members"]
    return [
        column
        for column in table.c
        if table is not members and any(fk.column.table is members for fk in column.foreign_keys)
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
            naming = or_(*(column == member_id for column in _naming_member(table)))
            document[table.name] = await _rows(session, table, naming)
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
        # Accounts merged into this one are the same person's: they go with it.
        duplicates = list(
            await session.scalars(
                select(Member).where(Member.merged_into_id == member.id).with_for_update()
            )
        )
        for account in (member, *duplicates):
            await _refuse_while_partners_deliver(session, account)
            await close_open_mail(session, runtime, account.id)
        now = runtime.now()
        accounts = [(account, await _personal_values(session, account)) for account in duplicates]
        accounts.append((member, await _personal_values(session, member)))
        # Rows moved by a merge name the other account: each is scrubbed of all of them.
        everyone = [personal for _, personal in accounts]
        for account, personal in accounts:
            await _erase(session, runtime, account, personal, everyone, now, reason)
        return {"member_id": member.id, "erased_at": now.isoformat()}


async def _erase(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    personal: PersonalValues,
    everyone: list[PersonalValues],
    now: dt.datetime,
    reason: str,
) -> None:
    for name in PROFILE_TABLES:
        table = Base.metadata.tables[name]
        await session.execute(delete(table).where(table.c.member_id == member.id))
    await _drop_free_text(session, member.id)
    for values in everyone:
        await _scrub_rows(session, member.id, values)
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
    member.member_number = personal.pseudonym
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


async def _refuse_while_partners_deliver(session: AsyncSession, member: Member) -> None:
    # Mail to the guest does not hold erasure up: erasing ends it (close_open_mail).
    open_requests = await session.scalar(
        select(func.count(PartnerRequest.id)).where(
            PartnerRequest.member_id == member.id,
            PartnerRequest.partner != MAIL_PARTNER,
            PartnerRequest.state.in_([state.value for state in OPEN_STATES]),
        )
    )
    if open_requests:
        raise BusinessRuleError(
            ErrorCode.PARTNER_REQUESTS_OPEN,
            f"Member {member.member_number} has {open_requests} partner request(s) still "
            "being delivered; erase the member once they are final.",
            "memberNumber",
        )


async def _personal_values(session: AsyncSession, member: Member) -> PersonalValues:
    """The guest's values to scrub from what stays: contact, names, frequent-flyer numbers
    (transfers and approvals), special dates, all read before they are deleted."""
    flyer_numbers = await session.scalars(
        select(MilesTransfer.frequent_flyer_number).where(MilesTransfer.member_id == member.id)
    )
    recipients = await session.scalars(
        select(GuestApproval.recipient).where(
            GuestApproval.member_id == member.id, GuestApproval.recipient.is_not(None)
        )
    )
    dates = await session.scalars(
        select(SpecialDate.happened_on).where(SpecialDate.member_id == member.id)
    )
    contact = (member.email, member.phone, member.phone_key)
    return PersonalValues(
        member_number=member.member_number,
        pseudonym=_pseudonym(),
        names=(member.first_name, member.last_name, f"{member.first_name} {member.last_name}"),
        values=(
            *(value for value in contact if value),
            *flyer_numbers,
            *(recipient for recipient in recipients if recipient),
            *(day.isoformat() for day in dates),
        ),
    )


async def _drop_free_text(session: AsyncSession, member_id: int) -> None:
    """Text people typed about the guest cannot be scrubbed value by value: it goes."""
    await session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.member_id == member_id)
        .values(description=LedgerEntry.kind + ERASED_DESCRIPTION)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Activity)
        .where(Activity.member_id == member_id)
        .values(description="")
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(MilesTransfer)
        .where(MilesTransfer.member_id == member_id)
        .values(frequent_flyer_number=ERASED)
        .execution_options(synchronize_session=False)
    )


def _rows_of(table: Table, member_id: int) -> ColumnElement[bool] | None:
    """The rows of ``table`` that refer to the member, or None if it never does."""
    if table.name == "members":
        return None
    if table.name == "stay_revisions":
        return StayRevision.stay_id.in_(select(Stay.id).where(Stay.member_id == member_id))
    if table.name == "audit_entries":
        # What the guest did themself is logged under their guest client id.
        return or_(AuditEntry.member_id == member_id, AuditEntry.client_id == f"guest:{member_id}")
    if table.name == "idempotency_records":
        # Requests the guest sent themself; other clients' keys name no member we can find.
        return IdempotencyRecord.scope == f"guest:{member_id}"
    # Any column naming a member: a pool the member owns, a merge or transfer they took part in.
    naming = [column == member_id for column in _naming_member(table)]
    return or_(*naming) if naming else None


async def _scrub_rows(session: AsyncSession, member_id: int, personal: PersonalValues) -> None:
    """Scrubs every text and JSON column of every row that refers to the member."""
    pattern = personal.pattern()
    for table in Base.metadata.sorted_tables:
        condition = _rows_of(table, member_id)
        columns = [c for c in table.c if isinstance(c.type, String | JSON)]
        if condition is None or not columns:
            continue
        rows = await session.execute(select(table.c.id, *columns).where(condition))
        for row_id, *values in rows.all():
            changed = {
                column.name: cleaned
                for column, value in zip(columns, values, strict=True)
                if (cleaned := scrub(value, personal, pattern)) != value
            }
            if changed:
                await session.execute(update(table).where(table.c.id == row_id).values(**changed))
