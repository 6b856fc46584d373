"""The brand's properties: where stays happen, in which time zone, currency and category."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput, too_long
from staytier.program.loader import ProgramFileError, decode_file
from staytier.services.idempotency import FieldsReceipted, run_once_as, stored_as
from staytier.services.runtime import Runtime
from staytier.store.models import Property

CODE = re.compile(r"^[A-Z0-9]{2,16}$")
CATEGORIES = range(1, 9)


class PropertyDetails(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A property as a brand describes it (also the format of a properties file entry)."""

    code: str
    name: str
    brand: str
    time_zone: str
    category: int
    currency: str
    country: str = ""


class PropertyFile(msgspec.Struct, forbid_unknown_fields=True):
    properties: list[PropertyDetails]


def property_mistakes(
    details: PropertyDetails, currencies: frozenset[str]
) -> list[BusinessRuleError]:
    """Every reason the property cannot be registered, each naming its field."""

    def invalid(message: str, field: str) -> BusinessRuleError:
        return BusinessRuleError(ErrorCode.INVALID_INPUT, message, field)

    mistakes = too_long(("name", details.name, 200), ("brand", details.brand, 100))
    if not CODE.match(details.code):
        mistakes.append(invalid("2 to 16 upper-case letters or digits.", "code"))
    if not details.name.strip():
        mistakes.append(invalid("A name is required.", "name"))
    try:
        ZoneInfo(details.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        mistakes.append(invalid(f"Unknown time zone {details.time_zone!r}.", "timeZone"))
    if details.category not in CATEGORIES:
        mistakes.append(invalid("The category is 1 to 8.", "category"))
    if details.currency not in currencies:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.UNKNOWN_CURRENCY,
                f"No exchange rate is known for currency {details.currency!r}.",
                "currency",
            )
        )
    if details.country and not re.match(r"^[A-Z]{2}$", details.country):
        mistakes.append(invalid("A two-letter ISO country code.", "country"))
    return mistakes


async def _upsert(session: AsyncSession, details: PropertyDetails) -> tuple[Property, bool]:
    found = await session.scalar(select(Property).where(Property.code == details.code))
    created = found is None
    hotel = found or Property(code=details.code)
    for name, value in msgspec.structs.asdict(details).items():
        setattr(hotel, name, value)
    if created:
        session.add(hotel)
    await session.flush()
    return hotel, created


@dataclass(frozen=True)
class Upserted(FieldsReceipted):
    """What an upsert did: the property as written and whether it is new."""

    hotel: Property = field(metadata=stored_as("property_id"))
    created: bool


async def upsert_property(
    runtime: Runtime, details: PropertyDetails, *, scope: str = ""
) -> Upserted:
    """Registers a property, or updates the one with the same code.

    Stays keep their own currency, so a property that changes currency does not change what
    past stays earned.
    """

    async def work(session: AsyncSession) -> Upserted:
        mistakes = property_mistakes(details, runtime.rates.currencies)
        if mistakes:
            raise InvalidInput(mistakes)
        hotel, created = await _upsert(session, details)
        return Upserted(hotel, created)

    return await run_once_as(
        runtime,
        Upserted,
        operation="upsertProperty",
        key=None,
        request=details,
        work=work,
        scope=scope,
    )


@dataclass(frozen=True)
class PropertiesLoaded:
    added: int
    updated: int


def read_property_file(path: Path, currencies: frozenset[str]) -> list[PropertyDetails]:
    """Reads a properties file (TOML or JSON), refusing it whole with every mistake listed."""
    document = decode_file(path, PropertyFile)
    mistakes = [
        f"properties[{index}] ({item.code}): {mistake.field}: {mistake.message}"
        for index, item in enumerate(document.properties)
        for mistake in property_mistakes(item, currencies)
    ]
    if mistakes:
        raise ProgramFileError(path, mistakes)
    return document.properties


async def load_property_file(
    runtime: Runtime, path: Path, *, keep_existing: bool = False
) -> PropertiesLoaded:
    """Registers every property in the file in one transaction (all or none).

    With ``keep_existing`` properties already registered are left as they are (the demo
    loader uses this so it never undoes an operator's edit).
    """
    entries = read_property_file(path, runtime.rates.currencies)
    added = updated = 0
    async with runtime.db.transaction() as session:
        known = set(await session.scalars(select(Property.code)))
        for details in entries:
            if details.code in known and keep_existing:
                continue
            _, created = await _upsert(session, details)
            added += created
            updated += not created
    return PropertiesLoaded(added=added, updated=updated)


async def properties_page(
    session: AsyncSession, *, first: int, after_id: int | None
) -> list[Property]:
    """Properties in the order they were added, after ``after_id``; one more than asked."""
    query = select(Property).order_by(Property.id).limit(first + 1)
    if after_id is not None:
        query = query.where(Property.id > after_id)
    return list(await session.scalars(query))
