"""Sweepstakes: the published commitment (seed hash), entrants and, once drawn, the seed and
winners, so anyone can re-run the draw (docs/engagement.md); the admin's draw; a guest's
own entries. Entrants are published by a pseudonymous id, never by member."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import attempt_as
from staytier.api.graphql.pagination import Page
from staytier.api.graphql.permissions import AdminOnly, Authenticated
from staytier.program import engagement as program_rules
from staytier.program.engagement import SweepstakesRule
from staytier.services import sweepstakes
from staytier.store import models


@strawberry.type(description="A free-night certificate a prize gives.")
class PrizeCertificate:
    max_category: int = strawberry.field(description="Good at hotels up to this category.")
    valid_months: int = strawberry.field(description="Usable this many months from the draw.")


@strawberry.type
class SweepstakesPrize:
    name: str
    points: int = strawberry.field(description="0 when the prize is a certificate.")
    count: int
    certificate: PrizeCertificate | None = strawberry.field(
        description="The free-night certificate each winner of this prize receives (listed "
        "in guest { certificates }, redeemed with redeemCertificate); null for points."
    )

    @classmethod
    def of(cls, prize: program_rules.SweepstakesPrize) -> SweepstakesPrize:
        award = prize.certificate
        certificate = None if award is None else copy_fields(PrizeCertificate, award)
        return copy_fields(cls, prize, certificate=certificate)


@strawberry.type(description="An entrant as published: a pseudonymous id and the entries.")
class SweepstakesEntrant:
    entrant_id: str = strawberry.field(
        description="First 16 hex digits of SHA-256(code|memberNumber); a member finds "
        "themself, nobody else can tell who it is."
    )
    entries: int


@strawberry.type
class SweepstakesWinner:
    slot: int
    entrant_id: str
    prize: str
    points: int


@strawberry.type(description="A sweepstakes: its rules, commitment, entrants and draw.")
class Sweepstakes:
    code: str
    name: str
    starts_on: dt.date
    closes_on: dt.date = strawberry.field(description="The last day activity earns entries.")
    entries_per_night: int
    max_entries_per_member: int
    prizes: list[SweepstakesPrize]
    seed_hash: str = strawberry.field(description="SHA-256 of the seed, published up front.")
    seed: str | None = strawberry.field(description="Revealed by the draw; null before.")
    entries: int = strawberry.field(description="All entries (as drawn, once drawn).")
    entrants: list[SweepstakesEntrant] = strawberry.field(
        description="Ordered by entrantId: the list the draw runs over (frozen at the draw)."
    )
    drawn_at: dt.datetime | None
    winners: list[SweepstakesWinner]

    @classmethod
    def of(
        cls,
        rule: SweepstakesRule,
        draw: models.SweepstakesDraw | None,
        live: list[SweepstakesEntrant],
    ) -> Sweepstakes:
        entrants = (
            [
                SweepstakesEntrant(entrant_id=e["entrant_id"], entries=e["entries"])
                for e in draw.entrants
            ]
            if draw is not None
            else live
        )
        return copy_fields(
            cls,
            rule,
            prizes=[SweepstakesPrize.of(p) for p in rule.prizes],
            seed=draw.seed if draw else None,
            entries=sum(e.entries for e in entrants),
            entrants=entrants,
            drawn_at=draw.drawn_at if draw else None,
            winners=[
                SweepstakesWinner(
                    slot=w["slot"], entrant_id=w["entrant_id"], prize=w["prize"], points=w["points"]
                )
                for w in (draw.winners if draw else [])
            ],
        )


@strawberry.type(description="A guest's entries in one sweepstakes.")
class SweepstakesEntries:
    code: str
    name: str
    closes_on: dt.date
    entrant_id: str
    entries: int
    prize: str | None = strawberry.field(description="The prize won; null otherwise.")


async def load_sweepstakes(context: Context, rule: SweepstakesRule) -> Sweepstakes:
    async with context.runtime.db.reading() as session:
        draws = await sweepstakes.draws_by_code(session)
        live = [] if rule.code in draws else await sweepstakes.entrants(session, rule.code)
    published = [SweepstakesEntrant(entrant_id=e.entrant_id, entries=e.entries) for e, _ in live]
    return Sweepstakes.of(rule, draws.get(rule.code), published)


async def entries_of(context: Context, member: models.Member) -> list[SweepstakesEntries]:
    async with context.runtime.db.reading() as session:
        found = await sweepstakes.member_entries(session, context.runtime, member)
    return [
        copy_fields(
            SweepstakesEntries, f, code=f.rule.code, name=f.rule.name, closes_on=f.rule.closes_on
        )
        for f in found
    ]


@strawberry.input
class DrawSweepstakesInput:
    idempotency_key: str
    code: str
    seed: str = strawberry.field(description="The secret seed whose SHA-256 was published.")


@strawberry.type
class DrawSweepstakesPayload:
    sweepstakes: Sweepstakes | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SweepstakesQuery:
    @strawberry.field(
        description="The program's sweepstakes in order of closing, with the published seed "
        "hash, the entrants and, once drawn, the seed and winners.",
        permission_classes=[Authenticated],
    )
    async def sweepstakes(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[Sweepstakes]:  # type: ignore[type-var]
        asked: Page[int] = Page.of("sweepstakes", first, after)
        offset = asked.after or 0
        rules = info.context.runtime.program.all_sweepstakes()[offset : offset + asked.size + 1]
        nodes = [
            (offset + index + 1, await load_sweepstakes(info.context, rule))
            for index, rule in enumerate(rules)
        ]
        return asked.connection(nodes, lambda n: n[0], lambda n: n[1])  # type: ignore[type-var]


@strawberry.type
class SweepstakesMutation:
    @strawberry.mutation(
        description="Administrators: reveals the seed and draws the winners, once, after "
        "entries close; prizes are credited at once.",
        permission_classes=[AdminOnly],
    )
    async def draw_sweepstakes(
        self, info: Info[Context, None], input: DrawSweepstakesInput
    ) -> DrawSweepstakesPayload:
        context = info.context
        command = sweepstakes.DrawSweepstakes(
            idempotency_key=input.idempotency_key,
            code=input.code.strip().upper(),
            seed=input.seed,
        )
        result, errors = await attempt_as(context, sweepstakes.draw_sweepstakes, command)
        if result is None:
            return DrawSweepstakesPayload(user_errors=errors)
        rule = context.runtime.program.sweepstakes(result.code)
        assert rule is not None
        return DrawSweepstakesPayload(sweepstakes=await load_sweepstakes(context, rule))
