"""A promotion's budget under fifty checkouts at once: against the served app, the points
given never pass the budget, the last reward gets what is left, the rest get nothing, every
stay is still credited, and every balance stays the sum of its ledger."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import func, select

from staytier.program.promotions import Promotion, PromotionEffects, PromotionLimits
from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member, PromotionAward, PromotionBudget
from tests.e2e.conftest import serving
from tests.over_the_wire import at_once, enroll, post
from tests.support import ENROLL, RECORD_STAY, make_app, stay_input, with_newest_version

D = dt.date
AT_ONCE = 50
REWARD = 400
BUDGET = 25 * REWARD + 100  # 25 full rewards, one of 100, then nothing
FRIENDS = 8
REFERRAL_CODE = "query($n: String!) { guest(memberNumber: $n) { referralCode } }"


# How many members' balances differ from the sum of their ledgers (it must be none).
UNBALANCED = (
    select(func.count())
    .select_from(Member)
    .where(
        Member.points_balance
        != select(func.coalesce(func.sum(LedgerEntry.points), 0))
        .where(LedgerEntry.member_id == Member.id)
        .scalar_subquery()
    )
)


def with_budgeted_promotion(runtime: Runtime) -> Runtime:
    rule = Promotion(
        code="RUSH", name="Checkout rush", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31),
        effects=PromotionEffects(points=REWARD), limits=PromotionLimits(budget_points=BUDGET),
    )  # fmt: skip
    return with_newest_version(runtime, promotions=[rule])


async def test_fifty_checkouts_at_once_never_spend_more_than_the_budget(runtime: Runtime) -> None:
    async with (
        serving(make_app(with_budgeted_promotion(runtime))) as url,
        httpx.AsyncClient(base_url=url, timeout=300) as http,
    ):
        numbers = [await enroll(http) for _ in range(AT_ONCE)]
        stays = [
            stay_input(number, arrival=D(2026, 2, 20), nights=1, room="100") for number in numbers
        ]
        bodies = await at_once(*(post(http, RECORD_STAY, input=fields) for fields in stays))

    payloads = [body["data"]["recordStay"] for body in bodies]
    assert all(p["userErrors"] == [] and p["stay"]["status"] == "COMPLETED" for p in payloads)
    bonuses = sorted(p["guest"]["points"]["balance"] - 1_000 for p in payloads)
    assert bonuses == [0] * 24 + [100] + [REWARD] * 25
    async with runtime.db.reading() as session:
        given = await session.scalar(select(func.sum(PromotionAward.points)))
        spent = await session.scalar(select(PromotionBudget.spent_points))
        mismatched = await session.scalar(UNBALANCED)
    assert given == spent == BUDGET
    assert mismatched == 0


async def test_friends_first_stays_and_the_referrers_own_at_once_all_go_through(
    runtime: Runtime,
) -> None:
    """A friend's first stay locks the friend, then the referrer, then the budget; the
    referrer's own stay locks the referrer, then the budget: together they never deadlock."""
    rule = Promotion(
        code="RUSH", name="Checkout rush", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31),
        effects=PromotionEffects(points=REWARD),
    )  # fmt: skip
    async with (
        serving(make_app(with_newest_version(runtime, promotions=[rule]))) as url,
        httpx.AsyncClient(base_url=url, timeout=300) as http,
    ):
        rita = await enroll(http, "rita@example.com")
        code = (await post(http, REFERRAL_CODE, n=rita))["data"]["guest"]["referralCode"]
        friends = []
        for index in range(FRIENDS):
            fields = {"firstName": "Fay", "lastName": "Guest", "referralCode": code,
                      "email": f"friend{index}@example.com"}  # fmt: skip
            body = await post(http, ENROLL, input=fields)
            friends.append(body["data"]["enrollGuest"]["guest"]["memberNumber"])
        stays = [stay_input(n, arrival=D(2026, 3, 1), nights=1) for n in [*friends, rita]]
        stays += [stay_input(rita, arrival=D(2026, 2, 20 + i), nights=1) for i in range(2)]
        bodies = await at_once(*(post(http, RECORD_STAY, input=fields) for fields in stays))

    assert all(body["data"]["recordStay"]["userErrors"] == [] for body in bodies)
    async with runtime.db.reading() as session:
        member = await session.scalar(select(Member).where(Member.member_number == rita))
        assert member is not None
        ledger = await session.scalar(
            select(func.sum(LedgerEntry.points)).where(LedgerEntry.member_id == member.id)
        )
    # Three stays of 1,000 base points and the promotion's 400 each (too few for Silver),
    # and five friends of 2,000 each (the demo's yearly limit).
    assert member.points_balance == ledger == 3 * (1_000 + REWARD) + 5 * 2_000


RECORD_STAYS = """
mutation($input: RecordStaysInput!) {
  recordStays(input: $input) { credited refused userErrors { code } }
}
"""


async def test_night_audits_and_checkouts_at_once_never_spend_more_than_the_budget(
    runtime: Runtime,
) -> None:
    """Two night audits of 20 stays each and ten single checkouts at once: a batch holds the
    budget row it locked and adds its spending once at the end (services/promotions.py,
    HeldBudgets), so the rewards, the row and the ledger must still agree."""
    async with (
        serving(make_app(with_budgeted_promotion(runtime))) as url,
        httpx.AsyncClient(base_url=url, timeout=300) as http,
    ):
        numbers = [await enroll(http) for _ in range(AT_ONCE)]
        stays = [
            stay_input(number, arrival=D(2026, 2, 20), nights=1, room="100") for number in numbers
        ]
        audits = [
            post(http, RECORD_STAYS, input={"idempotencyKey": f"audit-{i}", "stays": part})
            for i, part in enumerate((stays[:20], stays[20:40]))
        ]
        singles = [post(http, RECORD_STAY, input=fields) for fields in stays[40:]]
        bodies = await at_once(*audits, *singles)

    for audit in bodies[:2]:
        assert audit["data"]["recordStays"] == {"credited": 20, "refused": 0, "userErrors": []}
    assert all(body["data"]["recordStay"]["userErrors"] == [] for body in bodies[2:])
    async with runtime.db.reading() as session:
        awards = list(await session.scalars(select(PromotionAward.points)))
        spent = await session.scalar(select(PromotionBudget.spent_points))
        mismatched = await session.scalar(UNBALANCED)
    # Fifty stays want 20,000 points of a 10,100-point budget: 25 full rewards, one of what
    # is left, and nothing for the rest, whichever of the three writers came first.
    assert sorted(awards) == [0] * 24 + [100] + [REWARD] * 25
    assert sum(awards) == spent == BUDGET
    assert mismatched == 0
