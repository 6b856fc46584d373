"""Loads the demo properties and members, through the same services as the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import msgspec
from sqlalchemy import select, update

from staytier.domain.calendar import qualification_year, year_start
from staytier.domain.preferences import PreferenceSource, SpecialDateKind, occurrence
from staytier.domain.stay_ownership import SYSTEM, StayActor, StayActorKind
from staytier.domain.stays import Folio, StayStatus
from staytier.program.catalog import ConsentPurpose
from staytier.program.loader import decode_file
from staytier.services.consents import set_consent
from staytier.services.enrollment import EnrollGuest, enroll_guest
from staytier.services.profiles import Actor, add_staff_note, set_preference
from staytier.services.properties import load_property_file
from staytier.services.runtime import Runtime
from staytier.services.special_dates import set_special_date
from staytier.services.stays import RecordStay, record_stay
from staytier.store.models import Member


class DemoStay(msgspec.Struct, forbid_unknown_fields=True):
    property: str
    confirmation: str
    nights: int
    # A completed stay checks out this far (0-100) into the year so far; a booked one
    # arrives ``days_ago`` days before the load day (after it, when negative).
    percent_of_year: int = 100
    days_ago: int | None = None
    status: str = "COMPLETED"
    rate_code: str = "BAR"
    room_revenue: Decimal = Decimal(0)
    food_and_beverage_revenue: Decimal = Decimal(0)
    # The booking partner that booked this stay: it sees the guest around the stay.
    booked_by: str | None = None


class DemoPreference(msgspec.Struct, forbid_unknown_fields=True):
    category: str
    values: list[str]
    # GUEST, or STAFF at ``property`` (by ``actor``).
    source: str = "GUEST"
    property: str | None = None
    actor: str | None = None


class DemoSpecialDate(msgspec.Struct, forbid_unknown_fields=True):
    """A fixed ``date``, or one in ``year`` falling ``days_from_today`` after the load day
    (so a stay of the demo holds it whenever the demo is loaded)."""

    kind: str
    date: dt.date | None = None
    year: int | None = None
    days_from_today: int = 0
    greet: bool = True


class DemoStaffNote(msgspec.Struct, forbid_unknown_fields=True):
    property: str
    author: str
    text: str


class DemoComplaint(msgspec.Struct, forbid_unknown_fields=True):
    """A complaint about one of the member's stays; resolved (with goodwill) when a
    resolution is given, else left open for the front desk."""

    property: str
    confirmation: str
    category: str
    severity: str
    description: str
    author: str
    resolution: str | None = None
    goodwill_points: int = 0


class DemoMember(msgspec.Struct, forbid_unknown_fields=True):
    member_number: str
    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    time_zone: str = "UTC"
    home_property_code: str | None = None
    stays: list[DemoStay] = msgspec.field(default_factory=list)
    consents: list[str] = msgspec.field(default_factory=list)
    preferences: list[DemoPreference] = msgspec.field(default_factory=list)
    special_dates: list[DemoSpecialDate] = msgspec.field(default_factory=list)
    staff_notes: list[DemoStaffNote] = msgspec.field(default_factory=list)
    complaints: list[DemoComplaint] = msgspec.field(default_factory=list)
    # A fixed referral code, so the example operations can enrol a friend with it.
    referral_code: str | None = None


class DemoMembers(msgspec.Struct):
    members: list[DemoMember]


@dataclass(frozen=True)
class DemoLoaded:
    properties: int
    members: int
    stays: int


async def load_properties(runtime: Runtime, path: Path) -> int:
    """Registers the properties not already present; returns how many were added."""
    return (await load_property_file(runtime, path, keep_existing=True)).added


def _history_writer(booked_by: str | None) -> StayActor:
    """The demo writes its history as the system; a stay a partner booked is written as
    that partner's booking (it booked it before arrival, which is the past by now)."""
    if not booked_by:
        return SYSTEM
    return StayActor(StayActorKind.ADMIN, f"partner:{booked_by}", partner_code=booked_by)


def _departure(runtime: Runtime, stay: DemoStay, today: dt.date) -> dt.date:
    if stay.days_ago is not None:
        return today - dt.timedelta(days=stay.days_ago) + dt.timedelta(days=stay.nights)
    start_month = runtime.rules_on(today).qualification.year_start_month
    year_began = year_start(qualification_year(today, start_month), start_month)
    elapsed = (today - year_began).days * stay.percent_of_year // 100
    # A completed stay ends no later than its property's today, which west of UTC may
    # still be yesterday (UTC): yesterday is every property's today or earlier.
    latest = today - dt.timedelta(days=1)
    return min(latest, year_began + dt.timedelta(days=max(stay.nights, elapsed)))


async def load_demo(runtime: Runtime, directory: Path) -> DemoLoaded:
    """Loads demo properties and members; members already present are left as they are."""
    properties = await load_properties(runtime, directory / "properties.toml")
    document = decode_file(directory / "members.toml", DemoMembers)
    today = runtime.today()
    members = stays = 0
    for item in document.members:
        async with runtime.db.reading() as session:
            exists = await session.scalar(
                select(Member.id).where(Member.member_number == item.member_number)
            )
        if exists:
            continue
        await enroll_guest(
            runtime,
            EnrollGuest(
                first_name=item.first_name,
                last_name=item.last_name,
                email=item.email,
                phone=item.phone,
                time_zone=item.time_zone,
                home_property_code=item.home_property_code,
                member_number=item.member_number,
                own_referral_code=item.referral_code,
            ),
        )
        members += 1
        await _enrolled_before_stays(runtime, item, today)
        for stay in item.stays:
            departure = _departure(runtime, stay, today)
            await record_stay(
                runtime,
                RecordStay(
                    idempotency_key=f"demo:{stay.property}:{stay.confirmation}",
                    member_number=item.member_number,
                    guest_last_name=item.last_name,
                    guest_first_name=item.first_name,
                    property_code=stay.property,
                    confirmation_number=stay.confirmation,
                    status=StayStatus(stay.status),
                    folio=Folio(
                        arrival=departure - dt.timedelta(days=stay.nights),
                        departure=departure,
                        rate_code=stay.rate_code,
                        currency="",
                        room_revenue=stay.room_revenue,
                        food_and_beverage_revenue=stay.food_and_beverage_revenue,
                    ),
                ),
                actor=_history_writer(stay.booked_by),
            )
            stays += 1
        await _load_profile(runtime, item, today)
        await _load_complaints(runtime, item)
    return DemoLoaded(properties=properties, members=members, stays=stays)


