"""After-stay surveys through the API: a completed stay invites the guest, who answers once
within the window for the program's points; the front desk and analysts read the
property's Net Promoter Score; a job closes the invitations whose window has passed."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from typing import Any

import httpx
import pytest
from freezegun import freeze_time

from staytier.domain.webhooks import sign
from staytier.services.partners import Partners, demo_partners
from staytier.services.runtime import Runtime
from tests.privilege_support import set_clock
from tests.support import GraphQLClient, enroll, guest, make_app, member_id, new_key, record

D = dt.date
SURVEYS = "{ me { surveys { number propertyCode closesOn state questions { code kind } } } }"
ANSWER = """
mutation Answer($input: AnswerSurveyInput!) {
  answerSurvey(input: $input) {
    survey { number state points }
    guest { points { balance } }
    userErrors { code field message }
  }
}
"""
SCORES = """
query Scores($from: Date!, $to: Date!, $code: String) {
  surveyScores(from: $from, to: $to, propertyCode: $code) {
    propertyCode invited answered promoters passives detractors nps
  }
}
"""
GOOD = [
    {"question": "RECOMMEND", "score": 10},
    {"question": "CLEANLINESS", "score": 8},
    {"question": "comment", "text": "The view!"},
]


async def checked_out(client: GraphQLClient, first: str = "Ada", **stay: Any) -> str:
    """A guest whose 2-night stay at NYCTS checked out on 1 March 2026 (100 USD)."""
    number = await enroll(client, first, "Guest")
    done = await record(
        client, member_number=number, arrival=D(2026, 2, 27), nights=2, room="100", **stay
    )
    assert done["userErrors"] == []
    return number


async def as_guest(client: GraphQLClient, runtime: Runtime, number: str) -> GraphQLClient:
    return await client.acting_as("guest", member_id=await member_id(runtime, number))


async def answer(
    client: GraphQLClient, survey: int, answers: list[dict[str, Any]], key: str | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await client(
            ANSWER,
            input={"idempotencyKey": key or new_key(), "surveyNumber": survey, "answers": answers},
        )
    )["answerSurvey"]
    return payload


async def test_a_completed_stay_invites_the_guest_who_answers_once_for_points(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await checked_out(client)
    me = await as_guest(client, runtime, number)

    invited = (await me(SURVEYS))["me"]["surveys"]
    assert [(s["propertyCode"], s["closesOn"], s["state"]) for s in invited] == [
        ("NYCTS", "2026-03-15", "OPEN")
    ]
    assert [q["code"] for q in invited[0]["questions"]] == ["RECOMMEND", "CLEANLINESS", "COMMENT"]
    key = new_key()

    first = await answer(me, invited[0]["number"], GOOD, key)
    retried = await answer(me, invited[0]["number"], GOOD, key)
    again = await answer(me, invited[0]["number"], GOOD)

    assert first["userErrors"] == []
    assert first["survey"] == {"number": invited[0]["number"], "state": "ANSWERED", "points": 350}
    # 1,000 base points for the stay, then 200 + 100 + 50 for the answers, once.
    assert first["guest"]["points"]["balance"] == 1_350
    assert retried["survey"] == first["survey"]
    assert retried["guest"]["points"]["balance"] == 1_350
    assert [e["code"] for e in again["userErrors"]] == ["SURVEY_ALREADY_ANSWERED"]
    assert (await me(SURVEYS))["me"]["surveys"] == []
    await me.aclose()


async def test_bad_answers_and_other_guests_surveys_are_refused_with_nothing_credited(
    client: GraphQLClient, runtime: Runtime
) -> None:
    ada, bob = await checked_out(client), await checked_out(client, "Bob")
    as_ada, as_bob = await as_guest(client, runtime, ada), await as_guest(client, runtime, bob)
    survey = (await as_ada(SURVEYS))["me"]["surveys"][0]["number"]

    wrong = await answer(
        as_ada,
        survey,
        [
            {"question": "RECOMMEND", "score": 11},
            {"question": "WEATHER", "score": 5},
            {"question": "COMMENT", "score": 3},
        ],
    )
    missing = await answer(as_ada, survey, [{"question": "RECOMMEND", "score": 9}])
    foreign = await answer(as_bob, survey, GOOD)
    by_admin = await client.raw(
        ANSWER, input={"idempotencyKey": new_key(), "surveyNumber": survey, "answers": GOOD}
    )

    assert [(e["code"], e["field"]) for e in wrong["userErrors"]] == [
        ("INVALID_ANSWER", "answers[0]"),
        ("INVALID_ANSWER", "answers[1]"),
        ("INVALID_ANSWER", "answers[2]"),
    ]
    assert [(e["code"], e["field"]) for e in missing["userErrors"]] == [
        ("INVALID_ANSWER", "answers")
    ]
    assert [e["code"] for e in foreign["userErrors"]] == ["SURVEY_NOT_FOUND"]
    assert by_admin["errors"][0]["message"] == "Not allowed."
    assert (await guest(client, ada))["points"]["balance"] == 1_000
    assert (await as_ada(SURVEYS))["me"]["surveys"][0]["state"] == "OPEN"
    await as_ada.aclose()
    await as_bob.aclose()


async def test_the_window_closes_after_its_last_day_and_a_job_closes_the_invitation(
    client: GraphQLClient, runtime: Runtime
) -> None:
    on_time, late = await checked_out(client), await checked_out(client, "Lou")
    surveys = {}
    for number in (on_time, late):
        me = await as_guest(client, runtime, number)
        surveys[number] = (await me(SURVEYS))["me"]["surveys"][0]["number"]
        await me.aclose()

    with freeze_time("2026-03-15 23:59:00"):  # the last minute of the last day (UTC guests)
        await set_clock(client, dt.datetime(2026, 3, 15, 23, 59, tzinfo=dt.UTC))
        me = await as_guest(client, runtime, on_time)
        assert (await answer(me, surveys[on_time], GOOD))["userErrors"] == []
        await me.aclose()
    with freeze_time("2026-03-16 00:01:00"):
        moved = await set_clock(client, dt.datetime(2026, 3, 16, 0, 1, tzinfo=dt.UTC))
        me = await as_guest(client, runtime, late)
        refused = await answer(me, surveys[late], GOOD)
        assert [e["code"] for e in refused["userErrors"]] == ["SURVEY_CLOSED"]
        assert (await me(SURVEYS))["me"]["surveys"] == []
        await me.aclose()
    assert moved["jobsRun"] == []
    # Two days after the last day every time zone is past it: the job closes the invitation.
    closed = await set_clock(client, dt.datetime(2026, 3, 17, 6, tzinfo=dt.UTC))
    assert [(j["job"], j["runKey"], j["summary"]["surveys_closed"]) for j in closed["jobsRun"]] == [
        ("survey-close", "2026-03-17", 1)
    ]


async def test_a_corrected_stay_is_not_invited_twice(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client)
    stay = {"confirmation": "FIXED-1", "arrival": D(2026, 2, 27), "nights": 2}
    await record(client, member_number=number, room="100", **stay)
    await record(client, member_number=number, room="150", **stay)

    me = await as_guest(client, runtime, number)
    assert len((await me(SURVEYS))["me"]["surveys"]) == 1
    await me.aclose()


async def test_the_property_reads_its_net_promoter_score(
    client: GraphQLClient, runtime: Runtime
) -> None:
    scores = [10, 9, 7, 3]  # two promoters, a passive, a detractor: NPS 25
    for index, score in enumerate(scores):
        number = await checked_out(client, f"Guest{index}")
        me = await as_guest(client, runtime, number)
        survey = (await me(SURVEYS))["me"]["surveys"][0]["number"]
        answers = [
            {"question": "RECOMMEND", "score": score},
            {"question": "CLEANLINESS", "score": 5},
        ]
        assert (await answer(me, survey, answers))["userErrors"] == []
        await me.aclose()
    await checked_out(client, "Silent")  # invited, never answers
    await checked_out(client, "Paris", property_code="PAROP", currency="EUR")
    desk = await client.acting_as("front_desk", properties=["NYCTS"])
    analyst = await client.acting_as("analyst")
    partner = await client.acting_as("booking_partner", partner="DEMOBOOK")
    span = {"from": "2026-03-01", "to": "2026-03-31"}

    at_desk = (await desk(SCORES, **span))["surveyScores"]
    for_brand = (await analyst(SCORES, **span))["surveyScores"]
    other_property = await desk.raw(SCORES, **span, code="PAROP")
    refused = await partner.raw(SCORES, **span)

    assert at_desk == [
        {"propertyCode": "NYCTS", "invited": 5, "answered": 4, "promoters": 2, "passives": 1,
         "detractors": 1, "nps": "25.0"}
    ]  # fmt: skip
    assert [(s["propertyCode"], s["invited"], s["nps"]) for s in for_brand] == [
        ("NYCTS", 5, "25.0"),
        ("PAROP", 1, None),
    ]
    assert other_property["errors"][0]["message"] == "Not allowed."
    assert refused["errors"][0]["message"] == "Not allowed."
    for reader in (desk, analyst, partner):
        await reader.aclose()


# --- reviews from a review site -------------------------------------------------------------

REVIEW_SECRET = "whsec_" + base64.b64encode(b"the review site's secret").decode()


@pytest.fixture
def review_runtime(runtime: Runtime) -> Runtime:
    environ = {"STAYTIER_STAYREVIEWS_WEBHOOK_SECRET": REVIEW_SECRET}
    return dataclasses.replace(runtime, partners=Partners(list(demo_partners().all), environ))


async def post_review(runtime: Runtime, payload: dict[str, Any], webhook_id: str) -> httpx.Response:
    body = json.dumps(payload).encode()
    stamp = int(runtime.now().timestamp())
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(REVIEW_SECRET, webhook_id, stamp, body),
    }
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app(runtime)), base_url="http://staytier.test"
    ) as http:
        return await http.post("/partners/STAYREVIEWS/reviews", content=body, headers=headers)


async def test_a_signed_review_of_a_completed_stay_earns_points_once_per_stay(
    review_runtime: Runtime,
) -> None:
    client = GraphQLClient(make_app(review_runtime))
    number = await checked_out(client, confirmation="REV-1")
    review = {
        "member_number": number,
        "guest_last_name": "Guest",
        "property_code": "NYCTS",
        "confirmation_number": "REV-1",
        "review_id": "r-881",
        "rating": 5,
        "posted_on": "2026-03-02",
    }

    credited = await post_review(review_runtime, review, "rv_1")
    second = await post_review(review_runtime, {**review, "review_id": "r-882"}, "rv_2")
    stranger = await post_review(
        review_runtime, {**review, "confirmation_number": "NO-SUCH"}, "rv_3"
    )

    assert credited.status_code == 200, credited.text
    assert credited.json() == {"webhook_id": "rv_1", "member_number": number, "points": 250}
    assert second.status_code == 422
    assert [e["code"] for e in second.json()["detail"]] == ["REVIEW_ALREADY_CREDITED"]
    assert [e["code"] for e in stranger.json()["detail"]] == ["STAY_NOT_FOUND"]
    assert (await guest(client, number))["points"]["balance"] == 1_000 + 250
    await client.aclose()


async def test_a_review_is_credited_only_to_the_named_guest_of_their_own_completed_stay(
    review_runtime: Runtime,
) -> None:
    client = GraphQLClient(make_app(review_runtime))
    number = await checked_out(client, confirmation="REV-2")
    other = await checked_out(client, "Bob", confirmation="REV-3")
    booked = await enroll(client, "Cy", "Guest")
    await record(
        client, member_number=booked, arrival=D(2026, 4, 1), nights=1, status="BOOKED",
        confirmation="REV-4",
    )  # fmt: skip
    review = {
        "member_number": number,
        "guest_last_name": "Guest",
        "property_code": "NYCTS",
        "confirmation_number": "REV-2",
        "review_id": "r-901",
        "rating": 4,
        "posted_on": "2026-03-02",
    }

    wrong_last = await post_review(review_runtime, {**review, "guest_last_name": "Smith"}, "n1")
    wrong_first = await post_review(review_runtime, {**review, "guest_first_name": "Bea"}, "n2")
    nameless = await post_review(
        review_runtime, {k: v for k, v in review.items() if k != "guest_last_name"}, "n3"
    )
    others_stay = await post_review(
        review_runtime, {**review, "confirmation_number": "REV-3"}, "n4"
    )
    not_completed = await post_review(
        review_runtime, {**review, "member_number": booked, "confirmation_number": "REV-4"}, "n5"
    )
    accented = await post_review(
        review_runtime, {**review, "guest_last_name": "GUÉST", "guest_first_name": "a."}, "n6"
    )

    assert [(e["code"], e["field"]) for e in wrong_last.json()["detail"]] == [
        ("GUEST_NAME_MISMATCH", "guestLastName")
    ]
    assert [(e["code"], e["field"]) for e in wrong_first.json()["detail"]] == [
        ("GUEST_NAME_MISMATCH", "guestFirstName")
    ]
    assert nameless.status_code == 400
    for refused in (others_stay, not_completed):
        assert refused.status_code == 422
        assert [e["code"] for e in refused.json()["detail"]] == ["STAY_NOT_FOUND"]
    assert accented.status_code == 200, accented.text
    # Nothing but the matching review was credited: the other guests kept their balances.
    assert (await guest(client, number))["points"]["balance"] == 1_000 + 250
    assert (await guest(client, other))["points"]["balance"] == 1_000
    await client.aclose()
