"""Whatever a property system sends about a member's stays, and in whatever order, the books
balance: the points balance is the sum of the ledger, nights and stays count where the final
state of the stays says they do, and the tier shown is the one that activity earns.

Each Hypothesis example enrolls a fresh member and plays a random sequence of stay messages
(book, check out, correct the folio, cancel, no-show, resend) on a handful of confirmation
numbers (the messages, their model and their sending are in ``tests/stay_messages.py``),
then checks the member after every message against a recomputation written here,
independent of ``staytier.domain``: only the program's numbers are borrowed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member, QualifyingCredit, StatusPeriod, Stay
from tests.stay_messages import CURRENCY, SLOTS, Model, Operation, apply, base_points, operations
from tests.support import GraphQLClient, enroll

D = dt.date
TODAY = D(2026, 3, 2)  # the test clock's date (member time zone UTC)
YEARS = (2025, 2026)

STANDING = """
query Standing($memberNumber: String!) {
  guest(memberNumber: $memberNumber) {
    tier { code validThrough }
    tierProgress { year qualifyingNights qualifyingStays qualifyingBasePoints }
    points { balance }
    ledger(first: 100) { edges { node { kind points balanceAfter } } }
  }
}
"""


@dataclass
class Totals:
    nights: int = 0
    stays: int = 0
    base_points: int = 0


def expected_totals(runtime: Runtime, model: Model) -> dict[int, Totals]:
    """Straight from the final state of the stays: only completed ones count; each night in
    its calendar year; the stay and its base points in the year of checkout."""
    totals: dict[int, Totals] = defaultdict(Totals)
    for state in model.stays.values():
        if state.status != "COMPLETED":
            continue
        folio = state.folio
        rules = runtime.rules_on(folio.checkout)
        rate = rules.rate_code(folio.rate_code)
        if rate.counts_nights:
            for offset in range(folio.nights):
                totals[(folio.arrival + dt.timedelta(days=offset)).year].nights += 1
        if rate.counts_stays:
            totals[folio.checkout.year].stays += 1
        if rate.earns_points:
            totals[folio.checkout.year].base_points += base_points(runtime, state)
    return totals


def expected_tier(runtime: Runtime, totals: dict[int, Totals]) -> tuple[str, str | None]:
    """The highest tier any path reaches in 2025 or 2026 (both still valid on 2 March 2026),
    and the last day it is held: the end of the following year plus the grace; the base tier
    (no end) when no threshold is met."""
    rules = runtime.rules_on(TODAY)
    base = min(rules.tiers, key=lambda tier: tier.rank)
    held: tuple[int, str, str | None] = (base.rank, base.code, None)
    for year in YEARS:
        rules = runtime.rules_on(D(year, 12, 31))
        have = totals[year]
        grace = dt.timedelta(days=rules.qualification.status_grace_days)
        through = (D(year + 1, 12, 31) + grace).isoformat()
        for tier in rules.tiers:
            reached = any(
                required is not None and value >= required
                for required, value in (
                    (tier.qualifying_nights, have.nights),
                    (tier.qualifying_stays, have.stays),
                    (tier.qualifying_base_points, have.base_points),
                )
            )
            if reached and (tier.rank, through) > (held[0], held[2] or ""):
                held = (tier.rank, tier.code, through)
    return held[1], held[2]


async def snapshot(runtime: Runtime, number: str) -> dict[str, Any]:
    """Everything a refused message must leave as it was, read from the tables."""
    async with runtime.db.reading() as session:
        member = await session.scalar(select(Member).where(Member.member_number == number))
        assert member is not None
        ledger = (
            await session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.member_id == member.id)
                .order_by(LedgerEntry.id)
            )
        ).all()
        qualifying = (
            await session.execute(
                select(
                    QualifyingCredit.year,
                    func.sum(QualifyingCredit.nights),
                    func.sum(QualifyingCredit.stays),
                    func.sum(QualifyingCredit.base_points),
                )
                .where(QualifyingCredit.member_id == member.id)
                .group_by(QualifyingCredit.year)
            )
        ).all()
        status = (
            await session.scalars(
                select(StatusPeriod).where(
                    StatusPeriod.member_id == member.id, StatusPeriod.revoked_at.is_(None)
                )
            )
        ).all()
        stays = (
            await session.scalars(select(Stay).where(Stay.member_id == member.id).order_by(Stay.id))
        ).all()
    return {
        "balance": member.points_balance,
        "ledger": [(e.id, e.kind, e.points, e.balance_after, e.reverses_entry_id) for e in ledger],
        "qualifying": {
            int(year): Totals(int(n or 0), int(s or 0), int(b or 0)) for year, n, s, b in qualifying
        },
        "status": sorted((p.id, p.tier_code, p.valid_through) for p in status),
        "stays": [
            (s.confirmation_number, s.status, s.arrival_date, s.departure_date, s.room_revenue)
            for s in stays
        ],
    }


async def check_books(
    runtime: Runtime, client: GraphQLClient, number: str, model: Model, state: dict[str, Any]
) -> None:
    # (a) the balance is the sum of the ledger, never negative, and every entry's
    # balance_after is the running sum in the order the entries were written.
    running = 0
    for _id, _kind, points, balance_after, _reverses in state["ledger"]:
        running += points
        assert balance_after == running
        assert balance_after >= 0
    assert state["balance"] == running >= 0

    # Points earned net of reversals are the base points of the stays that stand completed.
    kinds = {entry_id: kind for entry_id, kind, *_ in state["ledger"]}
    net_earn = sum(
        points
        for _id, kind, points, _after, reverses in state["ledger"]
        if kind == "EARN" or (kind == "REVERSAL" and kinds.get(reverses) == "EARN")
    )
    totals = expected_totals(runtime, model)
    assert net_earn == sum(t.base_points for t in totals.values())

    # (b) qualifying activity per year: 2025 from the table, 2026 as the guest sees it.
    recorded_2025 = state["qualifying"].get(2025, Totals())
    assert recorded_2025 == totals[2025]
    assert set(state["qualifying"]) <= {2025, 2026}
    shown = (await client(STANDING, memberNumber=number))["guest"]
    progress = shown["tierProgress"]
    assert progress["year"] == 2026
    assert (
        Totals(
            progress["qualifyingNights"],
            progress["qualifyingStays"],
            progress["qualifyingBasePoints"],
        )
        == totals[2026]
    )

    # The API shows the same balance and ledger as the tables.
    assert shown["points"]["balance"] == state["balance"]
    api_ledger = [
        (e["node"]["points"], e["node"]["balanceAfter"]) for e in shown["ledger"]["edges"]
    ]
    assert api_ledger == [(points, after) for _i, _k, points, after, _r in state["ledger"]][::-1]

    # (c) the tier is the one the activity of 2025 or 2026 reaches, held to the grace's end.
    code, valid_through = expected_tier(runtime, totals)
    assert shown["tier"] == {"code": code, "validThrough": valid_through}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    properties=st.lists(st.sampled_from(sorted(CURRENCY)), min_size=SLOTS, max_size=SLOTS),
    script=st.lists(operations, min_size=1, max_size=8),
)
async def test_any_sequence_of_stay_messages_keeps_points_nights_and_tier_in_step(
    runtime: Runtime, client: GraphQLClient, properties: list[str], script: list[Operation]
) -> None:
    number = await enroll(client)
    model = Model(properties=properties)
    before = await snapshot(runtime, number)
    for op in script:
        accepted = await apply(client, number, model, op)
        after = await snapshot(runtime, number)
        if not accepted:
            assert after == before, f"refused {op} changed the member's record"
        await check_books(runtime, client, number, model, after)
        before = after
