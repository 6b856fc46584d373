"""Promotions through the API: a guest registers, her stays earn the promotion's reward in
the stay's own credit (reversed with it, never twice on a retry), her progress shows in
``guest { promotions }``, and every refusal is a typed userError that changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from staytier.domain.access import Role
from staytier.program.promotions import (
    Promotion,
    PromotionEffects,
    PromotionEligibility,
    PromotionLimits,
    PromotionRegistration,
    PromotionTrigger,
)
from staytier.services.runtime import Runtime
from tests.support import (
    RECORD_STAY,
    GraphQLClient,
    enroll,
    guest,
    make_app,
    new_key,
    record,
    stay_input,
    with_newest_version,
)
from tests.support import set_clock as move_clock

D = dt.date
REGISTER = """
mutation Register($input: RegisterForPromotionInput!) {
  registerForPromotion(input: $input) {
    promotion { code registeredOn mayRegister }
    userErrors { code field message }
  }
}
"""
PROMOTIONS = """
query Promotions($n: String!) {
  guest(memberNumber: $n) {
    promotions {
      code registrationRequired registrationDeadline registeredOn mayRegister available
      progress { qualifying rewards points everyNth }
    }
  }
}
"""
REQUEST = """
mutation Request($i: RequestGuestApprovalInput!) {
  requestGuestApproval(input: $i) { code userErrors { code field } }
}
"""
REPORT = """
{ programReport(from: "2026-03-01", to: "2026-03-02") { promotionPoints promotionCost } }
"""
CANCEL = """
mutation Cancel($input: CancelStayInput!) { cancelStay(input: $input) { userErrors { code } } }
"""


def register_input(number: str, code: str, **more: Any) -> dict[str, Any]:
    return {"idempotencyKey": new_key(), "memberNumber": number, "promotionCode": code, **more}


async def register(client: GraphQLClient, number: str, code: str, **more: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client(REGISTER, input=register_input(number, code, **more)))[
        "registerForPromotion"
    ]
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def promotions(client: GraphQLClient, number: str) -> dict[str, dict[str, Any]]:
    found = (await client(PROMOTIONS, n=number))["guest"]["promotions"]
    return {item["code"]: item for item in found}


def with_promotions(runtime: Runtime, *added: Promotion) -> Runtime:
    """``runtime`` whose newest program version runs only ``added``."""
    return with_newest_version(runtime, promotions=list(added))


@pytest.fixture
async def guest_app(client: GraphQLClient) -> AsyncIterator[tuple[str, GraphQLClient]]:
    number = await enroll(client, "Ada", "Promo")
    member_id = await member_id_of(client, number)
    app = await client.acting_as(Role.GUEST, member_id=member_id)
    yield number, app
    await app.aclose()


async def member_id_of(client: GraphQLClient, number: str) -> int:
    from sqlalchemy import select

    from staytier.store.models import Member

    async with client.runtime.db.reading() as session:
        found = await session.scalar(select(Member.id).where(Member.member_number == number))
    assert found is not None
    return found


def ledger_of(found: dict[str, Any]) -> list[tuple[str, int]]:
    return [(e["node"]["kind"], e["node"]["points"]) for e in found["ledger"]["edges"]]


async def test_a_registered_guest_earns_double_base_points_and_a_cancellation_takes_them_back(
    client: GraphQLClient, guest_app: tuple[str, GraphQLClient]
) -> None:
    ada, app = guest_app
    # Before registering, a stay earns base points only: the promotion asks for registration.
    before = await record(client, member_number=ada, arrival=D(2026, 2, 20), nights=1)
    assert before["guest"]["points"]["balance"] == 1_000

    registered = await register(app, ada, "doublepoints")
    assert registered["userErrors"] == []
    assert registered["promotion"]["registeredOn"] == "2026-03-02"

    fields = stay_input(ada, arrival=D(2026, 2, 28), nights=2, room="300", confirmation="P1",
                        last_name="Promo")  # fmt: skip
    first = (await client(RECORD_STAY, input=fields))["recordStay"]
    again = (await client(RECORD_STAY, input=fields))["recordStay"]
    # 300 USD: 3,000 base points and 3,000 more from the promotion; a retry adds nothing.
    assert first["guest"]["points"]["balance"] == 1_000 + 6_000
    assert again == first
    shown = await promotions(app, ada)
    assert shown["DOUBLEPOINTS"]["progress"] == {
        "qualifying": 1, "rewards": 1, "points": 3_000, "everyNth": 1,
    }  # fmt: skip
    assert ("BONUS", 3_000) in ledger_of(await guest(client, ada))
    report = (await client(REPORT))["programReport"]
    assert report["promotionPoints"] == 3_000
    assert Decimal(report["promotionCost"]) == Decimal("18.000")  # at 0.6 cents a point

    cancelled = await client(
        CANCEL, input={"idempotencyKey": new_key(), "propertyCode": "NYCTS",
                       "confirmationNumber": "P1"},
    )  # fmt: skip
    assert cancelled["cancelStay"]["userErrors"] == []
    after = await guest(client, ada)
    assert after["points"]["balance"] == 1_000
    assert (await promotions(app, ada))["DOUBLEPOINTS"]["progress"]["points"] == 0


async def test_a_stay_before_registration_does_not_count_unless_the_promotion_is_retroactive(
    client: GraphQLClient, runtime: Runtime
) -> None:
    rule = Promotion(
        code="RETRO", name="Retroactive", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31),
        registration=PromotionRegistration(required=True, retroactive=True),
        effects=PromotionEffects(points=500),
    )  # fmt: skip
    retro = GraphQLClient(make_app(with_promotions(runtime, rule)))
    ada = await enroll(retro, "Ada", "Retro")
    await register(retro, ada, "RETRO")  # an admin registers without a code (audited)
    stay = await record(retro, member_number=ada, arrival=D(2026, 2, 1), nights=1)
    assert stay["guest"]["points"]["balance"] == 1_000 + 500
    await retro.aclose()


async def test_every_second_stay_earns_points_and_an_extra_qualifying_night(
    client: GraphQLClient, guest_app: tuple[str, GraphQLClient]
) -> None:
    ada, app = guest_app
    assert (await register(app, ada, "SECONDSTAY"))["userErrors"] == []
    move_clock(client.runtime, D(2026, 3, 10))
    await record(client, member_number=ada, arrival=D(2026, 3, 5), nights=2, room="200")
    first = await guest(client, ada)
    # One night is too short to count; the second stay of two nights or more is rewarded.
    await record(client, member_number=ada, arrival=D(2026, 3, 7), nights=1, room="100")
    await record(client, member_number=ada, arrival=D(2026, 3, 8), nights=2, room="200")
    second = await guest(client, ada)

    assert first["tierProgress"]["qualifyingNights"] == 2
    assert second["tierProgress"]["qualifyingNights"] == 2 + 1 + 2 + 1
    assert second["points"]["balance"] == 2_000 + 1_000 + 2_000 + 1_000
    assert (await promotions(client, ada))["SECONDSTAY"]["progress"] == {
        "qualifying": 2, "rewards": 1, "points": 1_000, "everyNth": 2,
    }  # fmt: skip


async def test_registration_refusals_are_typed_and_change_nothing(
    client: GraphQLClient, guest_app: tuple[str, GraphQLClient]
) -> None:
    ada, app = guest_app
    assert codes(await register(app, ada, "NOSUCH")) == ["PROMOTION_NOT_FOUND"]
    assert (await register(app, ada, "DOUBLEPOINTS"))["userErrors"] == []
    twice = await register(app, ada, "DOUBLEPOINTS")
    assert codes(twice) == ["PROMOTION_ALREADY_REGISTERED"]
    assert twice["userErrors"][0]["field"] == "promotionCode"

    move_clock(client.runtime, D(2027, 12, 1))  # the day after DOUBLEPOINTS' deadline
    bob = await enroll(client, "Bob", "Late")
    assert codes(await register(client, bob, "DOUBLEPOINTS")) == ["PROMOTION_REGISTRATION_CLOSED"]
    assert codes(await register(client, bob, "SECONDSTAY")) == []  # open to its last day
    shown = await promotions(client, bob)
    assert shown["DOUBLEPOINTS"]["registeredOn"] is None
    assert shown["DOUBLEPOINTS"]["mayRegister"] is False
    assert shown["SECONDSTAY"]["registeredOn"] == "2027-12-01"


async def test_a_front_desk_registers_a_guest_only_with_her_approval(
    client: GraphQLClient, guest_app: tuple[str, GraphQLClient]
) -> None:
    ada, app = guest_app
    await record(client, member_number=ada, arrival=D(2026, 3, 10), nights=2, status="BOOKED")
    desk = await client.acting_as(Role.FRONT_DESK, properties=["NYCTS"])

    without = await register(desk, ada, "DOUBLEPOINTS")
    wrong = await register(desk, ada, "DOUBLEPOINTS", guestApproval="12345678")
    approval = (await app(REQUEST, i={"memberNumber": ada, "operation": "PROMOTION",
                                      "promotionCode": "DOUBLEPOINTS"}))  # fmt: skip
    code = approval["requestGuestApproval"]["code"]
    approved = await register(desk, ada, "DOUBLEPOINTS", guestApproval=code)

    assert codes(without) == ["GUEST_APPROVAL_REQUIRED"]
    assert codes(wrong) == ["GUEST_APPROVAL_INVALID"]
    assert approved["userErrors"] == [] and approved["promotion"]["registeredOn"] == "2026-03-02"
    await desk.aclose()


async def test_the_budget_caps_the_last_reward_and_registration_closes_when_it_is_spent(
    client: GraphQLClient, runtime: Runtime
) -> None:
    rule = Promotion(
        code="SMALLPOT", name="Small pot", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31),
        registration=PromotionRegistration(required=True),
        trigger=PromotionTrigger(kind="STAY"), effects=PromotionEffects(points=400),
        limits=PromotionLimits(budget_points=1_000),
    )  # fmt: skip
    small = GraphQLClient(make_app(with_promotions(runtime, rule)))
    ada, bob, cy = [await enroll(small, "Ada", name) for name in ("Ann", "Bee", "Cee")]
    for number in (ada, bob):
        assert (await register(small, number, "SMALLPOT"))["userErrors"] == []
    balances = []
    for _ in range(2):
        for number in (ada, bob):
            stay = await record(small, member_number=number, arrival=D(2026, 3, 1), nights=1)
            balances.append(stay["guest"]["points"]["balance"])

    # 400 + 400, then 200 (what is left), then nothing: the stays are credited all the same.
    assert balances == [1_400, 1_400, 2_600, 2_400]
    assert codes(await register(small, cy, "SMALLPOT")) == ["PROMOTION_BUDGET_EXHAUSTED"]
    shown = await promotions(small, ada)
    assert shown["SMALLPOT"]["available"] is False
    await small.aclose()


ACTIVITY = """
mutation A($input: RecordActivityInput!) {
  recordActivity(input: $input) { guest { points { balance } } userErrors { code field } }
}
"""
CERTIFICATES = """
query C($n: String!) {
  guest(memberNumber: $n) {
    tierProgress { qualifyingNights }
    certificates(first: 5) { edges { node { description milestoneNights maxCategory status } } }
  }
}
"""


async def test_card_spend_and_a_stay_earn_points_nights_and_a_certificate_from_promotions(
    client: GraphQLClient, runtime: Runtime
) -> None:
    card = Promotion(
        code="CARDSPEND", name="Card spend bonus", starts_on=D(2026, 1, 1),
        ends_on=D(2026, 12, 31),
        trigger=PromotionTrigger(kind="ACTIVITY", activity_source="COBRAND_CARD",
                                 activity_kind="SPEND"),
        effects=PromotionEffects(points_per_usd=Decimal(2)),
    )  # fmt: skip
    paris = Promotion(
        code="PARISNIGHT", name="A night in Paris", starts_on=D(2026, 1, 1),
        ends_on=D(2026, 12, 31),
        eligibility=PromotionEligibility(countries=["FR"]),
        effects=PromotionEffects(extra_qualifying_nights=2, certificate_max_category=5),
    )  # fmt: skip
    both = GraphQLClient(make_app(with_promotions(runtime, card, paris)))
    ada = await enroll(both, "Ada", "Cardholder")

    spend = {"idempotencyKey": new_key(), "memberNumber": ada, "guestLastName": "Cardholder",
             "source": "COBRAND_CARD", "kind": "SPEND", "occurredOn": "2026-02-20",
             "amount": "250.00", "currency": "USD", "points": 0}  # fmt: skip
    credited = (await both(ACTIVITY, input=spend))["recordActivity"]
    # 250 points for the spend (1 a USD) and 500 from the promotion (2 a USD).
    assert credited["userErrors"] == [] and credited["guest"]["points"]["balance"] == 750
    # A stay in New York earns neither promotion; one in Paris earns two nights and a certificate.
    await record(both, member_number=ada, arrival=D(2026, 2, 20), nights=1)
    await record(both, member_number=ada, arrival=D(2026, 2, 24), nights=1, property_code="PAROP",
                 currency="EUR")  # fmt: skip
    found = (await both(CERTIFICATES, n=ada))["guest"]
    assert found["tierProgress"]["qualifyingNights"] == 1 + 1 + 2
    assert [e["node"] for e in found["certificates"]["edges"]] == [
        {"description": "A night in Paris", "milestoneNights": 0, "maxCategory": 5,
         "status": "ISSUED"},
    ]  # fmt: skip
    await both.aclose()


CERTIFICATE_NUMBERS = """
query C($n: String!) {
  guest(memberNumber: $n) {
    points { balance }
    certificates(first: 5) { edges { node { number description status } } }
  }
}
"""
REDEEM_CERTIFICATE = """
mutation R($input: RedeemCertificateInput!) {
  redeemCertificate(input: $input) { userErrors { code field } }
}
"""


def certificates_of(found: dict[str, Any]) -> list[tuple[int, str]]:
    return sorted(
        (e["node"]["number"], e["node"]["status"]) for e in found["certificates"]["edges"]
    )


async def cancel_stay(client: GraphQLClient, property_code: str, confirmation: str) -> None:
    fields = {"idempotencyKey": new_key(), "propertyCode": property_code,
              "confirmationNumber": confirmation}  # fmt: skip
    assert (await client(CANCEL, input=fields))["cancelStay"]["userErrors"] == []


async def redeem_certificate(client: GraphQLClient, number: str, certificate: int) -> list[str]:
    fields = {"idempotencyKey": new_key(), "memberNumber": number, "certificateId": certificate,
              "propertyCode": "PAROP", "arrivalDate": "2026-04-10"}  # fmt: skip
    payload = (await client(REDEEM_CERTIFICATE, input=fields))["redeemCertificate"]
    return [error["code"] for error in payload["userErrors"]]


async def test_a_cancelled_stay_cancels_its_unused_promotion_certificate_and_a_used_one_stays(
    client: GraphQLClient, runtime: Runtime
) -> None:
    paris = Promotion(
        code="PARISNIGHT", name="A night in Paris", starts_on=D(2026, 1, 1),
        ends_on=D(2026, 12, 31), eligibility=PromotionEligibility(countries=["FR"]),
        effects=PromotionEffects(points=500, certificate_max_category=5),
    )  # fmt: skip
    app = GraphQLClient(make_app(with_promotions(runtime, paris)))
    ada = await enroll(app, "Ada", "Paris")
    for confirmation, arrival in (("PA1", D(2026, 2, 20)), ("PA2", D(2026, 2, 24))):
        await record(app, member_number=ada, arrival=arrival, nights=1, property_code="PAROP",
                     currency="EUR", confirmation=confirmation)  # fmt: skip
    assert certificates_of((await app(CERTIFICATE_NUMBERS, n=ada))["guest"]) == [
        (1, "ISSUED"), (2, "ISSUED"),
    ]  # fmt: skip
    # The second certificate pays for a night; then both stays are cancelled.
    assert await redeem_certificate(app, ada, 2) == []
    await cancel_stay(app, "PAROP", "PA1")
    await cancel_stay(app, "PAROP", "PA2")

    found = (await app(CERTIFICATE_NUMBERS, n=ada))["guest"]
    # The unused one is cancelled with its stay; the used one stays used.
    assert certificates_of(found) == [(1, "CANCELLED"), (2, "USED")]
    assert found["points"]["balance"] == 0
    assert await redeem_certificate(app, ada, 1) == ["CERTIFICATE_CANCELLED"]
    assert certificates_of((await app(CERTIFICATE_NUMBERS, n=ada))["guest"]) == [
        (1, "CANCELLED"), (2, "USED"),
    ]  # fmt: skip
    await app.aclose()


async def test_a_corrected_stay_that_still_earns_the_certificate_leaves_one_issued(
    client: GraphQLClient, runtime: Runtime
) -> None:
    paris = Promotion(
        code="PARISNIGHT", name="A night in Paris", starts_on=D(2026, 1, 1),
        ends_on=D(2026, 12, 31), eligibility=PromotionEligibility(countries=["FR"]),
        effects=PromotionEffects(certificate_max_category=5),
    )  # fmt: skip
    app = GraphQLClient(make_app(with_promotions(runtime, paris)))
    ada = await enroll(app, "Ada", "Paris")
    stay = {"member_number": ada, "arrival": D(2026, 2, 20), "nights": 1,
            "property_code": "PAROP", "currency": "EUR", "confirmation": "PC1"}  # fmt: skip
    await record(app, **stay)
    await record(app, **stay, room="180.00")  # the folio corrected: reversed and credited again

    found = certificates_of((await app(CERTIFICATE_NUMBERS, n=ada))["guest"])
    assert sorted(status for _, status in found) == ["CANCELLED", "ISSUED"]
    await app.aclose()
