"""Webhooks from partners: a property's checkout, card spend, a car rental, a review.

A webhook is accepted only when it is signed by the partner (Standard Webhooks, see
:mod:`staytier.domain.webhooks`), recent, decoded strictly into its struct, and not seen
before; then it goes through the same service as any other report of a stay or activity.
The webhook-id is the idempotency key of that service call (scoped to the partner), so the
effect and the record that the id was processed are written in one transaction; a receipt
with the result is kept for operators and for answering a replayed id. Any refusal leaves
nothing behind.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from staytier.domain.errors import BusinessRuleError
from staytier.domain.stay_ownership import StayActor, StayActorKind
from staytier.domain.stays import Folio, StayStatus
from staytier.domain.webhooks import WebhookRefused, verify
from staytier.services import reviews
from staytier.services.activity import RecordActivity, record_activity
from staytier.services.idempotency import MAX_KEY_LENGTH, Result
from staytier.services.partner_feeds import (
    CARD_SPEND_ACTIVITY_KIND,
    RENTAL_ACTIVITY_KIND,
    CardSpend,
    Checkout,
    Rental,
    Review,
)
from staytier.services.partners import Partner, PartnerKind
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay, record_stay
from staytier.store.models import PartnerWebhook


class Feed(enum.Enum):
    """What a partner may post to us, by endpoint."""

    CHECKOUTS = "checkouts"
    CARD_SPEND = "card-spend"
    RENTALS = "rentals"
    REVIEWS = "reviews"


PAYLOADS: dict[Feed, type[msgspec.Struct]] = {
    Feed.CHECKOUTS: Checkout,
    Feed.CARD_SPEND: CardSpend,
    Feed.RENTALS: Rental,
    Feed.REVIEWS: Review,
}
SENDERS: dict[Feed, frozenset[PartnerKind]] = {
    Feed.CHECKOUTS: frozenset({PartnerKind.PMS, PartnerKind.BOOKING_SITE}),
    Feed.CARD_SPEND: frozenset({PartnerKind.COBRAND_CARD}),
    Feed.RENTALS: frozenset({PartnerKind.CAR_RENTAL}),
    Feed.REVIEWS: frozenset({PartnerKind.BOOKING_SITE}),
}


class WebhookRejected(Exception):
    """A webhook refused with an HTTP status and a message saying why; ``detail`` carries
    the business errors (422) or the first result (409)."""

    def __init__(self, status: int, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class Webhook:
    """A webhook as it arrived: its three signature headers and the raw body."""

    webhook_id: str
    timestamp: str
    signature: str
    body: bytes

    @classmethod
    def of(cls, headers: Mapping[str, str], body: bytes) -> Webhook:
        return cls(
            headers.get("webhook-id", ""),
            headers.get("webhook-timestamp", ""),
            headers.get("webhook-signature", ""),
            body,
        )


async def receive(runtime: Runtime, partner_code: str, feed: Feed, webhook: Webhook) -> Result:
    """Checks and applies one webhook; returns ``{"webhook_id", "member_number", ...}`` with
    the record written, or raises :class:`WebhookRejected`."""
    partner = _sender(runtime, partner_code, feed)
    secrets = runtime.partners.webhook_secrets(partner)
    if not secrets:
        raise WebhookRejected(
            503, f"webhooks from {partner.code} are not configured here: no secret is set"
        )
    try:
        verify(
            secrets,
            webhook_id=webhook.webhook_id,
            timestamp=webhook.timestamp,
            signature=webhook.signature,
            body=webhook.body,
            now=runtime.now(),
        )
    except WebhookRefused as exc:
        raise WebhookRejected(exc.status, str(exc)) from exc
    if len(webhook.webhook_id) > MAX_KEY_LENGTH:
        raise WebhookRejected(400, f"the webhook-id has more than {MAX_KEY_LENGTH} characters")
    await _refuse_if_processed(runtime, partner, webhook.webhook_id)
    try:
        payload = msgspec.json.decode(webhook.body, type=PAYLOADS[feed], strict=True)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise WebhookRejected(400, str(exc)) from exc
    try:
        result, member_id = await _apply(runtime, partner, feed, payload, webhook.webhook_id)
    except BusinessRuleError as exc:
        errors = getattr(exc, "errors", [exc])
        detail = [{"code": e.code.value, "field": e.field, "message": e.message} for e in errors]
        raise WebhookRejected(422, exc.message, detail) from exc
    answer = {"webhook_id": webhook.webhook_id, **result}
    await _keep_receipt(runtime, partner, feed, webhook.webhook_id, answer, member_id)
    return answer


def _sender(runtime: Runtime, partner_code: str, feed: Feed) -> Partner:
    partner = runtime.partners.get(partner_code)
    if partner is None or partner.kind not in SENDERS[feed]:
        raise WebhookRejected(404, f"no partner {partner_code} posts {feed.value}")
    return partner


async def _refuse_if_processed(runtime: Runtime, partner: Partner, webhook_id: str) -> None:
    async with runtime.db.reading() as session:
        receipt = await session.scalar(
            select(PartnerWebhook).where(
                PartnerWebhook.partner == partner.code, PartnerWebhook.webhook_id == webhook_id
            )
        )
    if receipt is not None:
        raise _already(webhook_id, receipt)


def _already(webhook_id: str, receipt: PartnerWebhook) -> WebhookRejected:
    return WebhookRejected(
        409,
        f"webhook {webhook_id} was already processed at {receipt.received_at.isoformat()}",
        receipt.result,
    )


async def _apply(
    runtime: Runtime, partner: Partner, feed: Feed, payload: Any, webhook_id: str
) -> tuple[Result, int]:
    """The webhook's answer, and the member it credited."""
    scope = f"partner:{partner.code}"
    if isinstance(payload, Checkout):
        written = await record_stay(
            runtime, _stay(payload, webhook_id), scope=scope, actor=stay_actor(partner)
        )
        answer = {"member_number": payload.member_number, "stay_id": written.stay.id}
        return answer, written.member_id
    if isinstance(payload, Review):
        return await _review(runtime, partner, payload, webhook_id)
    assert partner.activity_source is not None  # the partners file requires it
    card = isinstance(payload, CardSpend)  # else a car rental
    command = RecordActivity(
        idempotency_key=webhook_id,
        member_number=payload.member_number,
        source=partner.activity_source,
        kind=CARD_SPEND_ACTIVITY_KIND if card else RENTAL_ACTIVITY_KIND,
        occurred_on=payload.spent_on if card else payload.returned_on,
        amount=payload.amount,
        currency=payload.currency,
        reference=payload.transaction_id if card else payload.rental_agreement,
        description=payload.description,
        guest_last_name=payload.guest_last_name,
        guest_first_name=payload.guest_first_name,
    )
    recorded = await record_activity(runtime, command, scope=scope)
    answer = {"member_number": command.member_number, "activity_id": recorded.activity_id}
    return answer, recorded.member_id