async def _enrolled_before_stays(runtime: Runtime, item: DemoMember, today: dt.date) -> None:
    """Dates the member's enrolment on the arrival of their first stay: the demo writes a
    history of months in a moment, and a member who enrolled after their own stays would be
    left out of every report and what-if of a period that ended before the load day."""
    arrivals = [
        _departure(runtime, stay, today) - dt.timedelta(days=stay.nights) for stay in item.stays
    ]
    if arrivals and min(arrivals) < today:
        async with runtime.db.transaction() as session:
            await session.execute(
                update(Member)
                .where(Member.member_number == item.member_number)
                .values(enrolled_on=min(arrivals))
            )


DEMO_GUEST = "1000000032"  # Katherine Johnson, whose token the demo prints
DEMO_FRONT_DESK = "NYCTS"
DEMO_PARTNER = "DEMOBOOK"


@dataclass(frozen=True)
class DemoCredential:
    variable: str  # the shell variable the README tour uses
    label: str
    secret: str


async def demo_credentials(runtime: Runtime) -> list[DemoCredential]:
    """Development only: a fresh key for each role (the demo's earlier keys are revoked)
    and a guest token for a demo member, so the tour can show what each role sees."""
    from staytier.domain.access import Role
    from staytier.services.clients import create_client, list_clients, revoke_client
    from staytier.services.guest_sign_in import issue_token

    for client in await list_clients(runtime):
        if client.name.startswith("demo ") and client.revoked_at is None:
            await revoke_client(runtime, client.key_id)
    scopes: list[tuple[Role, list[str], str | None, str, str]] = [
        (Role.ADMIN, [], None, "ADMIN_KEY", "admin"),
        (Role.FRONT_DESK, [DEMO_FRONT_DESK], None, "FRONT_DESK_KEY", DEMO_FRONT_DESK),
        (Role.BOOKING_PARTNER, [], DEMO_PARTNER, "PARTNER_KEY", DEMO_PARTNER),
        (Role.ANALYST, [], None, "ANALYST_KEY", "analyst"),
    ]
    credentials = []
    for role, properties, partner, variable, label in scopes:
        issued = await create_client(
            runtime, role=role, name=f"demo {role.value}", properties=properties, partner=partner
        )
        credentials.append(DemoCredential(variable, f"{role.value}, {label}", issued.key))
    async with runtime.db.reading() as session:
        guest = await session.scalar(select(Member.id).where(Member.member_number == DEMO_GUEST))
    if guest is not None:
        token = issue_token(runtime, guest)
        label = f"guest {DEMO_GUEST}, until {token.expires_at:%H:%M} UTC"
        credentials.append(DemoCredential("GUEST_TOKEN", label, token.token))
    return credentials


async def _load_profile(runtime: Runtime, item: DemoMember, today: dt.date) -> None:
    """The member's consents, preferences, special dates and staff notes, through the same
    services as the API."""
    number, guest = item.member_number, Actor(PreferenceSource.GUEST, name="demo")
    for purpose in item.consents:
        await set_consent(runtime, number, ConsentPurpose(purpose), True, guest)
    for preference in item.preferences:
        actor = Actor(PreferenceSource(preference.source), preference.property, preference.actor)
        await set_preference(runtime, number, preference.category, preference.values, actor)
    for special in item.special_dates:
        on = special.date
        if on is None:
            assert special.year is not None, "give a special date a date, or a year"
            falls = today + dt.timedelta(days=special.days_from_today)
            on = occurrence(falls.month, falls.day, special.year)
        kind = SpecialDateKind(special.kind)
        await set_special_date(runtime, number, kind, on, special.greet, guest)
    for note in item.staff_notes:
        staff = Actor(PreferenceSource.STAFF, note.property, note.author)
        await add_staff_note(runtime, number, note.text, note.author, staff)


async def _load_complaints(runtime: Runtime, item: DemoMember) -> None:
    """The member's complaints, logged and resolved through the same services as the API."""
    from staytier.domain.complaints import Severity
    from staytier.services.complaints import (
        LogComplaint,
        ResolveComplaint,
        log_complaint,
        resolve_complaint,
    )

    for index, complaint in enumerate(item.complaints):
        key = f"demo:complaint:{complaint.property}:{complaint.confirmation}:{index}"
        logged = await log_complaint(
            runtime,
            LogComplaint(
                idempotency_key=key,
                property_code=complaint.property,
                confirmation_number=complaint.confirmation,
                category=complaint.category,
                severity=Severity(complaint.severity),
                description=complaint.description,
                author=complaint.author,
            ),
            actor="demo",
            properties=None,
        )
        if complaint.resolution is None:
            continue
        await resolve_complaint(
            runtime,
            ResolveComplaint(
                idempotency_key=f"{key}:resolved",
                complaint_number=logged.complaint.id,
                resolution=complaint.resolution,
                author=complaint.author,
                goodwill_points=complaint.goodwill_points,
            ),
            role="admin",
            properties=None,
        )
