"""Loads the demo properties and members, through the same services as the API."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import msgspec
from sqlalchemy import select

from staytier.domain.stays import Folio, StayStatus
from staytier.services.enrollment import EnrollGuest, enroll_guest
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay, record_stay
from staytier.store.models import Member, Property


class DemoProperty(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    name: str
    brand: str
    time_zone: str
    category: int
    currency: str
    country: str = ""


class DemoStay(msgspec.Struct, forbid_unknown_fields=True):
    property: str
    confirmation: str
    days_ago: int
    nights: int
    status: str = "COMPLETED"
    rate_code: str = "BAR"
    room_revenue: Decimal = Decimal(0)
    food_and_beverage_revenue: Decimal = Decimal(0)


class DemoMember(msgspec.Struct, forbid_unknown_fields=True):
    member_number: str
    first_name: str
    last_name: str
    email: str
    time_zone: str = "UTC"
    home_property_code: str | None = None
    stays: list[DemoStay] = msgspec.field(default_factory=list)


class DemoProperties(msgspec.Struct):
    properties: list[DemoProperty]


class DemoMembers(msgspec.Struct):
    members: list[DemoMember]


@dataclass(frozen=True)
class DemoLoaded:
    properties: int
    members: int
    stays: int


def _read(path: Path, into: type[msgspec.Struct]) -> msgspec.Struct:
    return msgspec.convert(tomllib.loads(path.read_text()), into)


async def load_properties(runtime: Runtime, path: Path) -> int:
    """Inserts the properties not already present; returns how many were added."""
    document = _read(path, DemoProperties)
    assert isinstance(document, DemoProperties)
    added = 0
    async with runtime.db.transaction() as session:
        known = set(await session.scalars(select(Property.code)))
        for item in document.properties:
            if item.code not in known:
                session.add(Property(**msgspec.structs.asdict(item)))
                added += 1
    return added


async def load_demo(runtime: Runtime, directory: Path) -> DemoLoaded:
    """Loads demo properties and members; members already present are left as they are."""
    properties = await load_properties(runtime, directory / "properties.toml")
    document = _read(directory / "members.toml", DemoMembers)
    assert isinstance(document, DemoMembers)
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
                time_zone=item.time_zone,
                home_property_code=item.home_property_code,
                member_number=item.member_number,
            ),
        )
        members += 1
        for stay in item.stays:
            departure = today - dt.timedelta(days=stay.days_ago)
            await record_stay(
                runtime,
                RecordStay(
                    idempotency_key=f"demo:{stay.property}:{stay.confirmation}",
                    member_number=item.member_number,
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
            )
            stays += 1
    return DemoLoaded(properties=properties, members=members, stays=stays)
