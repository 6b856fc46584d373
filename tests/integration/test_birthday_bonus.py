"""The birthday bonus: the program's points on the member's birthday in their own time zone,
once a year, driven by the test clock like every date-bound job."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from staytier.services.birthdays import credit_birthdays
from staytier.services.runtime import Runtime
from staytier.store.models import JobRun
from tests.engagement_support import LEDGER, bonuses, member_born
from tests.support import GraphQLClient, move, stay_input


def birthday_runs(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in runs if r["job"] == "birthday-bonus"]


async def test_the_bonus_is_credited_on_the_birthday_once(client: GraphQLClient) -> None:
    number = await member_born(client, "1980-03-10")  # the clock stands on 2 March 2026

    assert birthday_runs(await move(client, "2026-03-09T12:00:00+00:00")) == []
    runs = birthday_runs(await move(client, "2026-03-10T06:00:00+00:00"))
    again = birthday_runs(await move(client, "2026-03-11T06:00:00+00:00"))

    assert [r["summary"] for r in runs] == [
        {"members_credited": 1, "points_credited": 500, "already_ran": False}
    ]
    assert again == []
    assert await bonuses(client, number) == [(500, "Birthday bonus 2026", "2026-03-10")]


async def test_each_member_is_credited_on_their_own_local_birthday(
    client: GraphQLClient,
) -> None:
    tokyo = await member_born(client, "1990-03-10", "Asia/Tokyo")
    los_angeles = await member_born(client, "1990-03-10", "America/Los_Angeles")

    # 10 March 00:00 UTC: 09:00 on the 10th in Tokyo, 16:00 on the 9th in Los Angeles.
    await move(client, "2026-03-10T00:30:00+00:00")
    assert [b[2] for b in await bonuses(client, tokyo)] == ["2026-03-10"]
    assert await bonuses(client, los_angeles) == []

    # 11 March 00:00 UTC: 17:00 on the 10th in Los Angeles, still her birthday.
    await move(client, "2026-03-11T00:30:00+00:00")
    assert [b[2] for b in await bonuses(client, los_angeles)] == ["2026-03-10"]
    assert len(await bonuses(client, tokyo)) == 1


async def test_a_29_february_birthday_is_celebrated_on_28_february_in_common_years(
    client: GraphQLClient,
) -> None:
    number = await member_born(client, "2004-02-29", "Europe/Paris")

    await move(client, "2027-02-28T12:00:00+00:00")
    assert [b[2] for b in await bonuses(client, number)] == ["2027-02-28"]

    await move(client, "2027-03-01T12:00:00+00:00")
    await move(client, "2028-02-28T12:00:00+00:00")
    assert len(await bonuses(client, number)) == 1  # not yet: 2028 is a leap year

    await move(client, "2028-02-29T12:00:00+00:00")
    assert [b[2] for b in await bonuses(client, number)] == ["2028-02-29", "2027-02-28"]


async def test_a_new_years_eve_birthday_across_a_jump_over_new_year(
    client: GraphQLClient,
) -> None:
    auckland = await member_born(client, "1975-12-31", "Pacific/Auckland")
    new_york = await member_born(client, "1975-01-01", "America/New_York")

    runs = await move(client, "2027-01-02T12:00:00+00:00")

    assert [b[1:] for b in await bonuses(client, auckland)] == [
        ("Birthday bonus 2026", "2026-12-31")
    ]
    assert [b[1:] for b in await bonuses(client, new_york)] == [
        ("Birthday bonus 2027", "2027-01-01")
    ]
    assert [r["job"] for r in runs] == ["birthday-bonus", "requalification", "birthday-bonus"]


async def test_a_birthday_told_after_it_passed_earns_nothing_that_year(
    client: GraphQLClient,
) -> None:
    number = await member_born(client, "1980-03-01")  # told on 2 March

    await move(client, "2026-12-31T12:00:00+00:00")
    assert await bonuses(client, number) == []

    await move(client, "2027-03-01T12:00:00+00:00")
    assert [b[2] for b in await bonuses(client, number)] == ["2027-03-01"]


async def test_rerunning_a_day_changes_nothing(runtime: Runtime, client: GraphQLClient) -> None:
    number = await member_born(client, "1980-03-10")
    await move(client, "2026-03-12T12:00:00+00:00")

    again = await credit_birthdays(runtime, dt.date(2026, 3, 10), dt.date(2026, 3, 10))
    overlapping = await credit_birthdays(runtime, dt.date(2026, 3, 9), dt.date(2026, 3, 11))

    assert again.members_credited == 0 and overlapping.members_credited == 0
    assert len(await bonuses(client, number)) == 1
    async with runtime.db.reading() as session:
        runs = await session.scalar(
            select(func.count()).select_from(JobRun).where(JobRun.job == "birthday-bonus")
        )
    assert runs == 3
    assert (await credit_birthdays(runtime, dt.date(2026, 3, 10), dt.date(2026, 3, 10))).already_ran


async def test_a_birthday_bonus_does_not_keep_points_from_expiring(
    client: GraphQLClient,
) -> None:
    number = await member_born(client, "1980-06-01")
    stayed = await client(
        RECORD, i={**stay_input(number, arrival=dt.date(2026, 3, 1), nights=1), "roomRevenue": "10"}
    )
    assert stayed["recordStay"]["userErrors"] == []  # 100 points, last activity 2 March 2026

    await move(client, "2028-03-05T12:00:00+00:00")  # birthdays in 2026 and 2027, then expiry

    data = (await client(LEDGER, n=number))["guest"]
    assert [e["node"]["kind"] for e in data["ledger"]["edges"]] == [
        "EXPIRE",
        "BONUS",
        "BONUS",
        "EARN",
    ]
    assert data["points"]["balance"] == 0


RECORD = """
mutation($i: RecordStayInput!) { recordStay(input: $i) { userErrors { code field } } }
"""
