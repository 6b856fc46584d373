"""Referrals: a member's code, the link made at enrolment, and the reward of the friend's
first qualifying stay (see :mod:`staytier.domain.referrals`).

The friend's bonus is an entry of the stay's own credit; the referrer's is a credit of
their own (kind REFERRAL) posted in the same transaction by
:mod:`staytier.services.crediting`, which also reverses it when the friend's stay is
reversed. Locks go friend first, then referrer: a referrer enrolled before the friend, so
the chain of locks never turns back on itself.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.calendar import qualification_year
from staytier.domain.referrals import (
    ALPHABET,
    CODE_LENGTH,
    Contact,
    normalised_code,
    referral_refusal,
    referrer_points,
    stay_rewards_referral,
    window_ends_on,
)
from staytier.services.runtime import Runtime
from staytier.store.models import Credit, Member, Referral, ReferralCode


def new_referral_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


async def give_referral_code(
    session: AsyncSession, member: Member, code: str | None = None
) -> None:
    """Gives a newly enrolled member their referral code (a new one unless imported)."""
    given = normalised_code(code) if code else new_referral_code()
    session.add(ReferralCode(member_id=member.id, code=given))


async def referral_code_of(session: AsyncSession, member_id: int) -> str | None:
    code: str | None = await session.scalar(
        select(ReferralCode.code).where(ReferralCode.member_id == member_id)
    )
    return code


async def referrer_for_enrolment(
    session: AsyncSession,
    runtime: Runtime,
    code: str,
    *,
    email: str | None,
    phone_key: str | None,
    today: dt.date,
) -> Member:
    """The member whose code a new member enrols with, or the refusal (see
    :func:`staytier.domain.referrals.referral_refusal`)."""
    wanted = normalised_code(code)
    referrer = await session.scalar(
        select(Member)
        .join(ReferralCode, ReferralCode.member_id == Member.id)
        .where(ReferralCode.code == wanted, Member.erased_at.is_(None))
    )
    friend = Contact(email, phone_key)
    known = [Member.email == email] if email else []
    known += [Member.phone_key == phone_key] if phone_key else []
    already = (
        bool(known)
        and (await session.scalar(select(Member.id).where(or_(*known)).limit(1))) is not None
    )
    refusal = referral_refusal(
        runtime.rules_on(today).referrals,
        code=wanted,
        referrer=None if referrer is None else Contact(referrer.email, referrer.phone_key),
        friend=friend,
        friend_already_member=already,
    )
    if refusal is not None:
        raise refusal
    assert referrer is not None
    return referrer


def link_referral(
    session: AsyncSession, runtime: Runtime, referrer: Member, friend: Member
) -> None:
    """Records that ``friend`` enrolled with ``referrer``'s code."""
    rules = runtime.rules_on(friend.enrolled_on).referrals
    session.add(
        Referral(
            referrer_id=referrer.id,
            friend_id=friend.id,
            enrolled_on=friend.enrolled_on,
            window_ends_on=window_ends_on(rules, friend.enrolled_on),
            created_at=runtime.now(),
        )
    )


_REFERRALS_OF_FRIENDS = select(Referral).where(
    Referral.friend_id.in_(bindparam("friend_ids", expanding=True))
)


async def referrals_of_friends(
    session: AsyncSession, friend_ids: Collection[int]
) -> dict[int, Referral | None]:
    """Each friend's referral (None for a member who enrolled without a code), in one
    statement, for one member or a batch's."""
    found: dict[int, Referral | None] = dict.fromkeys(friend_ids)
    if found:
        for referral in await session.scalars(_REFERRALS_OF_FRIENDS, {"friend_ids": sorted(found)}):
            found[referral.friend_id] = referral
    return found


async def referral_due(
    session: AsyncSession, runtime: Runtime, friend: Member, *, checkout: dt.date, nights: int
) -> Referral | None:
    """The friend's referral when this stay is the one that rewards it, else None."""
    referral = (await referrals_of_friends(session, [friend.id]))[friend.id]
    return due_referral(runtime, referral, checkout=checkout, nights=nights)


def due_referral(
    runtime: Runtime, referral: Referral | None, *, checkout: dt.date, nights: int
) -> Referral | None:
    """``referral``, the friend's (as read in their lock), when this stay is the one that
    rewards it, else None."""
    if referral is None or referral.friend_credit_id is not None:
        return None
    rules = runtime.rules_on(checkout).referrals
    if not stay_rewards_referral(
        rules,
        checkout=checkout,
        enrolled_on=referral.enrolled_on,
        window_end=referral.window_ends_on,
        nights=nights,
    ):
        return None
    return referral


async def referrer_reward(
    session: AsyncSession, runtime: Runtime, referral: Referral, *, checkout: dt.date
) -> tuple[Member, int, int]:
    """The referrer (locked), their points for this referral and the qualification year it
    counts in; no points past the program's yearly limit."""
    referrer = await session.get(Member, referral.referrer_id, with_for_update=True)
    assert referrer is not None
    rules = runtime.rules_on(checkout)
    year = qualification_year(checkout, rules.qualification.year_start_month)
    rewarded = await session.scalar(
        select(func.count(Referral.id)).where(
            Referral.referrer_id == referrer.id,
            Referral.rewarded_year == year,
            Referral.referrer_credit_id.is_not(None),
        )
    )
    return referrer, referrer_points(rules.referrals, int(rewarded or 0)), year


async def referral_rewarded_by(session: AsyncSession, credit: Credit) -> Referral | None:
    """The referral the friend's stay credit ``credit`` rewarded, if any."""
    found: Referral | None = await session.scalar(
        select(Referral).where(Referral.friend_credit_id == credit.id)
    )
    return found