def stay_actor(partner: Partner) -> StayActor:
    """Who a partner's stay feed reports as: a PMS is the system of the properties it
    serves (all of them when it lists none); a booking site is a booking partner, which
    may not report a checkout (the property does)."""
    client_id = f"partner:{partner.code}"
    if partner.kind is PartnerKind.PMS:
        return StayActor(
            StayActorKind.PROPERTY,
            client_id,
            property_codes=frozenset(partner.properties),
            every_property=not partner.properties,
        )
    return StayActor(StayActorKind.BOOKING_PARTNER, client_id, partner_code=partner.code)


async def _review(
    runtime: Runtime, partner: Partner, review: Review, webhook_id: str
) -> tuple[Result, int]:
    command = reviews.CreditReview(
        idempotency_key=webhook_id,
        partner=partner.code,
        member_number=review.member_number,
        property_code=review.property_code,
        confirmation_number=review.confirmation_number,
        review_id=review.review_id,
        rating=review.rating,
        posted_on=review.posted_on,
        guest_last_name=review.guest_last_name,
        guest_first_name=review.guest_first_name,
    )
    credited = await reviews.credit_review(runtime, command, scope=f"partner:{partner.code}")
    return {"member_number": review.member_number, "points": credited.points}, credited.member_id


def _stay(checkout: Checkout, webhook_id: str) -> RecordStay:
    return RecordStay(
        idempotency_key=webhook_id,
        member_number=checkout.member_number,
        property_code=checkout.property_code,
        confirmation_number=checkout.confirmation_number,
        status=StayStatus.COMPLETED,
        folio=Folio(
            arrival=checkout.arrival_date,
            departure=checkout.departure_date,
            rate_code=checkout.rate_code,
            currency=checkout.currency or "",
            room_revenue=checkout.room_revenue,
            food_and_beverage_revenue=checkout.food_and_beverage_revenue,
            other_revenue=checkout.other_revenue,
        ),
        room_type=checkout.room_type,
        guest_last_name=checkout.guest_last_name,
        guest_first_name=checkout.guest_first_name,
    )


async def _keep_receipt(
    runtime: Runtime,
    partner: Partner,
    feed: Feed,
    webhook_id: str,
    result: Result,
    member_id: int,
) -> None:
    try:
        async with runtime.db.transaction() as session:
            session.add(
                PartnerWebhook(
                    partner=partner.code,
                    webhook_id=webhook_id,
                    endpoint=feed.value,
                    member_id=member_id,
                    result=result,
                    received_at=runtime.now(),
                )
            )
    except IntegrityError:
        # The same webhook arrived twice at once; the other copy kept the receipt, and the
        # idempotency key let its effect happen once.
        async with runtime.db.reading() as session:
            receipt = await session.scalar(
                select(PartnerWebhook).where(
                    PartnerWebhook.partner == partner.code, PartnerWebhook.webhook_id == webhook_id
                )
            )
        assert receipt is not None
        raise _already(webhook_id, receipt) from None
