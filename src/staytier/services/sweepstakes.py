"""Sweepstakes: entries earned as qualifying nights are credited (and taken back with a
reversal), and the draw, which reveals the seed committed in the program file, credits
the prizes through the ledger and writes each winner's notice to the outbox.

The hooks run in the crediting transaction and cost no statement when no sweepstakes is
open on the credit's date (the program says so without a query).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.sweepstakes import (
    Entrant,
    Win,
    draw,
    entrant_id,
    entries_earned,
    open_on,
    prize_slots,
    seed_hash,
)
from staytier.program.engagement import SweepstakesPrize, SweepstakesRule
from staytier.services.certificates import SWEEPSTAKES, award_certificate
from staytier.services.guest_mail import (
    SWEEPSTAKES_WIN,
    SWEEPSTAKES_WIN_CERTIFICATE,
    enqueue_guest_mail,
)
from staytier.services.idempotency import run_command_once
from staytier.services.ledger import post_bonus
from staytier.services.runtime import Runtime
from staytier.store.deferred import add_row
from staytier.store.models import Member, SweepstakesDraw, SweepstakesEntry


def _open_rules(runtime: Runtime, day: dt.date) -> list[SweepstakesRule]:
    return [rule for rule in runtime.program.all_sweepstakes() if open_on(rule, day)]


def open_codes(runtime: Runtime, day: dt.date) -> list[str]:
    """The codes of the sweepstakes open on ``day`` (no statement)."""
    return [rule.code for rule in _open_rules(runtime, day)]


# Members' entries held in sweepstakes, as rows of (member_id, code, entries).
ENTRIES_HELD = (
    select(
        SweepstakesEntry.member_id,
        SweepstakesEntry.sweepstakes_code,
        func.sum(SweepstakesEntry.entries),
    )
    .where(
        SweepstakesEntry.member_id.in_(bindparam("member_ids", expanding=True)),
        SweepstakesEntry.sweepstakes_code.in_(bindparam("sweepstakes_codes", expanding=True)),
    )
    .group_by(SweepstakesEntry.member_id, SweepstakesEntry.sweepstakes_code)
)


def blank_entries(member_ids: Collection[int], codes: Collection[str]) -> dict[int, dict[str, int]]:
    """Each member's entries in each sweepstakes of ``codes`` before any row is read."""
    return {member_id: dict.fromkeys(codes, 0) for member_id in member_ids}


async def entries_held_by_member(
    session: AsyncSession, member_ids: Collection[int], codes: Collection[str]
) -> dict[int, dict[str, int]]:
    """Each member's entries held in each of the sweepstakes ``codes`` (zero without any),
    in one statement, for one member or a batch's."""
    found = blank_entries(member_ids, codes)
    if found and codes:
        rows = await session.execute(
            ENTRIES_HELD, {"member_ids": sorted(found), "sweepstakes_codes": sorted(set(codes))}
        )
        for member_id, code, total in rows:
            found[member_id][code] = int(total or 0)
    return found


async def earn_entries(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    *,
    credit_id: int,
    on: dt.date,
    nights: int,
    held: Mapping[str, int] | None = None,
) -> None:
    """Entries for ``nights`` qualifying nights of a credit dated ``on``, in every
    sweepstakes open that day, up to each one's cap per member. ``held`` are the member's
    entries already read in their lock (see :mod:`staytier.services.credit_reads`); a
    sweepstakes missing from them is read."""
    if nights <= 0:
        return
    for rule in _open_rules(runtime, on):
        if held is not None and rule.code in held:
            before = held[rule.code]
        else:
            before = (await entries_held_by_member(session, [member.id], [rule.code]))[member.id][
                rule.code
            ]
        earned = entries_earned(rule, nights, before)
        if earned:
            add_row(
                session,
                SweepstakesEntry,
                {
                    "sweepstakes_code": rule.code,
                    "member_id": member.id,
                    "credit_id": credit_id,
                    "entries": earned,
                    "created_at": runtime.now(),
                },
            )


