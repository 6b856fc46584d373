"""A stay report as a booking site or a property sends it, and the checks it passes before
anything is written: the guest is the member, its fields and folio within the program's
bounds. Shared by ``recordStay`` and the night audit (:mod:`staytier.services.stays`,
:mod:`staytier.services.bulk_stays`); reads nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from staytier.clock import local_date
from staytier.domain.bounds import date_mistake
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput, too_long
from staytier.domain.stays import (
    REVENUE_FIELDS,
    Folio,
    StayStatus,
    folio_bound_mistakes,
    folio_mistakes,
)
from staytier.services.members import require_guest_name
from staytier.services.runtime import Runtime
from staytier.store.models import Member, Property

# Floors a stay may report (basements to the tallest towers).
MIN_FLOOR, MAX_FLOOR = -10, 300


@dataclass(frozen=True)
class RecordStay:
    """A booking site's or a property's report of a stay, identified by property and
    confirmation number; sending it again updates the stay. The guest's name on it must
    be the member's (see :mod:`staytier.domain.guest_names`)."""

    idempotency_key: str
    member_number: str
    property_code: str
    confirmation_number: str
    status: StayStatus
    folio: Folio
    room_type: str | None = None
    floor: int | None = None
    guest_last_name: str = field(kw_only=True)
    guest_first_name: str | None = field(default=None, kw_only=True)


def checked_report(
    runtime: Runtime, command: RecordStay, member: Member, hotel: Property
) -> RecordStay:
    """The report as it will be written (its folio in the property's currency when it names
    none), once the guest is the member and its fields and folio are within the program's
    bounds; GUEST_NAME_MISMATCH or every mistake found (:class:`InvalidInput`) otherwise.
    Reads nothing: the caller found the member and the property."""
    require_guest_name(member, command.guest_last_name, command.guest_first_name)
    report = _in_property_currency(command, hotel)
    rules = runtime.rules_on(report.folio.checkout)
    mistakes = folio_mistakes(report.folio, rules, runtime.rates.currencies)
    mistakes += too_long(
        ("confirmationNumber", report.confirmation_number, 40),
        ("rateCode", report.folio.rate_code, 40),
        ("roomType", report.room_type, 40),
    )
    if not report.confirmation_number.strip():
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_INPUT,
                "A confirmation number is required.",
                "confirmationNumber",
            )
        )
    if report.floor is not None and not MIN_FLOOR <= report.floor <= MAX_FLOOR:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_INPUT,
                f"A floor is between {MIN_FLOOR} and {MAX_FLOOR}.",
                "floor",
            )
        )
    mistakes += _bound_mistakes(runtime, hotel, report, mistakes)
    if mistakes:
        raise InvalidInput(mistakes)
    return report


def _bound_mistakes(
    runtime: Runtime, hotel: Property, report: RecordStay, found: list[BusinessRuleError]
) -> list[BusinessRuleError]:
    """The stay's dates within the program's life (a completed stay not ending after the
    property's today) and its revenue within the program's limits; the revenue is valued
    only when its amounts and currency are sound."""
    folio = report.folio
    rules = runtime.rules_on(folio.checkout)
    mistakes = [
        wrong
        for day, field in ((folio.arrival, "arrivalDate"), (folio.departure, "departureDate"))
        if (
            wrong := date_mistake(
                day,
                field,
                starts_on=runtime.program.starts_on,
                today=local_date(runtime.clock, hotel.time_zone),
                limits=rules.limits,
                not_after_today=report.status is StayStatus.COMPLETED,
            )
        )
        is not None
    ]
    money_fields = {*REVENUE_FIELDS.values(), "currency"}
    if not any(mistake.field in money_fields for mistake in found):
        rate = runtime.rates.usd_per_unit(folio.currency, folio.checkout)
        assert rate is not None
        mistakes += folio_bound_mistakes(folio, rules, rate)
    return mistakes


def _in_property_currency(command: RecordStay, hotel: Property) -> RecordStay:
    """The report with its currency set: a folio without one is in the property's."""
    if command.folio.currency:
        return command
    return replace(command, folio=replace(command.folio, currency=hotel.currency))
