"""Enrolling guests as members."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput, too_long
from staytier.domain.preferences import phone_key, search_terms
from staytier.services.idempotency import run_command_once
from staytier.services.referrals import give_referral_code, link_referral, referrer_for_enrolment
from staytier.services.runtime import Runtime
from staytier.store.models import Member, MemberSearchTerm
from staytier.store.queries import property_by_code

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class EnrollGuest:
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    language: str = "en"
    time_zone: str = "UTC"
    home_property_code: str | None = None
    idempotency_key: str | None = None
    # Set only when importing members who already hold a card; otherwise one is issued.
    member_number: str | None = None
    # A member's referral code the guest enrols with (see docs/promotions.md).
    referral_code: str | None = None
    # Set only when importing members who already hand out a referral code.
    own_referral_code: str | None = None


def member_number_with_check_digit(body: str) -> str:
    """Appends a Luhn check digit, so a mistyped member number is caught at the desk."""
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return body + str((10 - total % 10) % 10)


def new_member_number() -> str:
    return member_number_with_check_digit(str(secrets.randbelow(9 * 10**8) + 10**8))


def enrollment_mistakes(command: EnrollGuest) -> list[BusinessRuleError]:
    mistakes = [
        BusinessRuleError(
            ErrorCode.INVALID_INPUT, f"{label} is required (at most 100 characters).", field
        )
        for field, label, value in (
            ("firstName", "A first name", command.first_name),
            ("lastName", "A last name", command.last_name),
        )
        if not value.strip() or len(value) > 100
    ]
    if command.email is not None and not EMAIL.match(command.email):
        mistakes.append(
            BusinessRuleError(ErrorCode.INVALID_INPUT, "Not an email address.", "email")
        )
    if not LANGUAGE.match(command.language):
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_INPUT, "Use a language tag such as 'en' or 'pt-BR'.", "language"
            )
        )
    mistakes += too_long(
        ("email", command.email, 254),
        ("phone", command.phone, 32),
        ("language", command.language, 16),
        ("timeZone", command.time_zone, 64),
        ("referralCode", command.referral_code, 40),
    )
    number = command.member_number
    if number is not None and (
        not number.isdigit() or member_number_with_check_digit(number[:-1]) != number
    ):
        mistakes.append(
            BusinessRuleError(ErrorCode.INVALID_INPUT, "Not a valid member number.", "memberNumber")
        )
    try:
        ZoneInfo(command.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_INPUT, f"Unknown time zone {command.time_zone!r}.", "timeZone"
            )
        )
    return mistakes


class Enrolled(msgspec.Struct, frozen=True):
    """Who enrollGuest created."""

    member_id: int


async def enroll_guest(runtime: Runtime, command: EnrollGuest, *, scope: str = "") -> Enrolled:
    """Creates a member at the base tier with a new member number."""

    async def work(session: AsyncSession) -> Enrolled:
        mistakes = enrollment_mistakes(command)
        if mistakes:
            raise InvalidInput(mistakes)
        email = command.email.strip().lower() if command.email else None
        enrolled_on = local_date(runtime.clock, command.time_zone)
        referrer = (
            await referrer_for_enrolment(
                session,
                runtime,
                command.referral_code,
                email=email,
                phone_key=phone_key(command.phone),
                today=enrolled_on,
            )
            if command.referral_code and command.referral_code.strip()
            else None
        )
        if email and await session.scalar(select(Member.id).where(Member.email == email)):
            raise BusinessRuleError(
                ErrorCode.EMAIL_ALREADY_ENROLLED,
                "A member with this email already exists.",
                "email",
            )
        home = command.home_property_code
        if home is not None and await property_by_code(session, home) is None:
            raise BusinessRuleError(
                ErrorCode.PROPERTY_NOT_FOUND, f"No property {home}.", "homePropertyCode"
            )
        member = Member(
            member_number=command.member_number or new_member_number(),
            first_name=command.first_name.strip(),
            last_name=command.last_name.strip(),
            email=email,
            phone=command.phone,
            phone_key=phone_key(command.phone),
            language=command.language,
            time_zone=command.time_zone,
            home_property_code=home,
            enrolled_on=enrolled_on,
            points_balance=0,
            created_at=runtime.now(),
        )
        session.add(member)
        await session.flush()
        session.add_all(
            MemberSearchTerm(member_id=member.id, term=term[:100])
            for term in sorted(search_terms(member.first_name, member.last_name))
        )
        await give_referral_code(session, member, command.own_referral_code)
        if referrer is not None:
            link_referral(session, runtime, referrer, member)
        await session.flush()
        return Enrolled(member_id=member.id)

    return await run_command_once(runtime, Enrolled, "enrollGuest", command, work, scope=scope)
