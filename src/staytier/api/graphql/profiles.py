"""Guest profiles and the front desk: the root fields of this area.

Mutations change a profile (preferences, consent, staff notes, special dates); each says who
acts through ``source`` (GUEST or STAFF), ``propertyCode`` and ``actor``. Queries: the
preference catalog, guest search and tonight's arrivals.
"""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.front_desk import Arrival, arrivals_connection, search_connection
from staytier.api.graphql.mutations import attempt
from staytier.api.graphql.permissions import (
    Authenticated,
    MemberScoped,
    OwnProperty,
    ProfileEditors,
    SpeaksForItself,
    StaffOnly,
)
from staytier.api.graphql.profile_types import (
    Consent,
    Preference,
    PreferenceCategory,
    SpecialDate,
    StaffNote,
)
from staytier.api.graphql.queries import load_guest
from staytier.api.graphql.types import Guest
from staytier.domain.preferences import PreferenceSource, SpecialDateKind
from staytier.program.catalog import ConsentPurpose
from staytier.services import profiles, special_dates
from staytier.services.profile_views import preferences_by_member
from staytier.store import models

SOURCE_HELP = "GUEST (the guest said so) or STAFF (at `propertyCode`)."


def _actor(
    source: PreferenceSource, property_code: str | None, actor: str | None
) -> profiles.Actor:
    code = property_code.strip().upper() if property_code else None
    return profiles.Actor(source=PreferenceSource(source.value), property_code=code, name=actor)


@strawberry.input
class SetPreferenceInput:
    member_number: str
    category: str = strawberry.field(description="A catalog category code, e.g. PILLOW.")
    values: list[str] = strawberry.field(
        description="The values the guest holds in it; they replace the category's values."
    )
    source: PreferenceSource = strawberry.field(
        default=PreferenceSource.GUEST, description=SOURCE_HELP
    )
    property_code: str | None = None
    actor: str | None = strawberry.field(default=None, description="Who, e.g. a staff name.")


