"""mergeMembers, through the API: an administrator merges a duplicate account into the
surviving one. Stays, points (as entries), status, profile and certificates move; the old
number resolves to the survivor; the merge is reported and audited; bad requests change
nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from staytier.services.runtime import Runtime
from staytier.store.models import AuditEntry, LedgerEntry, Member, StatusPeriod
from tests.engagement_support import bonuses, member_born
from tests.privilege_support import ADJUST
from tests.sharing_support import MERGE, merge_input
from tests.support import GUEST, GraphQLClient, enroll, move, new_key, record

PROFILE = """query($n: String!) { guest(memberNumber: $n) { memberNumber
  preferences { category value }
  consents { purpose granted }
  stays(first: 20) { edges { node { confirmationNumber } } } } }"""
ME = "{ me { memberNumber points { balance } } }"
SEARCH = "query($q: String!) { searchGuests(query: $q) { edges { node { memberNumber } } } }"
ERASE = """mutation($n: String!) {
  eraseGuest(input: {memberNumber: $n, reason: "asked"}) { userErrors { code } } }"""


async def give(client: GraphQLClient, number: str, points: int) -> None:
    adjust = {"idempotencyKey": new_key(), "memberNumber": number, "points": points,
              "reason": "opening", "author": "ops"}  # fmt: skip
    assert (await client(ADJUST, input=adjust))["postPointsAdjustment"]["userErrors"] == []


async def profile(
    client: GraphQLClient, number: str, mutation: str, kind: str, **fields: Any
) -> None:
    document = f"mutation($i: {kind}!) {{ {mutation}(input: $i) {{ userErrors {{ code }} }} }}"
    answer = await client(document, i={"memberNumber": number, **fields})
    assert answer[mutation]["userErrors"] == [], answer


async def ledger_sums(runtime: Runtime) -> list[tuple[int, int]]:
    async with runtime.db.reading() as session:
        members = list(await session.scalars(select(Member).order_by(Member.id)))
        return [
            (
                member.points_balance,
                int(
                    await session.scalar(
                        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                            LedgerEntry.member_id == member.id
                        )
                    )
                    or 0
                ),
            )
            for member in members
        ]


async def test_a_duplicate_account_is_merged_into_the_survivor(
    client: GraphQLClient, runtime: Runtime
) -> None:
    survivor = await enroll(client, "Grace", "Hopper")
    duplicate = await enroll(client, "Grace", "Hopper")
    # 6 nights each, in 2026: 12 together cross nothing; 4 stays together make Silver.
    for n, number in enumerate((survivor, duplicate, survivor, duplicate)):
        await record(client, member_number=number, arrival=dt.date(2026, 1, 5 + 4 * n), nights=3)
    await give(client, duplicate, 7_000)
    await profile(client, survivor, "setPreference", "SetPreferenceInput",
                  category="PILLOW", values=["FEATHER"])  # fmt: skip
    await profile(client, duplicate, "setPreference", "SetPreferenceInput",
                  category="PILLOW", values=["MEMORY_FOAM"])  # fmt: skip
    await profile(client, duplicate, "setPreference", "SetPreferenceInput",
                  category="NEWSPAPER", values=["FINANCIAL"])  # fmt: skip
    await profile(client, duplicate, "setConsent", "SetConsentInput",
                  purpose="PERSONALISED_SERVICE", granted=True)  # fmt: skip
    await profile(client, duplicate, "setPreference", "SetPreferenceInput",
                  category="ALLERGIES", values=["peanuts"])  # fmt: skip
    before = {n: (await client(GUEST, memberNumber=n))["guest"] for n in (survivor, duplicate)}

    merged = (await client(MERGE, i=merge_input(survivor, duplicate)))["mergeMembers"]

    assert merged["userErrors"] == []
    assert before[survivor]["tier"]["code"] == before[duplicate]["tier"]["code"] == "MEMBER"
    assert merged["guest"]["tier"]["code"] == "SILVER"  # the merged year is judged again
    total = before[survivor]["points"]["balance"] + before[duplicate]["points"]["balance"]
    assert merged["guest"]["points"]["balance"] == total
    report = merged["report"]
    assert report["pointsMoved"] == before[duplicate]["points"]["balance"]
    assert report["requalifiedYears"] == [2026]
    rows = {row["table"]: (row["moved"], row["kept"]) for row in report["rows"]}
    assert rows["stays.member_id"] == (2, 0)
    assert (
        rows["preferences.member_id"][1] == 1
    )  # MEMORY_FOAM stays behind: the survivor's choice wins
    # The old number now names the survivor, with everything that moved.
    old = (await client(PROFILE, n=duplicate))["guest"]
    assert old["memberNumber"] == survivor
    assert len(old["stays"]["edges"]) == 4
    # No consent on the survivor: the allergy goes (the most restrictive consent wins).
    assert sorted((p["category"], p["value"]) for p in old["preferences"]) == [
        ("NEWSPAPER", "FINANCIAL"), ("PILLOW", "FEATHER")
    ]  # fmt: skip
    for query in (duplicate, "Hopper"):  # the desk's search finds the survivor alone
        found = await client(SEARCH, q=query)
        assert [e["node"]["memberNumber"] for e in found["searchGuests"]["edges"]] == [survivor]
    ledger = (await client(GUEST, memberNumber=duplicate))["guest"]["ledger"]["edges"]
    assert ledger[0]["node"]["kind"] == "MERGE_IN"
    sums = await ledger_sums(runtime)
    assert all(balance == ledger_sum for balance, ledger_sum in sums)
    async with runtime.db.reading() as session:
        closed = await session.scalar(select(Member).where(Member.member_number == duplicate))
        assert closed is not None and closed.points_balance == 0
        actions = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject == "member")
        )
        assert list(actions) == ["MERGE", "MERGE"]


async def test_the_old_guest_signs_in_as_the_survivor(
    client: GraphQLClient, runtime: Runtime
) -> None:
    survivor = await enroll(client, "Grace", "Hopper")
    duplicate = await enroll(client, "Grace", "Hopper")
    async with runtime.db.reading() as session:
        old_id = await session.scalar(select(Member.id).where(Member.member_number == duplicate))
    assert old_id is not None
    old_app = await client.acting_as("guest", member_id=old_id)

    await client(MERGE, i=merge_input(survivor, duplicate))
    me = (await old_app(ME))["me"]

    assert me["memberNumber"] == survivor
    await old_app.aclose()


async def test_a_retried_merge_answers_again_and_moves_nothing_twice(
    client: GraphQLClient, runtime: Runtime
) -> None:
    survivor, duplicate = await enroll(client, "Ada", "Byron"), await enroll(client, "Ada", "Byron")
    await give(client, duplicate, 5_000)
    fields = merge_input(survivor, duplicate)

    first = (await client(MERGE, i=fields))["mergeMembers"]
    again = (await client(MERGE, i=fields))["mergeMembers"]

    assert again == first and first["guest"]["points"]["balance"] == 5_000


async def test_bad_merges_are_refused_and_change_nothing(
    client: GraphQLClient, runtime: Runtime
) -> None:
    numbers = [await enroll(client, "Ada", "Byron") for _ in range(5)]
    a, b, c, d, e = numbers
    await give(client, b, 1_000)
    assert (await client(ERASE, n=e))["eraseGuest"]["userErrors"] == []
    async with runtime.db.transaction() as session:
        # Erasure replaces the number by a pseudonym, which is all an administrator has left.
        e = str(
            await session.scalar(select(Member.member_number).where(Member.erased_at.is_not(None)))
        )
        for number in (c, d):
            member = await session.scalar(select(Member).where(Member.member_number == number))
            assert member is not None
            session.add(
                StatusPeriod(
                    member_id=member.id, tier_code="GOLD", rank=2, valid_from=dt.date(2026, 1, 1),
                    valid_through=None, cause="LIFETIME", detail="Lifetime Gold",
                    created_at=runtime.now(),
                )
            )  # fmt: skip
    books = await ledger_sums(runtime)

    def refused(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
        return [(x["code"], x["field"]) for x in payload["mergeMembers"]["userErrors"]]

    assert refused(await client(MERGE, i=merge_input(a, a))) == [
        ("MERGE_INTO_SELF", "duplicateMemberNumber")
    ]
    assert refused(await client(MERGE, i=merge_input(a, e))) == [
        ("MEMBER_ERASED", "duplicateMemberNumber")
    ]
    assert refused(await client(MERGE, i=merge_input(e, a))) == [
        ("MEMBER_ERASED", "survivorMemberNumber")
    ]
    assert refused(await client(MERGE, i=merge_input(c, d))) == [
        ("LIFETIME_STATUS_CONFLICT", "duplicateMemberNumber")
    ]
    assert refused(await client(MERGE, i=merge_input(a, "0000000000"))) == [
        ("MEMBER_NOT_FOUND", "duplicateMemberNumber")
    ]
    assert refused(await client(MERGE, i={**merge_input(a, b), "reason": " "})) == [
        ("INVALID_INPUT", "reason")
    ]
    assert await ledger_sums(runtime) == books
    # One lifetime holder may absorb a duplicate, and a merged account is merged once.
    assert refused(await client(MERGE, i=merge_input(c, b))) == []
    assert refused(await client(MERGE, i=merge_input(a, b))) == [
        ("MEMBER_ALREADY_MERGED", "duplicateMemberNumber")
    ]


async def test_only_an_administrator_merges(client: GraphQLClient) -> None:
    survivor, duplicate = await enroll(client, "Ada", "Byron"), await enroll(client, "Ada", "Byron")
    desk = await client.acting_as("front_desk", properties=["NYCTS"])

    body = await desk.raw(MERGE, i=merge_input(survivor, duplicate))

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await desk.aclose()


async def test_the_survivors_birthday_is_the_one_celebrated(client: GraphQLClient) -> None:
    survivor = await member_born(client, "1980-03-20")
    duplicate = await member_born(client, "1980-03-10")  # a typo at the desk

    await client(MERGE, i=merge_input(survivor, duplicate))
    await move(client, "2026-03-11T06:00:00+00:00")
    await move(client, "2026-03-21T06:00:00+00:00")

    assert [points for points, *_ in await bonuses(client, survivor)] == [500]
    async with client.runtime.db.reading() as session:
        closed = await session.scalar(
            select(func.count(LedgerEntry.id))
            .join(Member, Member.id == LedgerEntry.member_id)
            .where(Member.merged_into_id.is_not(None))
        )
    assert closed == 0  # no bonus lands on the closed account
