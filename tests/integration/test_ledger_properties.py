"""Whatever a property system sends about a member's stays, and in whatever order, the books
balance: the points balance is the sum of the ledger, nights and stays count where the final
state of the stays says they do, and the tier shown is the one that activity earns.

Each Hypothesis example enrolls a fresh member and plays a random sequence of stay messages
(book, check out, correct the folio, cancel, no-show, resend) on a handful of confirmation
numbers, then checks the member after every message against a recomputation written here,
independent of ``staytier.domain``: only the program's numbers are borrowed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member, QualifyingCredit, StatusPeriod, Stay
from tests.support import RECORD_STAY, GraphQLClient, enroll, new_key, stay_input

D = dt.date
TODAY = D(2026, 3, 2)  # the test clock's date (member time zone UTC)
CURRENCY = {"NYCTS": "USD", "PAROP": "EUR", "LONKX": "GBP", "TYOGZ": "JPY", "SINMB": "SGD"}
RATE_CODES = ("BAR", "STAFF", "AWARD")
SLOTS = 3  # confirmation numbers per example: few enough that messages collide often
YEARS = (2025, 2026)

CANCEL_STAY = """
mutation Cancel($input: CancelStayInput!) {
  cancelStay(input: $input) {
    stay { status }
    userErrors { code field message }
  }
}
"""

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


# --- what a property system may send -------------------------------------------------------


@dataclass(frozen=True)
class Folio:
    arrival: dt.date
    nights: int
    rate_code: str
    room: Decimal
    fb: Decimal

    @property
    def checkout(self) -> dt.date:
        return self.arrival + dt.timedelta(days=self.nights)


@dataclass(frozen=True)
class Record:
    """recordStay with a status and a folio (a new folio on a completed stay corrects it)."""

    slot: int
    status: str
    folio: Folio


@dataclass(frozen=True)
class Resend:
    """recordStay again with the stay's current status and folio, under a new key."""

    slot: int


@dataclass(frozen=True)
class Cancel:
    """cancelStay: before arrival, or a late cancellation of a completed stay."""

    slot: int


Operation = Record | Resend | Cancel

money = st.integers(min_value=0, max_value=300_000).map(lambda cents: Decimal(cents) / 100)
folios = st.builds(
    Folio,
    # Completed stays end by the test clock's day (2 March): arrivals up to 15 nights before.
    arrival=st.dates(min_value=D(2025, 12, 1), max_value=D(2026, 2, 14)),
    nights=st.integers(min_value=1, max_value=15),
    rate_code=st.sampled_from(RATE_CODES),
    room=money,
    fb=st.integers(min_value=0, max_value=30_000).map(lambda cents: Decimal(cents) / 100),
)
slots = st.integers(min_value=0, max_value=SLOTS - 1)


def operation(kind: str) -> st.SearchStrategy[Operation]:
    if kind == "RESEND":
        return st.builds(Resend, slot=slots)
    if kind == "CANCEL":
        return st.builds(Cancel, slot=slots)
    return st.builds(Record, slot=slots, status=st.just(kind), folio=folios)


# Checkouts (so corrections too) and cancellations come up more often than the rest, so that
# credits are often taken back again and revoke the status they had earned.
KINDS = ["BOOKED", "COMPLETED", "COMPLETED", "COMPLETED", "CANCELLED", "NO_SHOW", "RESEND"]
operations = st.sampled_from([*KINDS, "CANCEL", "CANCEL"]).flatmap(operation)


# --- the model: the stays as the property system last successfully sent them ---------------


@dataclass
class StayState:
    property_code: str
    status: str
    folio: Folio


@dataclass
class Model:
    properties: list[str]
    stays: dict[int, StayState] = field(default_factory=dict)


# A stay only moves forward; None: the trade does not say, either answer is acceptable.
def transition_allowed(current: str | None, new: str) -> bool | None:
    if current is None or current == "BOOKED":
        return True
    if current == "COMPLETED":
        return new in ("COMPLETED", "CANCELLED")
    if current == new or (current, new) == ("NO_SHOW", "CANCELLED"):
        return None
    return False


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


def base_points(runtime: Runtime, state: StayState) -> int:
    folio = state.folio
    rules = runtime.rules_on(folio.checkout)
    lines = {"room": folio.room, "food_and_beverage": folio.fb, "other": Decimal(0)}
    local = sum((lines[line] for line in rules.earning.eligible_revenue), Decimal(0))
    rate = runtime.rates.usd_per_unit(CURRENCY[state.property_code], folio.checkout)
    assert rate is not None
    usd = (local * rate).quantize(Decimal("0.01"))
    return int((usd * rules.earning.base_points_per_usd).to_integral_value(ROUND_FLOOR))


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


# --- talking to the service ----------------------------------------------------------------


def confirmation(number: str, slot: int) -> str:
    return f"{number}-{slot}"


def record_input(number: str, model: Model, slot: int, status: str, folio: Folio) -> dict[str, Any]:
    return stay_input(
        number,
        confirmation=confirmation(number, slot),
        property_code=model.properties[slot],
        status=status,
        arrival=folio.arrival,
        nights=folio.nights,
        rate_code=folio.rate_code,
        room=str(folio.room),
        fb=str(folio.fb),
    )


async def apply(client: GraphQLClient, number: str, model: Model, op: Operation) -> bool:
    """Sends ``op``; checks it was accepted or refused as the trade expects, updates the
    model when it was accepted, and says whether it was."""
    current = model.stays.get(op.slot)
    if isinstance(op, Cancel):
        data = await client(
            CANCEL_STAY,
            input={
                "idempotencyKey": new_key(),
                "propertyCode": model.properties[op.slot],
                "confirmationNumber": confirmation(number, op.slot),
            },
        )
        payload = data["cancelStay"]
        codes = [e["code"] for e in payload["userErrors"]]
        if current is None:
            assert codes == ["STAY_NOT_FOUND"], payload
            return False
        status, folio = "CANCELLED", current.folio
    else:
        if isinstance(op, Resend):
            if current is None:
                return False  # nothing to resend
            status, folio = current.status, current.folio
        else:
            status, folio = op.status, op.folio
        fields = record_input(number, model, op.slot, status, folio)
        payload = (await client(RECORD_STAY, input=fields))["recordStay"]
        codes = [e["code"] for e in payload["userErrors"]]
    allowed = transition_allowed(current.status if current else None, status)
    accepted = codes == []
    if allowed is not None:
        assert accepted == allowed, (current, status, payload)
    if not accepted:
        assert codes == ["INVALID_STATUS_TRANSITION"], payload
        assert payload["stay"] is None
        return False
    assert payload["stay"]["status"] == status
    model.stays[op.slot] = StayState(model.properties[op.slot], status, folio)
    return True


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
