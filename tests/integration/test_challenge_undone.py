"""A challenge met and then undone: when the nights that met it are taken back (a stay
cancelled or corrected after checkout) and its nights within its days fall short, the
earned status goes: back to the trial while the days run, lapsed after them, with the
cause in ``tierHistory``. A correction that keeps the nights takes nothing back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from freezegun import freeze_time
from sqlalchemy import select

from staytier.services.runtime import Runtime
from staytier.store.models import StatusGrant
from tests.engagement_support import CHALLENGE, challenge_input, grant
from tests.privilege_support import set_clock
from tests.support import GraphQLClient, enroll, record

D = dt.date
HISTORY = """
query H($n: String!) {
  guest(memberNumber: $n) {
    tier { code validThrough }
    tierHistory { tierCode cause validThrough revokedReason }
  }
}
"""


async def history(client: GraphQLClient, number: str) -> dict[str, Any]:
    found: dict[str, Any] = (await client(HISTORY, n=number))["guest"]
    return found


async def challenge_state(runtime: Runtime) -> str | None:
    async with runtime.db.reading() as session:
        state: str | None = await session.scalar(select(StatusGrant.state))
    return state


def met_rows(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in found["tierHistory"] if r["cause"] == "CHALLENGE_MET"]


async def test_a_stay_cancelled_while_the_days_run_puts_the_member_back_on_trial(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    await grant(client, CHALLENGE, "startStatusChallenge", **challenge_input(number))
    await set_clock(client, dt.datetime(2026, 4, 13, 20, tzinfo=dt.UTC))
    stay = {"member_number": number, "arrival": D(2026, 4, 1), "nights": 12, "room": "1200"}
    await record(client, confirmation="CH-1", **stay)
    assert (await history(client, number))["tier"] == {"code": "GOLD", "validThrough": "2028-02-28"}

    await set_clock(client, dt.datetime(2026, 4, 20, 12, tzinfo=dt.UTC))
    await record(client, confirmation="CH-1", status="CANCELLED", **stay)

    found = await history(client, number)
    # Gold on trial again, to the trial's last day; the earned Gold is revoked with its cause.
    assert found["tier"] == {"code": "GOLD", "validThrough": "2026-05-30"}
    [met] = met_rows(found)
    assert "Challenge no longer met (stay cancelled): 0 of 12 nights" in met["revokedReason"]
    assert await challenge_state(runtime) == "OPEN"

    # At the window's edge: Gold on trial to the last minute, nothing after it.
    with freeze_time("2026-05-30 23:59:00"):
        await set_clock(client, dt.datetime(2026, 5, 30, 23, 59, tzinfo=dt.UTC))
        assert (await history(client, number))["tier"]["code"] == "GOLD"
    with freeze_time("2026-05-31 00:01:00"):
        await set_clock(client, dt.datetime(2026, 5, 31, 0, 1, tzinfo=dt.UTC))
        assert (await history(client, number))["tier"]["code"] == "MEMBER"
    assert await challenge_state(runtime) == "LAPSED"


async def test_nights_taken_back_after_the_last_day_lapse_a_met_challenge(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    await grant(client, CHALLENGE, "startStatusChallenge", **challenge_input(number))
    # Met on the trial's last day with exactly its 12 nights.
    await set_clock(client, dt.datetime(2026, 5, 30, 20, tzinfo=dt.UTC))
    stay = {"member_number": number, "arrival": D(2026, 5, 18), "nights": 12, "room": "1200"}
    await record(client, confirmation="CH-2", **stay)

    # The minute after the days ran out, the folio is corrected to 11 nights.
    with freeze_time("2026-05-31 00:01:00"):
        await set_clock(client, dt.datetime(2026, 5, 31, 0, 1, tzinfo=dt.UTC))
        assert (await history(client, number))["tier"]["code"] == "GOLD"
        corrected = {**stay, "arrival": D(2026, 5, 19), "nights": 11, "room": "1100"}
        await record(client, confirmation="CH-2", **corrected)

    found = await history(client, number)
    # The 11 nights still reach Silver; the challenge's Gold is gone, and says why.
    assert found["tier"]["code"] == "SILVER"
    [met] = met_rows(found)
    assert met["revokedReason"].startswith("Challenge no longer met (stay corrected): 11 of 12")
    assert await challenge_state(runtime) == "LAPSED"


async def test_a_correction_that_keeps_the_nights_keeps_the_earned_status(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    await grant(client, CHALLENGE, "startStatusChallenge", **challenge_input(number))
    await set_clock(client, dt.datetime(2026, 5, 30, 20, tzinfo=dt.UTC))
    stay = {"member_number": number, "arrival": D(2026, 5, 18), "nights": 12, "room": "1200"}
    await record(client, confirmation="CH-3", **stay)

    with freeze_time("2026-06-02 12:00:00"):
        await set_clock(client, dt.datetime(2026, 6, 2, 12, tzinfo=dt.UTC))
        await record(client, confirmation="CH-3", **{**stay, "room": "1500"})

    found = await history(client, number)
    assert found["tier"] == {"code": "GOLD", "validThrough": "2028-02-28"}
    assert [r["revokedReason"] for r in met_rows(found)] == [None]
    assert await challenge_state(runtime) == "MET"
