"""The front desk's reads: arrivals and guest search, as Relay connections.

Every field of an :class:`Arrival` is filled from the page the service read in a fixed
number of statements; nothing here queries per row.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import strawberry
from graphql import GraphQLError
from strawberry import relay

from staytier.api.graphql.complaints import ArrivalComplaint
from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.guest_types import Guest
from staytier.api.graphql.pagination import Page
from staytier.api.graphql.profile_types import Preference, SpecialDateDuringStay, StaffNote
from staytier.api.graphql.stay_types import Stay
from staytier.api.graphql.tier_types import Benefit, GuestTier
from staytier.domain.access import Role
from staytier.domain.errors import BusinessRuleError
from staytier.services import arrivals, guest_search
from staytier.services.visibility import visible_members
from staytier.store import models


@strawberry.type(description="A guest arriving on a booked stay, with what to apply tonight.")
class Arrival(relay.Node):
    stay_id: relay.NodeID[int]
    member_number: str
    first_name: str
    last_name: str
    language: str
    tier: GuestTier = strawberry.field(description="The tier held on the arrival date.")
    privileges: list[Benefit] = strawberry.field(
        description="The tier's benefits for this stay: late checkout, upgrade, welcome gift "
        "choice, lounge, room guarantee."
    )
    preferences: list[Preference] = strawberry.field(
        description="Sensitive ones are flagged; show them only to roles that need them."
    )
    special_dates: list[SpecialDateDuringStay] = strawberry.field(
        description="Birthdays and anniversaries that fall from arrival to departure day."
    )
    staff_notes: list[StaffNote] = strawberry.field(description="The newest notes, up to 5.")
    first_stay_at_property: bool
    earlier_stays_at_property: int
    complaints: list[ArrivalComplaint] = strawberry.field(
        description="Open complaints, and those resolved recently, at any property: the "
        "category only, so this stay can make it good."
    )
    stay: Stay

    @classmethod
    def of(
        cls, arrival: arrivals.Arrival, hotel: models.Property, privileges: list[Benefit]
    ) -> Arrival:
        stay, member = arrival.stay, arrival.member
        return copy_fields(
            cls,
            member,
            stay_id=stay.id,
            tier=GuestTier.of(arrival.tier, arrival.tier_valid_through, arrival.lifetime),
            privileges=privileges,
            preferences=[Preference.of(row) for row in arrival.preferences],
            special_dates=SpecialDateDuringStay.within(
                arrival.special_dates, stay.arrival_date, stay.departure_date
            ),
            staff_notes=[StaffNote.of(row) for row in arrival.staff_notes],
            first_stay_at_property=arrival.first_stay_here,
            earlier_stays_at_property=arrival.earlier_stays_here,
            complaints=[
                ArrivalComplaint(category=c.category, open=c.open) for c in arrival.complaints
            ],
            stay=Stay.of(stay, hotel),
        )


def _refused(error: BusinessRuleError) -> GraphQLError:
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field})


async def arrivals_connection(
    context: Context, property_code: str, date: dt.date, first: int | None, after: str | None
) -> relay.Connection[Arrival]:
    code = property_code.strip().upper()
    # The cursor names its list, so one from another property or day is refused.
    kind = f"arrivals-{code}-{date.isoformat()}"
    asked: Page[int] = Page.of(kind, first, after)
    try:
        page = await arrivals.arrivals_page(
            context.runtime,
            code,
            date,
            first=asked.size,
            after_id=asked.after,
            serving_window=context.principal.role is not Role.ADMIN,
        )
    except BusinessRuleError as error:
        raise _refused(error) from error
    # Guests of one tier have the same privileges (one day, one program version): their
    # GraphQL objects are built once per tier on the page and shared.
    privileges: dict[str, list[Benefit]] = {}

    def node(arrival: arrivals.Arrival) -> Arrival:
        code = arrival.tier.code
        if code not in privileges:
            privileges[code] = [Benefit.of(granted) for granted in arrival.privileges]
        return Arrival.of(arrival, page.hotel, privileges[code])

    return asked.connection(page.arrivals, lambda a: a.stay.id, node)


def _position(text: str) -> guest_search.After:
    """A search cursor's key, ``rank.member-id`` as :func:`search_connection` wrote it;
    ``ValueError`` for anything else."""
    rank, member_id = text.split(".")
    if not (rank.isdigit() and member_id.isdigit()):
        raise ValueError(text)
    return (int(rank), int(member_id))


async def search_connection(
    context: Context, query: str, first: int | None, after: str | None
) -> relay.Connection[Guest]:  # type: ignore[type-var]
    # The cursor holds the last match's place in the ranking (keyset, not an offset), and
    # is bound to the query text.
    digest = hashlib.sha256(query.strip().casefold().encode()).hexdigest()[:12]
    asked = Page.of(f"guestSearch-{digest}", first, after, _position)
    try:
        async with context.runtime.db.reading() as session:
            matches = await guest_search.search_members(
                session,
                query,
                first=asked.size,
                after=asked.after,
                visible=visible_members(context.runtime, context.principal),
            )
    except BusinessRuleError as error:
        raise _refused(error) from error
    return asked.connection(  # type: ignore[type-var]
        matches,
        lambda m: "{}.{}".format(*m.position),
        lambda m: Guest.of(m.member),
    )
