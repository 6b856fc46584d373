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
from tests.e2e.test_concurrent_retries import at_once, enroll, post
from tests.support import RECORD_STAY, make_app, stay_input, with_newest_version

D = dt.date
AT_ONCE = 50
REWARD = 400
BUDGET = 25 * REWARD + 100  # 25 full rewards, one of 100, then nothing


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
        mismatched = await session.scalar(
            select(func.count())
            .select_from(Member)
            .where(
                Member.points_balance
                != select(func.coalesce(func.sum(LedgerEntry.points), 0))
                .where(LedgerEntry.member_id == Member.id)
                .scalar_subquery()
            )
        )
    assert given == spent == BUDGET
    assert mismatched == 0