@strawberry.type
class SetPreferencePayload:
    guest: Guest | None = None
    preferences: list[Preference] = strawberry.field(
        default_factory=list, description="The category's values as now stored."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RemovePreferenceInput:
    member_number: str
    category: str
    value: str | None = strawberry.field(
        default=None, description="One value to remove; the whole category when left out."
    )
    source: PreferenceSource = PreferenceSource.GUEST
    property_code: str | None = None
    actor: str | None = None


@strawberry.type
class RemovePreferencePayload:
    guest: Guest | None = None
    removed: list[Preference] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AddStaffNoteInput:
    member_number: str
    property_code: str
    author: str
    text: str


@strawberry.type
class AddStaffNotePayload:
    staff_note: StaffNote | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetConsentInput:
    member_number: str
    purpose: ConsentPurpose
    granted: bool = strawberry.field(description="false withdraws the consent.")
    source: PreferenceSource = PreferenceSource.GUEST
    property_code: str | None = None
    actor: str | None = None


@strawberry.type
class SetConsentPayload:
    consent: Consent | None = None
    removed_preferences: list[Preference] = strawberry.field(
        default_factory=list,
        description="Sensitive values removed because the consent was withdrawn.",
    )
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetSpecialDateInput:
    member_number: str
    kind: SpecialDateKind
    date: dt.date
    greet: bool = True
    source: PreferenceSource = PreferenceSource.GUEST
    property_code: str | None = None
    actor: str | None = None


@strawberry.input
class RemoveSpecialDateInput:
    member_number: str
    kind: SpecialDateKind
    source: PreferenceSource = PreferenceSource.GUEST
    property_code: str | None = None
    actor: str | None = None


@strawberry.type
class SpecialDatePayload:
    special_dates: list[SpecialDate] = strawberry.field(default_factory=list)
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _category_now(context: Context, member_id: int, category: str) -> list[Preference]:
    async with context.runtime.db.reading() as session:
        found = await preferences_by_member(session, [member_id], context.runtime.catalog)
    return [Preference.of(row) for row in found[member_id] if row.category == category]


async def _special_dates(context: Context, member_id: int) -> SpecialDatePayload:
    guest = await load_guest(context, member_id)
    async with context.runtime.db.reading() as session:
        rows = await session.scalars(
            select(models.SpecialDate)
            .where(models.SpecialDate.member_id == member_id)
            .order_by(models.SpecialDate.kind)
        )
        dates = [SpecialDate.of(row) for row in rows]
    return SpecialDatePayload(special_dates=dates, guest=guest)


@strawberry.type
class ProfileMutation:
    @strawberry.mutation(
        description="Sets a guest's values in one preference category.",
        extensions=[MemberScoped(ProfileEditors, SpeaksForItself)],
    )
    async def set_preference(
        self, info: Info[Context, None], input: SetPreferenceInput
    ) -> SetPreferencePayload:
        context = info.context
        actor = _actor(input.source, input.property_code, input.actor)
        result, errors = await attempt(
            profiles.set_preference(
                context.runtime, input.member_number.strip(), input.category, input.values, actor
            )
        )
        if result is None:
            return SetPreferencePayload(user_errors=errors)
        return SetPreferencePayload(
            guest=await load_guest(context, result["member_id"]),
            preferences=await _category_now(context, result["member_id"], result["category"]),
        )

    @strawberry.mutation(
        description="Removes one preference value, or a whole category.",
        extensions=[MemberScoped(ProfileEditors, SpeaksForItself)],
    )
    async def remove_preference(
        self, info: Info[Context, None], input: RemovePreferenceInput
    ) -> RemovePreferencePayload:
        context = info.context
        actor = _actor(input.source, input.property_code, input.actor)
        result, errors = await attempt(
            profiles.remove_preference(
                context.runtime, input.member_number.strip(), input.category, input.value, actor
            )
        )
        if result is None:
            return RemovePreferencePayload(user_errors=errors)
        return RemovePreferencePayload(
            guest=await load_guest(context, result["member_id"]),
            removed=[Preference.of_result(item) for item in result["removed"]],
        )

    @strawberry.mutation(
        description="Adds a staff note, with its author and property.",
        extensions=[MemberScoped(StaffOnly, OwnProperty)],
    )
    async def add_staff_note(
        self, info: Info[Context, None], input: AddStaffNoteInput
    ) -> AddStaffNotePayload:
        context = info.context
        actor = _actor(PreferenceSource.STAFF, input.property_code, input.author)
        result, errors = await attempt(
            profiles.add_staff_note(
                context.runtime, input.member_number.strip(), input.text, input.author, actor
            )
        )
        if result is None:
            return AddStaffNotePayload(user_errors=errors)
        async with context.runtime.db.reading() as session:
            note = await session.get(models.StaffNote, result["note_id"])
        assert note is not None
        guest = await load_guest(context, result["member_id"])
        return AddStaffNotePayload(staff_note=StaffNote.of(note), guest=guest)

    @strawberry.mutation(
        description="Gives or withdraws consent for a purpose; withdrawing it removes the "
        "sensitive preferences that need it at once, listed in `removedPreferences`.",
        extensions=[MemberScoped(ProfileEditors, SpeaksForItself)],
    )
    async def set_consent(
        self, info: Info[Context, None], input: SetConsentInput
    ) -> SetConsentPayload:
        context = info.context
        actor = _actor(input.source, input.property_code, input.actor)
        purpose = ConsentPurpose(input.purpose.value)
        result, errors = await attempt(
            profiles.set_consent(
                context.runtime, input.member_number.strip(), purpose, input.granted, actor
            )
        )
        if result is None:
            return SetConsentPayload(user_errors=errors)
        async with context.runtime.db.reading() as session:
            record = await session.get(models.ConsentRecord, result["consent_id"])
        assert record is not None
        return SetConsentPayload(
            consent=Consent.of(record),
            removed_preferences=[Preference.of_result(item) for item in result["removed"]],
            guest=await load_guest(context, result["member_id"]),
        )

    @strawberry.mutation(
        description="Sets the guest's birthday or anniversary.",
        extensions=[MemberScoped(ProfileEditors, SpeaksForItself)],
    )
    async def set_special_date(
        self, info: Info[Context, None], input: SetSpecialDateInput
    ) -> SpecialDatePayload:
        context = info.context
        actor = _actor(input.source, input.property_code, input.actor)
        kind = SpecialDateKind(input.kind.value)
        result, errors = await attempt(
            special_dates.set_special_date(
                context.runtime, input.member_number.strip(), kind, input.date, input.greet, actor
            )
        )
        if result is None:
            return SpecialDatePayload(user_errors=errors)
        return await _special_dates(context, result["member_id"])

    @strawberry.mutation(
        description="Removes the guest's birthday or anniversary.",
        extensions=[MemberScoped(ProfileEditors, SpeaksForItself)],
    )
    async def remove_special_date(
        self, info: Info[Context, None], input: RemoveSpecialDateInput
    ) -> SpecialDatePayload:
        context = info.context
        actor = _actor(input.source, input.property_code, input.actor)
        kind = SpecialDateKind(input.kind.value)
        result, errors = await attempt(
            special_dates.remove_special_date(
                context.runtime, input.member_number.strip(), kind, actor
            )
        )
        if result is None:
            return SpecialDatePayload(user_errors=errors)
        return await _special_dates(context, result["member_id"])


@strawberry.type
class ProfileQuery:
    @strawberry.field(
        description="The preference catalog: categories and what they accept.",
        permission_classes=[Authenticated],
    )
    def preference_catalog(self, info: Info[Context, None]) -> list[PreferenceCategory]:
        return [PreferenceCategory.of(c) for c in info.context.runtime.catalog.categories]

    @strawberry.field(
        description="Guests by member number, name (any case, accents optional, word "
        "beginnings), email or phone; exact member number and email matches first. "
        "Only the guests the caller may see.",
        permission_classes=[StaffOnly],
    )
    async def search_guests(
        self,
        info: Info[Context, None],
        query: str,
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[Guest]:  # type: ignore[type-var]
        return await search_connection(info.context, query, first, after)

    @strawberry.field(
        description="Guests arriving at a property on a date (its local date), from booked "
        "stays, with what the front desk needs tonight. A front desk: its properties only.",
        permission_classes=[StaffOnly, OwnProperty],
    )
    async def arrivals(
        self,
        info: Info[Context, None],
        property_code: str,
        date: dt.date,
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[Arrival]:
        return await arrivals_connection(info.context, property_code, date, first, after)
