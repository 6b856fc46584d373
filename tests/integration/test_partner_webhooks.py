"""Partners post checkouts, card spend and rentals as signed webhooks: accepted once when
the signature, timestamp and body hold; otherwise a clear 4xx and nothing stored."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from staytier.domain.webhooks import sign
from staytier.services.partners import Partner as PartnerRecord
from staytier.services.partners import PartnerKind, Partners, demo_partners
from staytier.services.runtime import Runtime
from staytier.store import models
from tests.support import GraphQLClient, enroll, guest, make_app

PMS_SECRET = "whsec_" + base64.b64encode(b"pms secret, 24 bytes long").decode()
PMS_NEXT = "whsec_" + base64.b64encode(b"the next pms secret").decode()
CARD_SECRET = "card-plain-secret"
RENTAL_SECRET = "whsec_" + base64.b64encode(b"rental secret").decode()
ENVIRON = {
    "STAYTIER_PMS_WEBHOOK_SECRET": PMS_SECRET,
    "STAYTIER_PMS_WEBHOOK_SECRET_NEXT": PMS_NEXT,
    "STAYTIER_STAYCARD_WEBHOOK_SECRET": CARD_SECRET,
    "STAYTIER_ROADRUNNER_WEBHOOK_SECRET": RENTAL_SECRET,
}
STORED = (
    models.Stay,
    models.Activity,
    models.LedgerEntry,
    models.PartnerWebhook,
    models.IdempotencyRecord,
)


@dataclasses.dataclass
class Partner:
    """Posts webhooks to the app the way a partner does."""

    http: httpx.AsyncClient
    runtime: Runtime
    sent: int = 0

    async def post(
        self,
        path: str,
        payload: dict[str, Any] | bytes,
        *,
        secret: str = PMS_SECRET,
        webhook_id: str | None = None,
        age: dt.timedelta = dt.timedelta(0),
        signature: str | None = None,
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.sent += 1
        webhook_id = webhook_id or f"msg_{self.sent}"
        stamp = int((self.runtime.now() - age).timestamp())
        headers = {
            "content-type": "application/json",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": signature or sign(secret, webhook_id, stamp, body),
        }
        return await self.http.post(path, content=body, headers=headers)


@pytest.fixture
def signed_runtime(runtime: Runtime) -> Runtime:
    return dataclasses.replace(runtime, partners=Partners(list(demo_partners().all), dict(ENVIRON)))


@pytest.fixture
async def partner(signed_runtime: Runtime) -> AsyncIterator[Partner]:
    app = make_app(signed_runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://staytier.test"
    ) as http:
        yield Partner(http, signed_runtime)


@pytest.fixture
async def client(signed_runtime: Runtime) -> AsyncIterator[GraphQLClient]:
    graphql = GraphQLClient(make_app(signed_runtime))
    yield graphql
    await graphql.aclose()


@pytest.fixture
async def member(client: GraphQLClient) -> str:
    return await enroll(client)


def checkout(member_number: str, **changes: Any) -> dict[str, Any]:
    return {
        "member_number": member_number,
        "property_code": "NYCTS",
        "confirmation_number": "PMS-1001",
        "arrival_date": "2026-02-25",
        "departure_date": "2026-02-28",
        "rate_code": "BAR",
        "room_revenue": "600.00",
        "guest_last_name": "Guest",
        **changes,
    }


async def stored(runtime: Runtime) -> dict[str, int]:
    async with runtime.db.reading() as session:
        return {
            table.__tablename__: int(
                await session.scalar(select(func.count()).select_from(table)) or 0
            )
            for table in STORED
        }


async def test_a_signed_checkout_from_the_pms_records_and_credits_the_stay(
    partner: Partner, client: GraphQLClient, member: str
) -> None:
    response = await partner.post("/partners/PMS/checkouts", checkout(member), webhook_id="msg_a")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "webhook_id": "msg_a",
        "member_number": member,
        "stay_id": 1,
    }
    found = await guest(client, member)
    assert found["points"]["balance"] == 6000
    assert found["tierProgress"]["qualifyingNights"] == 3


async def test_the_same_webhook_id_is_processed_once(
    partner: Partner, client: GraphQLClient, member: str
) -> None:
    first = await partner.post("/partners/PMS/checkouts", checkout(member), webhook_id="msg_a")
    before = await stored(partner.runtime)

    again = await partner.post("/partners/PMS/checkouts", checkout(member), webhook_id="msg_a")

    assert again.status_code == 409
    assert again.json()["error"].startswith("webhook msg_a was already processed at ")
    assert again.json()["detail"] == first.json()
    assert await stored(partner.runtime) == before
    assert (await guest(client, member))["points"]["balance"] == 6000


async def test_either_secret_is_accepted_while_the_pms_rotates_it(
    partner: Partner, client: GraphQLClient, member: str
) -> None:
    old = await partner.post("/partners/PMS/checkouts", checkout(member), secret=PMS_SECRET)
    new = await partner.post(
        "/partners/PMS/checkouts", checkout(member, confirmation_number="PMS-2"), secret=PMS_NEXT
    )
    assert (old.status_code, new.status_code) == (200, 200), (old.text, new.text)
    assert [old.json()["stay_id"], new.json()["stay_id"]] == [1, 2]
    assert (await guest(client, member))["tierProgress"]["qualifyingNights"] == 6


@pytest.mark.parametrize(
    ("tampering", "status", "message"),
    [
        (
            {"secret": "whsec_" + base64.b64encode(b"guessed").decode()},
            401,
            "no webhook-signature matches: wrong secret or altered body",
        ),
        (
            {"signature": "v1,bm90IGEgc2lnbmF0dXJl"},
            401,
            "no webhook-signature matches: wrong secret or altered body",
        ),
        ({"signature": "sha256=abc"}, 401, "the webhook-signature header has no v1 signature"),
        (
            {"age": dt.timedelta(minutes=5, seconds=1)},
            401,
            "the webhook-timestamp is older than 5 minutes",
        ),
        (
            {"age": -dt.timedelta(minutes=6)},
            401,
            "the webhook-timestamp is more than 5 minutes ahead",
        ),
        ({"webhook_id": "x" * 201}, 400, "the webhook-id has more than 200 characters"),
    ],
)
async def test_a_webhook_that_is_not_signed_right_now_is_refused_and_nothing_stored(
    partner: Partner, member: str, tampering: dict[str, Any], status: int, message: str
) -> None:
    before = await stored(partner.runtime)

    response = await partner.post("/partners/PMS/checkouts", checkout(member), **tampering)

    assert (response.status_code, response.json()["error"]) == (status, message)
    assert await stored(partner.runtime) == before


async def test_a_timestamp_just_inside_five_minutes_is_accepted(
    partner: Partner, client: GraphQLClient, member: str
) -> None:
    response = await partner.post(
        "/partners/PMS/checkouts", checkout(member), age=dt.timedelta(minutes=5)
    )
    assert response.status_code == 200, response.text
    assert (await guest(client, member))["points"]["balance"] == 6000


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"member_number": ', "Input data was truncated"),
        (b"[]", "Expected `object`, got `array`"),
        (json.dumps(checkout("1", nights=3)).encode(), "Object contains unknown field `nights`"),
        (
            json.dumps(checkout("1", room_revenue=[600])).encode(),
            "Expected `decimal`, got `array` - at `$.room_revenue`",
        ),
        (json.dumps(checkout(1)).encode(), "Expected `str`, got `int` - at `$.member_number`"),
        (
            json.dumps(checkout("1", arrival_date="25/02/2026")).encode(),
            "Invalid RFC3339 encoded date - at `$.arrival_date`",
        ),
        (
            json.dumps({"member_number": "1"}).encode(),
            "Object missing required field `property_code`",
        ),
    ],
)
async def test_a_body_that_is_not_a_checkout_is_a_400_with_msgspecs_message(
    partner: Partner, body: bytes, message: str
) -> None:
    before = await stored(partner.runtime)

    response = await partner.post("/partners/PMS/checkouts", body)

    assert (response.status_code, response.json()["error"]) == (400, message)
    assert await stored(partner.runtime) == before


async def test_an_oversized_body_is_refused_before_it_is_read_whole(
    partner: Partner, member: str
) -> None:
    before = await stored(partner.runtime)
    huge = checkout(member, room_type="x" * 70_000)

    response = await partner.post("/partners/PMS/checkouts", huge)

    assert response.status_code == 413
    assert await stored(partner.runtime) == before


async def test_a_checkout_the_rules_refuse_is_a_422_with_each_error_and_nothing_stored(
    partner: Partner,
) -> None:
    before = await stored(partner.runtime)

    response = await partner.post("/partners/PMS/checkouts", checkout("999999999"))

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"code": "MEMBER_NOT_FOUND", "field": "memberNumber", "message": "No member 999999999."}
    ]
    assert await stored(partner.runtime) == before
    # Nothing was kept, so the partner may send the corrected report with the same id.


async def test_an_unknown_partner_or_a_feed_it_does_not_send_is_a_404(
    partner: Partner, member: str
) -> None:
    unknown = await partner.post("/partners/NOBODY/checkouts", checkout(member))
    wrong_feed = await partner.post("/partners/STAYCARD/checkouts", checkout(member))
    assert (unknown.status_code, wrong_feed.status_code) == (404, 404)
    assert wrong_feed.json()["error"] == "no partner STAYCARD posts checkouts"


async def test_a_partner_without_a_configured_secret_is_a_503(
    partner: Partner, member: str
) -> None:
    partner.runtime.partners.environ.pop("STAYTIER_ROADRUNNER_WEBHOOK_SECRET")  # type: ignore[attr-defined]
    response = await partner.post("/partners/ROADRUNNER/rentals", {}, secret=RENTAL_SECRET)
    assert response.status_code == 503
    assert response.json()["error"] == (
        "webhooks from ROADRUNNER are not configured here: no secret is set"
    )


async def test_card_spend_from_the_issuer_earns_by_the_programs_spend_rule(
    partner: Partner, client: GraphQLClient, member: str
) -> None:
    spend = {
        "member_number": member,
        "transaction_id": "T-77",
        "spent_on": "2026-03-01",
        "amount": "5000.00",
        "guest_last_name": "Guest",
    }
    response = await partner.post("/partners/STAYCARD/card-spend", spend, secret=CARD_SECRET)

    assert response.status_code == 200, response.text
    found = await guest(client, member)
    assert found["points"]["balance"] == 5000
    assert found["tierProgress"]["qualifyingNights"] == 1


async def test_a_car_rental_earns_by_the_programs_rental_rule(
    partner: Partner, client: GraphQLClient, member: str
) -> None:
    rental = {
        "member_number": member,
        "rental_agreement": "RA-9",
        "returned_on": "2026-03-01",
        "amount": "240.00",
        "guest_last_name": "Guest",
    }
    response = await partner.post("/partners/ROADRUNNER/rentals", rental, secret=RENTAL_SECRET)

    assert response.status_code == 200, response.text
    assert "activity_id" in response.json()
    assert (await guest(client, member))["points"]["balance"] == 480


async def test_crediting_a_guest_through_a_webhook_does_not_let_the_partner_read_them(
    partner: Partner, client: GraphQLClient, member: str
) -> None:
    card_key = await client.acting_as("booking_partner", partner="STAYCARD")
    rental_key = await client.acting_as("booking_partner", partner="ROADRUNNER")
    read = "query($n: String!) { guest(memberNumber: $n) { points { balance } } }"
    assert (await card_key(read, n=member))["guest"] is None
    spend = {
        "member_number": member,
        "transaction_id": "T-78",
        "spent_on": "2026-03-01",
        "amount": "5000.00",
        "guest_last_name": "Guest",
    }

    response = await partner.post("/partners/STAYCARD/card-spend", spend, secret=CARD_SECRET)

    assert response.status_code == 200, response.text
    # Serving is not owning: a credit is no stay the partner serves.
    assert (await card_key(read, n=member))["guest"] is None
    assert (await rental_key(read, n=member))["guest"] is None
    await card_key.aclose()
    await rental_key.aclose()


async def test_the_endpoints_are_documented_in_the_openapi_schema(partner: Partner) -> None:
    schema = (await partner.http.get("/schema/openapi.json")).json()
    checkouts = schema["paths"]["/partners/{partner_code}/checkouts"]["post"]
    body = checkouts["requestBody"]["content"]["application/json"]["schema"]
    assert body["additionalProperties"] is False
    assert "room_revenue" in body["required"]
    headers = {p["name"] for p in checkouts["parameters"] if p["in"] == "header"}
    assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert {"400", "401", "409", "413", "422"} <= set(checkouts["responses"])
    assert "/partners/{partner_code}/card-spend" in schema["paths"]
    assert "/partners/{partner_code}/rentals" in schema["paths"]
    reviews = schema["paths"]["/partners/{partner_code}/reviews"]["post"]
    review = reviews["requestBody"]["content"]["application/json"]["schema"]
    # A review names the guest, as the other feeds do (name match).
    assert {"guest_last_name", "confirmation_number"} <= set(review["required"])
    assert "guest_first_name" in review["properties"]


async def test_the_same_webhook_arriving_twice_at_once_is_applied_once(
    partner: Partner, client: GraphQLClient, member: str
) -> None:
    import asyncio

    answers = await asyncio.gather(
        *(
            partner.post("/partners/PMS/checkouts", checkout(member), webhook_id="msg_twice")
            for _ in range(4)
        )
    )

    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert (await guest(client, member))["points"]["balance"] == 6000
    counts = await stored(partner.runtime)
    assert counts["stays"] == 1 and counts["partner_webhooks"] == 1


async def test_a_checkout_for_another_guest_name_is_a_422_and_nothing_stored(
    partner: Partner, member: str
) -> None:
    before = await stored(partner.runtime)

    response = await partner.post(
        "/partners/PMS/checkouts", checkout(member, guest_last_name="Someone-Else")
    )
    spend = await partner.post(
        "/partners/STAYCARD/card-spend",
        {
            "member_number": member,
            "transaction_id": "T-79",
            "spent_on": "2026-03-01",
            "amount": "5000.00",
            "guest_last_name": "Guest",
            "guest_first_name": "Zed",
        },
        secret=CARD_SECRET,
    )

    assert (response.status_code, spend.status_code) == (422, 422)
    assert response.json()["detail"] == [
        {
            "code": "GUEST_NAME_MISMATCH",
            "field": "guestLastName",
            "message": "The guest's last name does not match the member's.",
        }
    ]
    assert spend.json()["detail"][0]["field"] == "guestFirstName"
    assert await stored(partner.runtime) == before


def _with(runtime: Runtime, *extra: Any) -> Runtime:
    partners = [*demo_partners().all, *extra]
    environ = {**ENVIRON, "STAYTIER_SITE_WEBHOOK_SECRET": PMS_SECRET}
    return dataclasses.replace(runtime, partners=Partners(partners, environ))


async def test_a_booking_site_and_another_hotels_pms_do_not_post_a_hotels_checkout(
    runtime: Runtime, client: GraphQLClient, member: str
) -> None:
    site = PartnerRecord(
        code="SITE",
        kind=PartnerKind.BOOKING_SITE,
        name="A booking site",
        webhook_secret_envs=["STAYTIER_SITE_WEBHOOK_SECRET"],
    )
    paris_pms = PartnerRecord(
        code="PARISPMS",
        kind=PartnerKind.PMS,
        name="Paris property system",
        webhook_secret_envs=["STAYTIER_SITE_WEBHOOK_SECRET"],
        properties=["PAROP"],
    )
    served = _with(runtime, site, paris_pms)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app(served)), base_url="http://staytier.test"
    ) as http:
        poster = Partner(http, served)
        before = await stored(served)

        by_site = await poster.post("/partners/SITE/checkouts", checkout(member))
        by_paris = await poster.post("/partners/PARISPMS/checkouts", checkout(member))

    assert (by_site.status_code, by_paris.status_code) == (422, 422)
    assert [e["code"] for e in by_site.json()["detail"]] == ["STAY_CHANGE_NOT_ALLOWED"]
    assert [e["field"] for e in by_paris.json()["detail"]] == ["propertyCode"]
    assert await stored(served) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "1000000000000"}, "amount"),
        ({"amount": "1e309"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "sNaN"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"amount": "1e999999999999"}, "amount"),
        ({"spent_on": "9999-12-31"}, "occurredOn"),
        ({"spent_on": "0001-01-01"}, "occurredOn"),
    ],
)
async def test_signed_card_spend_beyond_the_programs_bounds_is_a_422_and_credits_nothing(
    partner: Partner, client: GraphQLClient, member: str, change: dict[str, str], field: str
) -> None:
    spend = {
        "member_number": member,
        "transaction_id": "T-1E12",
        "spent_on": "2026-03-01",
        "amount": "5000.00",
        "guest_last_name": "Guest",
    } | change
    before = await stored(partner.runtime)

    response = await partner.post("/partners/STAYCARD/card-spend", spend, secret=CARD_SECRET)

    assert response.status_code == 422, response.text
    codes = {(error["code"], error["field"]) for error in response.json()["detail"]}
    assert codes <= {("INVALID_AMOUNT", field), ("INVALID_DATES", field)} and codes
    assert await stored(partner.runtime) == before
    assert (await guest(client, member))["points"]["balance"] == 0


async def test_a_signed_checkout_ending_in_9999_is_a_422_and_credits_nothing(
    partner: Partner, client: GraphQLClient, member: str
) -> None:
    before = await stored(partner.runtime)

    response = await partner.post(
        "/partners/PMS/checkouts", checkout(member, departure_date="9999-12-31")
    )

    assert response.status_code == 422, response.text
    refusals = {(e["code"], e["field"]) for e in response.json()["detail"]}
    # Also far too long a stay; each mistake is named on the field.
    assert ("INVALID_DATES", "departureDate") in refusals
    assert refusals <= {("INVALID_DATES", "departureDate"), ("STAY_TOO_LONG", "departureDate")}
    assert await stored(partner.runtime) == before


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        (
            {"webhook-timestamp": "99999999999999999999"},
            401,
            "the webhook-timestamp header must be whole seconds since 1970",
        ),
        (
            {"webhook-timestamp": "not-a-time"},
            401,
            "the webhook-timestamp header must be whole seconds since 1970",
        ),
        (
            {"webhook-signature": "v1,%%%not base64%%%"},
            401,
            "no webhook-signature matches: wrong secret or altered body",
        ),
        (
            {"webhook-signature": "v1"},
            401,
            "the webhook-signature header has no v1 signature",
        ),
        ({"webhook-id": None}, 401, "the webhook-id header is missing"),
        (
            {"webhook-timestamp": None},
            401,
            "the webhook-timestamp header must be whole seconds since 1970",
        ),
        ({"webhook-signature": None}, 401, "the webhook-signature header has no v1 signature"),
    ],
)
async def test_a_malformed_or_missing_signature_header_is_a_4xx_with_a_json_reason(
    partner: Partner, member: str, headers: dict[str, str | None], status: int, message: str
) -> None:
    before = await stored(partner.runtime)
    body = json.dumps(checkout(member)).encode()
    stamp = int(partner.runtime.now().timestamp())
    sent = {
        "content-type": "application/json",
        "webhook-id": "msg_bad",
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(PMS_SECRET, "msg_bad", stamp, body),
    }
    for name, value in headers.items():
        if value is None:
            del sent[name]
        else:
            sent[name] = value

    response = await partner.http.post("/partners/PMS/checkouts", content=body, headers=sent)

    assert (response.status_code, response.json()) == (status, {"error": message})
    assert await stored(partner.runtime) == before


async def test_a_body_that_is_not_utf8_is_a_400(partner: Partner, member: str) -> None:
    response = await partner.post("/partners/PMS/checkouts", b"\xff\xfe{}", signature="v1,AAAA")
    assert (response.status_code, response.json()) == (400, {"error": "the body is not UTF-8 text"})


async def test_the_openapi_schema_documents_the_answers_bodies(partner: Partner) -> None:
    schema = (await partner.http.get("/schema/openapi.json")).json()
    answers = schema["paths"]["/partners/{partner_code}/rentals"]["post"]["responses"]
    processed = answers["200"]["content"]["application/json"]["schema"]
    refusal = answers["401"]["content"]["application/json"]["schema"]

    def resolved(node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in node:
            found: dict[str, Any] = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
            return found
        return node

    assert {"webhook_id", "member_number"} <= set(resolved(processed)["properties"])
    assert "error" in resolved(refusal)["properties"]
