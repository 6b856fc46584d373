"""Changing a guest profile: preferences, consent and staff notes (special dates in
:mod:`services.special_dates`).

Each change is one transaction that also writes a ``profile_changes`` row saying who made it
(the guest, staff at a named property, or the stay history), so the front desk can ask what
changed since the last stay. The caller states who acts with an :class:`Actor`; access
control passes the signed-in client the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput, too_long
from staytier.domain.preferences import (
    PreferenceSource,
    category_or_error,
    checked_values,
)
from staytier.program.catalog import ConsentPurpose, PreferenceCategory
from staytier.services import audit
from staytier.services.members import member_for_update
from staytier.services.runtime import Runtime
from staytier.store.models import (
    ConsentRecord,
    Member,
    Preference,
    ProfileChange,
    StaffNote,
)
from staytier.store.queries import property_by_code

PREFERENCE, SPECIAL_DATE, CONSENT = "PREFERENCE", "SPECIAL_DATE", "CONSENT"


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the guest, staff at a property (``property_code`` required), or
    the stay history. ``name`` is the person or client, kept with the change."""

    source: PreferenceSource
    property_code: str | None = None
    name: str | None = None

    def columns(self) -> dict[str, str | None]:
        """Who made a change, as a preference, consent record or profile change keeps it."""
        return {
            "source": self.source.value,
            "property_code": self.property_code,
            "actor": self.name,
        }


@dataclass(frozen=True)
class PreferencesSet:
    """The member's values in the category just set, as now stored, in id order."""

    member_id: int
    preferences: list[Preference]


@dataclass(frozen=True)
class PreferencesRemoved:
    """The values just removed (see :func:`stored`)."""

    member_id: int
    removed: list[dict[str, object]]


@dataclass(frozen=True)
class NoteAdded:
    member_id: int
    note: StaffNote


def stored(row: Preference) -> dict[str, object]:
    """A preference as a service result (JSON-able, for payloads)."""
    return {
        "category": row.category,
        "value": row.value,
        "source": row.source,
        "property_code": row.property_code,
        "actor": row.actor,
        "confidence": row.confidence,
        "sensitive": row.sensitive,
        "recorded_at": row.recorded_at.isoformat(),
    }


async def stated_by(session: AsyncSession, actor: Actor) -> None:
    """Refuses an actor the API may not be: the stay history, or staff at no property."""
    mistakes = too_long(("actor", actor.name, 100))
    if actor.source is PreferenceSource.INFERRED:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_INPUT,
                "Inferred preferences come from stay history; state GUEST or STAFF.",
                "source",
            )
        )
    if actor.source is PreferenceSource.STAFF and not actor.property_code:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_INPUT, "Staff changes name their property.", "propertyCode"
            )
        )
    if mistakes:
        raise InvalidInput(mistakes)
    if actor.property_code and await property_by_code(session, actor.property_code) is None:
        raise BusinessRuleError(
            ErrorCode.PROPERTY_NOT_FOUND, f"No property {actor.property_code}.", "propertyCode"
        )


async def consent_in_force(session: AsyncSession, member_id: int, purpose: ConsentPurpose) -> bool:
    """Whether the member's newest consent record for ``purpose`` grants it."""
    granted: bool | None = await session.scalar(
        select(ConsentRecord.granted)
        .where(ConsentRecord.member_id == member_id, ConsentRecord.purpose == purpose.value)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    )
    return bool(granted)


async def _values_in(session: AsyncSession, member_id: int, category: str) -> list[Preference]:
    return list(
        await session.scalars(
            select(Preference)
            .where(Preference.member_id == member_id, Preference.category == category)
            .order_by(Preference.id)
        )
    )


def record_change(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    actor: Actor,
    *,
    subject: str,
    category: str,
    before: list[str],
    after: list[str],
    sensitive: bool = False,
) -> None:
    """Appends one row to the member's profile history, and one to the audit log (which
    keeps how many values a sensitive category held, never the values)."""
    audit.record(
        session,
        at=runtime.now(),
        subject=subject.lower(),
        action=category,
        member_id=member.id,
        subject_key=member.member_number,
        before=audit.values_of(before, sensitive=sensitive),
        after=audit.values_of(after, sensitive=sensitive),
    )
    session.add(
        ProfileChange(
            member_id=member.id,
            subject=subject,
            category=category,
            before=before,
            after=after,
            **actor.columns(),
            sensitive=sensitive,
            changed_at=runtime.now(),
        )
    )