async def take_back_entries(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    *,
    original_id: int,
    original_on: dt.date,
    reversal_id: int,
) -> None:
    """A reversal takes back the entries its original credit earned."""
    if not _open_rules(runtime, original_on):
        return
    rows = await session.execute(
        select(SweepstakesEntry.sweepstakes_code, func.sum(SweepstakesEntry.entries))
        .where(SweepstakesEntry.credit_id == original_id)
        .group_by(SweepstakesEntry.sweepstakes_code)
    )
    for code, entries in rows:
        if entries:
            session.add(
                SweepstakesEntry(
                    sweepstakes_code=code,
                    member_id=member.id,
                    credit_id=reversal_id,
                    entries=-int(entries),
                    created_at=runtime.now(),
                )
            )


# --- reads ------------------------------------------------------------------------------


async def entrants(session: AsyncSession, code: str) -> list[tuple[Entrant, int]]:
    """The entrants of a sweepstakes with their entries now, ordered by entrant id, each
    with the member id (never published)."""
    rows = await session.execute(
        select(Member.id, Member.member_number, func.sum(SweepstakesEntry.entries))
        .join(Member, Member.id == SweepstakesEntry.member_id)
        .where(SweepstakesEntry.sweepstakes_code == code)
        .group_by(Member.id, Member.member_number)
    )
    found = [
        (Entrant(entrant_id(code, number), int(total)), member_id)
        for member_id, number, total in rows
        if total and int(total) > 0
    ]
    return sorted(found, key=lambda pair: pair[0].entrant_id)


async def draws_by_code(session: AsyncSession) -> dict[str, SweepstakesDraw]:
    return {row.sweepstakes_code: row for row in await session.scalars(select(SweepstakesDraw))}


@dataclass(frozen=True)
class MemberEntries:
    rule: SweepstakesRule
    entrant_id: str
    entries: int
    prize: str | None


async def member_entries(
    session: AsyncSession, runtime: Runtime, member: Member
) -> list[MemberEntries]:
    """The member's entries per sweepstakes they entered, with the prize they won."""
    rows = await session.execute(
        select(SweepstakesEntry.sweepstakes_code, func.sum(SweepstakesEntry.entries))
        .where(SweepstakesEntry.member_id == member.id)
        .group_by(SweepstakesEntry.sweepstakes_code)
    )
    totals = {code: int(total or 0) for code, total in rows}
    draws = await draws_by_code(session)
    found = []
    for rule in runtime.program.all_sweepstakes():
        if rule.code not in totals:
            continue
        won = [
            w
            for w in (draws[rule.code].winners if rule.code in draws else [])
            if w["member_id"] == member.id
        ]
        found.append(
            MemberEntries(
                rule,
                entrant_id(rule.code, member.member_number),
                totals[rule.code],
                won[0]["prize"] if won else None,
            )
        )
    return found


# --- the draw ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawSweepstakes:
    idempotency_key: str
    code: str
    seed: str


class Drawn(msgspec.Struct, frozen=True):
    """Which draw drawSweepstakes wrote, of which sweepstakes."""

    draw_id: int
    code: str


