"""Mail to guests through the outbox, delivered to a real SMTP relay on 127.0.0.1: a
completed stay's survey invitation and a sweepstakes winner's notice, once each, in the
guest's language where strings exist, never to a guest who withdrew MARKETING consent or
was erased, and retried like other outbox work when the relay refuses for now."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from staytier.services.runtime import Runtime
from staytier.store.models import PartnerRequest
from tests.engagement_support import draw, member_with_email
from tests.mail_relay import SmtpRelay, mailing_runtime
from tests.partners import advance, worker
from tests.privilege_support import set_clock
from tests.support import GraphQLClient, new_key, record

D = dt.date
REQUESTS = """
query R($n: String!) {
  guest(memberNumber: $n) {
    partnerRequests(first: 10) { edges { node { partner operation subject state outcomeReason } } }
  }
}
"""
CONSENT = """
mutation C($input: SetConsentInput!) { setConsent(input: $input) { userErrors { code } } }
"""
ERASE = """
mutation E($input: EraseGuestInput!) { eraseGuest(input: $input) { userErrors { code } } }
"""
Relay = tuple[SmtpRelay, int]


async def checked_out(client: GraphQLClient, number: str, confirmation: str, **stay: Any) -> None:
    """A 2-night stay at NYCTS checked out on 1 March 2026: its survey closes on 15 March."""
    done = await record(
        client, member_number=number, arrival=D(2026, 2, 27), nights=2, room="100",
        confirmation=confirmation, **stay,
    )  # fmt: skip
    assert done["userErrors"] == []


async def mail_requests(client: GraphQLClient, number: str) -> list[tuple[str, str, str]]:
    edges = (await client(REQUESTS, n=number))["guest"]["partnerRequests"]["edges"]
    return [
        (e["node"]["partner"], e["node"]["state"], e["node"]["outcomeReason"] or "")
        for e in edges
        if e["node"]["operation"] == "guest.mail"
    ]


async def test_a_completed_stay_mails_its_survey_invitation_once_through_the_outbox(
    client: GraphQLClient, runtime: Runtime, smtp_relay: Relay
) -> None:
    relay, port = smtp_relay
    number = await member_with_email(client, "Ada", "ada@example.test")
    await checked_out(client, number, "MAIL-1")
    # A corrected folio neither invites again nor mails again.
    await checked_out(client, number, "MAIL-1", fb="30")
    delivery = worker(mailing_runtime(runtime, port))

    first = await delivery.deliver_due()
    again = await delivery.deliver_due()

    assert len(first) == 1 and again == []
    [mail] = relay.to("ada@example.test")
    assert mail["Subject"] == "How was your stay at Staytier Times Square?"
    body = SmtpRelay.body(mail)
    assert "Dear Ada," in body
    assert "by 2026-03-15 and earn up to 350 points" in body
    assert await mail_requests(client, number) == [("MAIL", "ACCEPTED", "mailed to the guest")]


async def test_the_mail_speaks_the_guests_language_where_strings_exist(
    client: GraphQLClient, runtime: Runtime, smtp_relay: Relay
) -> None:
    relay, port = smtp_relay
    french = await member_with_email(client, "Zoé", "zoe@example.test", "fr-CA")
    german = await member_with_email(client, "Jörg", "joerg@example.test", "de")
    await checked_out(client, french, "MAIL-FR")
    await checked_out(client, german, "MAIL-DE")

    await worker(mailing_runtime(runtime, port)).deliver_due()

    [to_zoe] = relay.to("zoe@example.test")
    [to_joerg] = relay.to("joerg@example.test")
    assert to_zoe["Subject"] == "Comment s'est passé votre séjour à Staytier Times Square ?"
    assert "Bonjour Zoé," in SmtpRelay.body(to_zoe)
    # No German strings: English.
    assert to_joerg["Subject"] == "How was your stay at Staytier Times Square?"


async def test_a_guest_who_withdrew_marketing_consent_or_was_erased_gets_nothing(
    client: GraphQLClient, runtime: Runtime, smtp_relay: Relay
) -> None:
    relay, port = smtp_relay
    before = await member_with_email(client, "Bea", "bea@example.test")
    meanwhile = await member_with_email(client, "Cy", "cy@example.test")
    erased = await member_with_email(client, "Dee", "dee@example.test")
    changed_mind = await member_with_email(client, "Eve", "eve@example.test")

    async def consent(number: str, granted: bool) -> None:
        done = await client(
            CONSENT, input={"memberNumber": number, "purpose": "MARKETING", "granted": granted}
        )
        assert done["setConsent"]["userErrors"] == []

    await consent(before, False)
    await consent(changed_mind, False)
    await consent(changed_mind, True)
    for number, confirmation in (
        (before, "MAIL-B"), (meanwhile, "MAIL-C"), (erased, "MAIL-D"), (changed_mind, "MAIL-E"),
    ):  # fmt: skip
        await checked_out(client, number, confirmation)
    # Between the invitation and its delivery, Cy withdraws consent and Dee is erased:
    # the mail does not hold the erasure up.
    await consent(meanwhile, False)
    erasure = await client(ERASE, input={"memberNumber": erased, "reason": "guest's request"})
    assert erasure["eraseGuest"]["userErrors"] == []

    await worker(mailing_runtime(runtime, port)).deliver_due()

    assert [m["To"] for m in relay.received] == ["eve@example.test"]
    assert await mail_requests(client, before) == []
    assert await mail_requests(client, meanwhile) == [
        ("MAIL", "REJECTED", "the guest withdrew MARKETING consent")
    ]
    # The erased guest is no one's to look up any more; the outbox row says what happened.
    async with runtime.db.reading() as session:
        outcomes = await session.execute(
            select(PartnerRequest.state, PartnerRequest.outcome_reason, PartnerRequest.payload)
            .where(PartnerRequest.operation == "guest.mail")
            .order_by(PartnerRequest.id)
        )
        rows = list(outcomes)
    assert [(state, reason) for state, reason, _ in rows] == [
        ("REJECTED", "the guest withdrew MARKETING consent"),
        ("REJECTED", "the guest's data was erased"),
        ("ACCEPTED", "mailed to the guest"),
    ]
    # No address or name is kept in the outbox: only the member number and the template.
    assert all("@" not in str(payload) and "Dee" not in str(payload) for *_, payload in rows)


async def test_a_relay_that_refuses_for_now_is_tried_again_and_mails_once(
    client: GraphQLClient, runtime: Runtime, smtp_relay: Relay
) -> None:
    relay, port = smtp_relay
    number = await member_with_email(client, "Fay", "fay@example.test")
    await checked_out(client, number, "MAIL-F")
    relay.busy = 1
    mailing = mailing_runtime(runtime, port)
    delivery = worker(mailing)

    [refused] = await delivery.deliver_due()
    not_yet = await delivery.deliver_due()
    advance(mailing, dt.timedelta(minutes=1))
    [sent] = await delivery.deliver_due()

    assert refused.state is not None and refused.state.value == "RETRYING"
    assert "451" in refused.error
    assert not_yet == []  # nothing due before the backoff has passed
    assert sent.state is not None and sent.state.value == "ACCEPTED"
    assert len(relay.to("fay@example.test")) == 1


async def test_sweepstakes_winners_are_notified_through_the_outbox(
    client: GraphQLClient, runtime: Runtime, smtp_relay: Relay
) -> None:
    relay, port = smtp_relay
    members = {}
    for index in range(4):
        email = f"entrant{index}@example.test"
        members[email] = number = await member_with_email(client, f"Entrant{index}", email)
        await record(
            client, member_number=number, arrival=D(2026, 2, 1), nights=index + 1,
            confirmation=f"SW-{index}",
        )  # fmt: skip
    delivery = worker(mailing_runtime(runtime, port))
    await delivery.deliver_due()  # the survey invitations
    invitations = len(relay.received)
    await set_clock(client, dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC))
    key = new_key()

    drawn = await draw(client, key=key)
    await draw(client, key=key)  # a retried draw notifies nobody twice
    await delivery.deliver_due()
    await delivery.deliver_due()

    assert drawn["userErrors"] == []
    notices = relay.received[invitations:]
    prizes = {w["prize"] for w in drawn["sweepstakes"]["winners"]}
    assert len(notices) == 3 and prizes == {"Grand prize", "Runner-up"}
    assert len({m["To"] for m in notices}) == 3
    for notice in notices:
        assert notice["Subject"] == "You won in the Nights of 2026 draw"
        assert "Congratulations: you won" in SmtpRelay.body(notice)
