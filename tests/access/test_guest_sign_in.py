"""The guest app signs in with a code sent by email and gets a short-lived token."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import jwt

from staytier.services.guest_sign_in import CODE_LIFETIME, MAX_ATTEMPTS, TOKEN_LIFETIME
from staytier.services.runtime import Runtime
from tests.support import ENROLL, GraphQLClient, Outbox, make_app

REQUEST = """mutation($email: String!) {
  requestGuestSignIn(input: {email: $email}) { sent userErrors { code } } }"""
COMPLETE = """mutation($email: String!, $code: String!) {
  completeGuestSignIn(input: {email: $email, code: $code}) {
    token expiresAt guest { memberNumber } userErrors { code field message } } }"""
ME = "{ me { memberNumber firstName email } }"
EMAIL = "ada@example.com"


async def setup(runtime: Runtime) -> tuple[Runtime, Outbox, GraphQLClient, str]:
    outbox = Outbox()
    mailing = dataclasses.replace(runtime, mailer=outbox)
    admin = GraphQLClient(make_app(mailing))
    data = await admin(ENROLL, input={"firstName": "Ada", "lastName": "L", "email": EMAIL})
    number = data["enrollGuest"]["guest"]["memberNumber"]
    anonymous = GraphQLClient(make_app(mailing, strict=True))
    await admin.aclose()
    return mailing, outbox, anonymous, number


async def sign_in(anonymous: GraphQLClient, email: str, code: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await anonymous(COMPLETE, email=email, code=code))[
        "completeGuestSignIn"
    ]
    return payload


async def test_a_guest_signs_in_with_the_emailed_code_and_reads_herself(runtime: Runtime) -> None:
    _, outbox, anonymous, number = await setup(runtime)

    assert (await anonymous(REQUEST, email="ADA@example.com"))["requestGuestSignIn"]["sent"]
    assert outbox.sent[-1][0] == EMAIL
    signed_in = await sign_in(anonymous, EMAIL, outbox.last_code())

    assert signed_in["userErrors"] == [] and signed_in["guest"] == {"memberNumber": number}
    guest = GraphQLClient(anonymous.app, signed_in["token"])
    assert (await guest(ME))["me"] == {"memberNumber": number, "firstName": "Ada", "email": EMAIL}
    await guest.aclose()
    await anonymous.aclose()


async def test_an_unknown_email_gets_the_same_answer_and_no_mail(runtime: Runtime) -> None:
    _, outbox, anonymous, _ = await setup(runtime)

    answer = await anonymous(REQUEST, email="stranger@example.com")

    assert answer == {"requestGuestSignIn": {"sent": True, "userErrors": []}}
    assert outbox.sent == []
    await anonymous.aclose()


async def test_a_code_works_once(runtime: Runtime) -> None:
    _, outbox, anonymous, _ = await setup(runtime)
    await anonymous(REQUEST, email=EMAIL)
    code = outbox.last_code()

    assert (await sign_in(anonymous, EMAIL, code))["token"]
    again = await sign_in(anonymous, EMAIL, code)

    assert again["token"] is None
    assert [e["code"] for e in again["userErrors"]] == ["SIGN_IN_FAILED"]
    await anonymous.aclose()


async def test_a_code_expires(runtime: Runtime) -> None:
    mailing, outbox, anonymous, _ = await setup(runtime)
    await anonymous(REQUEST, email=EMAIL)
    mailing.clock.set(mailing.now() + CODE_LIFETIME + dt.timedelta(seconds=1))  # type: ignore[attr-defined]

    late = await sign_in(anonymous, EMAIL, outbox.last_code())

    assert late["token"] is None and late["userErrors"][0]["code"] == "SIGN_IN_FAILED"
    await anonymous.aclose()


async def test_wrong_guesses_void_the_code(runtime: Runtime) -> None:
    _, outbox, anonymous, _ = await setup(runtime)
    await anonymous(REQUEST, email=EMAIL)
    code = outbox.last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    for _ in range(MAX_ATTEMPTS):
        assert (await sign_in(anonymous, EMAIL, wrong))["token"] is None
    after_guesses = await sign_in(anonymous, EMAIL, code)

    assert after_guesses["token"] is None
    await anonymous.aclose()


async def test_a_new_code_voids_the_previous_one(runtime: Runtime) -> None:
    _, outbox, anonymous, _ = await setup(runtime)
    await anonymous(REQUEST, email=EMAIL)
    first = outbox.last_code()
    await anonymous(REQUEST, email=EMAIL)

    if first != outbox.last_code():  # one chance in a million that they are the same
        assert (await sign_in(anonymous, EMAIL, first))["token"] is None
    assert (await sign_in(anonymous, EMAIL, outbox.last_code()))["token"]
    await anonymous.aclose()


async def _status(app_client: GraphQLClient, token: str) -> int:
    response = await app_client.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code


async def test_an_expired_token_is_refused(runtime: Runtime) -> None:
    mailing, outbox, anonymous, _ = await setup(runtime)
    await anonymous(REQUEST, email=EMAIL)
    token = (await sign_in(anonymous, EMAIL, outbox.last_code()))["token"]
    assert await _status(anonymous, token) == 200

    mailing.clock.set(mailing.now() + TOKEN_LIFETIME)  # type: ignore[attr-defined]

    assert await _status(anonymous, token) == 401
    await anonymous.aclose()


async def test_a_tampered_token_is_refused(runtime: Runtime) -> None:
    _, outbox, anonymous, _ = await setup(runtime)
    await anonymous(REQUEST, email=EMAIL)
    token = (await sign_in(anonymous, EMAIL, outbox.last_code()))["token"]
    claims = jwt.decode(token, options={"verify_signature": False})

    other_member = jwt.encode(
        {**claims, "sub": str(int(claims["sub"]) + 1)},
        "a-guessed-secret-of-a-plausible-length-0123",
        "HS256",
    )
    header, _, signature = token.split(".")
    swapped = ".".join([header, other_member.split(".")[1], signature])
    unsigned = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]

    for forged in (other_member, swapped, unsigned, token[:-2] + "xx"):
        assert await _status(anonymous, forged) == 401, forged
    await anonymous.aclose()
