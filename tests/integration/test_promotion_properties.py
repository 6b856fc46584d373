"""Whatever a property system sends, with a promotion running, the books balance: the
balance is the sum of the ledger, the promotion's points net of reversals are exactly what
the stays that stand completed earn under the version in force at their checkout, and the
promotion's budget row counts exactly those points.

Plays the message strategies and the stay model of ``tests/stay_messages.py``, like
``test_ledger_properties``; the expected promotion points are recomputed here from the
program's numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from staytier.program.promotions import (
    Promotion,
    PromotionEffects,
    PromotionEligibility,
    PromotionRegistration,
)
from staytier.services.runtime import Runtime
from staytier.store.models import LedgerEntry, Member, PromotionAward, PromotionBudget
from tests.stay_messages import CURRENCY, SLOTS, Model, Operation, apply, base_points, operations
from tests.support import GraphQLClient, enroll, make_app, new_key, with_newest_version

D = dt.date
NAME = "Double at Staytier"
REGISTER = """
mutation R($input: RegisterForPromotionInput!) {
  registerForPromotion(input: $input) { userErrors { code } }
}
"""
# SINMB is a "Staytier Select" hotel: outside the promotion.
STAYTIER_BRAND = {"NYCTS", "PAROP", "LONKX", "TYOGZ"}


@pytest.fixture
async def promoted(runtime: Runtime) -> AsyncIterator[tuple[Runtime, GraphQLClient]]:
    """The demo program whose 2026 version (only) doubles base points at Staytier hotels,
    for registered members, retroactively."""
    rule = Promotion(
        code="DOUBLETEST", name=NAME, starts_on=D(2025, 1, 1), ends_on=D(2026, 12, 31),
        registration=PromotionRegistration(required=True, retroactive=True),
        eligibility=PromotionEligibility(brands=["Staytier"]),
        effects=PromotionEffects(base_points_multiplier=Decimal(2)),
    )  # fmt: skip
    with_rule = with_newest_version(runtime, promotions=[rule])
    client = GraphQLClient(make_app(with_rule))
    yield with_rule, client
    await client.aclose()


def expected_promotion_points(runtime: Runtime, model: Model) -> int:
    """Base points again for each stay standing completed at a Staytier hotel whose checkout
    falls under the 2026 version (the 2025 version runs no promotion)."""
    return sum(
        base_points(runtime, state)
        for state in model.stays.values()
        if state.status == "COMPLETED"
        and state.property_code in STAYTIER_BRAND
        and state.folio.checkout >= D(2026, 1, 1)
        and runtime.rules_on(state.folio.checkout).rate_code(state.folio.rate_code).earns_points
        and runtime.rules_on(state.folio.checkout).rate_code(state.folio.rate_code).counts_nights
    )


async def books(runtime: Runtime, number: str) -> tuple[int, int, int, int, int]:
    """Balance, ledger sum, promotion points in the ledger net of reversals, in the awards,
    and in the budget row."""
    async with runtime.db.reading() as session:
        member = await session.scalar(select(Member).where(Member.member_number == number))
        assert member is not None
        entries = (
            await session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == member.id))
        ).all()
        awarded = await session.scalar(
            select(func.coalesce(func.sum(PromotionAward.points), 0)).where(
                PromotionAward.member_id == member.id
            )
        )
        spent = await session.scalar(
            select(func.coalesce(func.sum(PromotionBudget.spent_points), 0))
        )
    promotional = {e.id for e in entries if e.description.startswith(NAME)}
    in_ledger = sum(
        e.points for e in entries if e.id in promotional or e.reverses_entry_id in promotional
    )
    return (
        member.points_balance, sum(e.points for e in entries), in_ledger, int(awarded or 0),
        int(spent or 0),
    )  # fmt: skip


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    properties=st.lists(st.sampled_from(sorted(CURRENCY)), min_size=SLOTS, max_size=SLOTS),
    script=st.lists(operations, min_size=1, max_size=8),
)
async def test_any_sequence_of_stay_messages_keeps_promotion_points_in_step_with_the_stays(
    promoted: tuple[Runtime, GraphQLClient], properties: list[str], script: list[Operation]
) -> None:
    runtime, client = promoted
    number = await enroll(client)
    registered = await client(
        REGISTER,
        input={"idempotencyKey": new_key(), "memberNumber": number, "promotionCode": "DOUBLETEST"},
    )
    assert registered["registerForPromotion"]["userErrors"] == []
    model = Model(properties=properties)
    spent_before = (await books(runtime, number))[4]
    for op in script:
        await apply(client, number, model, op)
        balance, ledger_sum, in_ledger, awarded, spent = await books(runtime, number)
        assert balance == ledger_sum >= 0
        assert in_ledger == awarded == expected_promotion_points(runtime, model)
        assert spent - spent_before == awarded