async def draw_sweepstakes(
    runtime: Runtime, command: DrawSweepstakes, *, actor: str, scope: str = ""
) -> Drawn:
    """Reveals the seed (it must hash to the published ``seed_hash``), draws the winners
    from the entries as they stand, and credits each prize as a BONUS entry, all in one
    transaction, once per sweepstakes."""
    rule = runtime.program.sweepstakes(command.code)
    if rule is None:
        raise BusinessRuleError(
            ErrorCode.SWEEPSTAKES_NOT_FOUND, f"No sweepstakes {command.code}.", "code"
        )

    async def work(session: AsyncSession) -> Drawn:
        await _drawable(session, runtime, rule, command.seed)
        found = await entrants(session, rule.code)
        if not found:
            raise BusinessRuleError(
                ErrorCode.SWEEPSTAKES_NO_ENTRIES, f"{rule.code} has no entries.", "code"
            )
        member_of = {entrant.entrant_id: member_id for entrant, member_id in found}
        wins = draw(command.seed, rule.code, [e for e, _ in found], prize_slots(rule))
        winners = []
        prizes = [prize for prize in rule.prizes for _ in range(prize.count)]
        # Lock the winners in id order, so two transactions never wait on each other.
        for win in sorted(wins, key=lambda w: member_of[w.entrant_id]):
            member = await session.get(Member, member_of[win.entrant_id], with_for_update=True)
            assert member is not None
            winners.append(
                await _award_prize(session, runtime, rule, win, prizes[win.slot], member)
            )
        row = SweepstakesDraw(
            sweepstakes_code=rule.code,
            seed=command.seed,
            entrants=[{"entrant_id": e.entrant_id, "entries": e.entries} for e, _ in found],
            winners=sorted(winners, key=lambda w: w["slot"]),
            drawn_by=actor,
            drawn_at=runtime.now(),
        )
        session.add(row)
        await session.flush()
        return Drawn(draw_id=row.id, code=rule.code)

    return await run_command_once(runtime, Drawn, "drawSweepstakes", command, work, scope=scope)


async def _drawable(
    session: AsyncSession, runtime: Runtime, rule: SweepstakesRule, seed: str
) -> None:
    """Refuses a draw before the sweepstakes closed, a second draw, and a seed that does not
    hash to the one published."""
    if runtime.today() <= rule.closes_on:
        raise BusinessRuleError(
            ErrorCode.SWEEPSTAKES_NOT_CLOSED,
            f"{rule.code} takes entries through {rule.closes_on}; draw it after.",
            "code",
        )
    done = await session.scalar(
        select(SweepstakesDraw.drawn_at).where(SweepstakesDraw.sweepstakes_code == rule.code)
    )
    if done is not None:
        raise BusinessRuleError(
            ErrorCode.SWEEPSTAKES_ALREADY_DRAWN,
            f"{rule.code} was drawn at {done.isoformat()}.",
            "code",
        )
    if seed_hash(seed) != rule.seed_hash:
        raise BusinessRuleError(
            ErrorCode.SEED_MISMATCH,
            f"This seed does not hash to the published {rule.seed_hash}.",
            "seed",
        )


async def _award_prize(
    session: AsyncSession,
    runtime: Runtime,
    rule: SweepstakesRule,
    win: Win,
    prize: SweepstakesPrize,
    member: Member,
) -> dict[str, Any]:
    """Credits a slot's prize (points through the ledger, or a certificate keyed by the
    sweepstakes and slot) and writes the winner's notice; returns the winner as recorded."""
    today = local_date(runtime.clock, member.time_zone)
    key = f"sweepstakes:{rule.code}:{win.slot}"
    entry_id = certificate_id = None
    values = {"sweepstakes": rule.name, "prize": win.prize, "points": str(win.points)}
    if prize.certificate is not None:
        certificate = await award_certificate(
            session,
            runtime,
            member,
            prize.certificate,
            source=SWEEPSTAKES,
            source_key=key,
            on=today,
            description=f"{rule.name}: {win.prize}",
        )
        certificate_id = certificate.id
        values |= {
            "certificate": str(certificate.id),
            "max_category": str(certificate.max_category),
            "expires_on": certificate.expires_on.isoformat(),
        }
    else:
        entry = await post_bonus(
            session,
            runtime.clock,
            member,
            win.points,
            description=f"Sweepstakes {rule.name}: {win.prize}",
            keeps_points_alive=False,
        )
        entry_id = entry.id
    template = SWEEPSTAKES_WIN if certificate_id is None else SWEEPSTAKES_WIN_CERTIFICATE
    await enqueue_guest_mail(session, runtime, member, template=template, key=key, values=values)
    return {
        "slot": win.slot,
        "entrant_id": win.entrant_id,
        "member_id": member.id,
        "prize": win.prize,
        "points": win.points,
        "ledger_entry_id": entry_id,
        "certificate_id": certificate_id,
    }