async def set_preference(
    runtime: Runtime, member_number: str, category_code: str, values: list[str], actor: Actor
) -> PreferencesSet:
    """Sets the member's values in one category, replacing what it held (an inferred value
    included: a statement wins)."""
    category = category_or_error(runtime.catalog, category_code)
    cleaned = checked_values(category, values)
    async with runtime.db.transaction() as session:
        member = await member_for_update(session, member_number)
        await stated_by(session, actor)
        if category.sensitive and not await consent_in_force(
            session, member.id, category.consent_purpose
        ):
            raise BusinessRuleError(
                ErrorCode.CONSENT_REQUIRED,
                f"{category.name} is sensitive: the guest must first consent to "
                f"{category.consent_purpose.value}.",
                "category",
            )
        await replace_values(session, runtime, member, category, cleaned, actor)
        return PreferencesSet(member.id, await _values_in(session, member.id, category.code))


async def replace_values(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    category: PreferenceCategory,
    values: list[str],
    actor: Actor,
    confidence: int | None = None,
    current: list[Preference] | None = None,
) -> None:
    """Makes ``values`` the member's values in ``category``, recording the change; a call
    that would change nothing writes nothing. ``current`` are the category's rows in id
    order if the caller has just read them."""
    if current is None:
        current = await _values_in(session, member.id, category.code)
    before = [row.value for row in current]
    unchanged = before == values and all(
        row.source == actor.source.value
        and row.property_code == actor.property_code
        and row.confidence == confidence
        for row in current
    )
    if unchanged:
        return
    for row in current:
        await session.delete(row)
    await session.flush()
    for value in values:
        session.add(
            Preference(
                member_id=member.id,
                category=category.code,
                value=value,
                **actor.columns(),
                confidence=confidence,
                sensitive=category.sensitive,
                recorded_at=runtime.now(),
            )
        )
    record_change(
        session,
        runtime,
        member,
        actor,
        subject=PREFERENCE,
        category=category.code,
        before=before,
        after=values,
        sensitive=category.sensitive,
    )
    await session.flush()


async def remove_preference(
    runtime: Runtime, member_number: str, category_code: str, value: str | None, actor: Actor
) -> PreferencesRemoved:
    """Removes one value, or the whole category when ``value`` is None."""
    category = category_or_error(runtime.catalog, category_code)
    async with runtime.db.transaction() as session:
        member = await member_for_update(session, member_number)
        await stated_by(session, actor)
        current = await _values_in(session, member.id, category.code)
        wanted = value.strip().casefold() if value is not None else None
        removed = [row for row in current if wanted is None or row.value.casefold() == wanted]
        if not removed:
            raise BusinessRuleError(
                ErrorCode.PREFERENCE_NOT_FOUND,
                f"The guest holds no {category.name.lower()} preference"
                + (f" {value!r}." if value is not None else "."),
                "value" if value is not None else "category",
            )
        result = [stored(row) for row in removed]
        for row in removed:
            await session.delete(row)
        record_change(
            session,
            runtime,
            member,
            actor,
            subject=PREFERENCE,
            category=category.code,
            before=[row.value for row in current],
            after=[row.value for row in current if row not in removed],
            sensitive=category.sensitive,
        )
        return PreferencesRemoved(member.id, result)


async def add_staff_note(
    runtime: Runtime, member_number: str, text: str, author: str, actor: Actor
) -> NoteAdded:
    """Adds a staff note at ``actor.property_code``."""
    limit = runtime.catalog.staff_note_max_length
    mistakes: list[BusinessRuleError] = []
    if not text.strip():
        mistakes.append(BusinessRuleError(ErrorCode.INVALID_INPUT, "A note has text.", "text"))
    if len(text) > limit:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.NOTE_TOO_LONG, f"A note has at most {limit} characters.", "text"
            )
        )
    if not author.strip():
        mistakes.append(
            BusinessRuleError(ErrorCode.INVALID_INPUT, "A note names its author.", "author")
        )
    mistakes += too_long(("author", author, 100))
    if mistakes:
        raise InvalidInput(mistakes)
    async with runtime.db.transaction() as session:
        member = await member_for_update(session, member_number)
        await stated_by(session, actor)
        assert actor.property_code is not None
        note = StaffNote(
            member_id=member.id,
            property_code=actor.property_code,
            author=author.strip(),
            text=text.strip(),
            created_at=runtime.now(),
        )
        session.add(note)
        await session.flush()
        return NoteAdded(member.id, note)
