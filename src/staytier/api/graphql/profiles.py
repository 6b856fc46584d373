"""Guest profiles and the front desk: the root fields of this area.

Mutations change a profile (preferences, consent, staff notes, special dates); each says who
acts through ``source`` (GUEST or STAFF), ``propertyCode`` and ``actor``. Queries: the
preference catalog, guest search and tonight's arrivals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.front_desk import Arrival, arrivals_connection, search_connection
from staytier.api.graphql.mutations import MemberPayload, OfMember, attempt, member_payload
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
from staytier.api.graphql.types import Guest
from staytier.domain.preferences import PreferenceSource, SpecialDateKind
from staytier.program.catalog import ConsentPurpose
from staytier.services import consents, profiles, special_dates
from staytier.services.special_dates import SpecialDates

SOURCE_HELP = "GUEST (the guest said so) or STAFF (at `propertyCode`)."
R = TypeVar("R", bound=OfMember)
P = TypeVar("P")


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

    @classmethod
    def of(cls, done: profiles.PreferencesSet, guest: Guest | None) -> SetPreferencePayload:
        return cls(guest=guest, preferences=[Preference.of(row) for row in done.preferences])


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

    @classmethod
    def of(cls, done: profiles.PreferencesRemoved, guest: Guest | None) -> RemovePreferencePayload:
        return cls(guest=guest, removed=[Preference.of_result(item) for item in done.removed])


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

    @classmethod
    def of(cls, done: profiles.NoteAdded, guest: Guest | None) -> AddStaffNotePayload:
        return cls(staff_note=StaffNote.of(done.note), guest=guest)


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

    @classmethod
    def of(cls, done: consents.ConsentSet, guest: Guest | None) -> SetConsentPayload:
        return cls(
            consent=Consent.of(done.record),
            removed_preferences=[Preference.of_result(item) for item in done.removed],
            guest=guest,
        )


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

    @classmethod
    def of(cls, done: SpecialDates, guest: Guest | None) -> SpecialDatePayload:
        return cls(special_dates=[SpecialDate.of(row) for row in done.dates], guest=guest)


class Stated(Protocol):
    """An input naming a member and stating who acts."""

    @property
    def member_number(self) -> str: ...
    @property
    def source(self) -> PreferenceSource: ...
    @property
    def property_code(self) -> str | None: ...
    @property
    def actor(self) -> str | None: ...


async def _change(
    info: Info[Context, None],
    input: Stated,
    change: Callable[[str, profiles.Actor], Awaitable[R]],
    payload: MemberPayload[R, P],
) -> P:
    """Runs ``change`` (given a member number and who acts) on the member ``input`` names,
    as the actor it states: the ``payload`` of what it did (see :func:`member_payload`)."""
    actor = _actor(input.source, input.property_code, input.actor)
    return await member_payload(info, payload, attempt(change(input.member_number.strip(), actor)))


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
        return await _change(
            info,
            input,
            lambda number, actor: profiles.set_preference(
                context.runtime, number, input.category, input.values, actor
            ),
            SetPreferencePayload,
        )

    @strawberry.mutation(
        description="Removes one preference value, or a whole category.",
        extensions=[MemberScoped(ProfileEditors, SpeaksForItself)],
    )
    async def remove_preference(
        self, info: Info[Context, None], input: RemovePreferenceInput
    ) -> RemovePreferencePayload:
        context = info.context
        return await _change(
            info,
            input,
            lambda number, actor: profiles.remove_preference(
                context.runtime, number, input.category, input.value, actor
            ),
            RemovePreferencePayload,
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
        call = profiles.add_staff_note(
            context.runtime, input.member_number.strip(), input.text, input.author, actor
        )
        return await member_payload(info, AddStaffNotePayload, attempt(call))

    @strawberry.mutation(
        description="Gives or withdraws consent for a purpose; withdrawing it removes the "
        "sensitive preferences that need it at once, listed in `removedPreferences`.",
        extensions=[MemberScoped(ProfileEditors, SpeaksForItself)],
    )
    async def set_consent(
        self, info: Info[Context, None], input: SetConsentInput
    ) -> SetConsentPayload:
        context = info.context
        purpose = ConsentPurpose(input.purpose.value)
        return await _change(
            info,
            input,
            lambda number, actor: consents.set_consent(
                context.runtime, number, purpose, input.granted, actor
            ),
            SetConsentPayload,
        )

    @strawberry.mutation(
        description="Sets the guest's birthday or anniversary.",
        extensions=[MemberScoped(ProfileEditors, SpeaksForItself)],
    )
    async def set_special_date(
        self, info: Info[Context, None], input: SetSpecialDateInput
    ) -> SpecialDatePayload:
        context = info.context
        kind = SpecialDateKind(input.kind.value)
        return await _change(
            info,
            input,
            lambda number, actor: special_dates.set_special_date(
                context.runtime, number, kind, input.date, input.greet, actor
            ),
            SpecialDatePayload,
        )

    @strawberry.mutation(
        description="Removes the guest's birthday or anniversary.",
        extensions=[MemberScoped(ProfileEditors, SpeaksForItself)],
    )
    async def remove_special_date(
        self, info: Info[Context, None], input: RemoveSpecialDateInput
    ) -> SpecialDatePayload:
        context = info.context
        kind = SpecialDateKind(input.kind.value)
        return await _change(
            info,
            input,
            lambda number, actor: special_dates.remove_special_date(
                context.runtime, number, kind, actor
            ),
            SpecialDatePayload,
        )


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
