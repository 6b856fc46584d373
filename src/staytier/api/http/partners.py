"""REST endpoints partners post to:
``POST /partners/{code}/checkouts | card-spend | rentals | reviews``.

Each request is a Standard Webhooks delivery (``webhook-id``, ``webhook-timestamp``,
``webhook-signature`` headers over the raw JSON body); see docs/partners.md. The body is
read raw, because the signature covers its exact bytes, and decoded strictly by
:mod:`staytier.services.partner_webhooks`; its schema is documented in the OpenAPI
description from the same msgspec struct.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import Parameter

from staytier.services import audit
from staytier.services.partner_webhooks import PAYLOADS, Feed, Webhook, WebhookRejected, receive
from staytier.services.runtime import Runtime

# A partner's report is a few hundred bytes; anything near this is not one.
MAX_WEBHOOK_BYTES = 64 * 1024


class Refusal(msgspec.Struct, omit_defaults=True):
    """Why a webhook was refused; nothing of it was stored."""

    error: str
    detail: Any = None


class Processed(msgspec.Struct, omit_defaults=True):
    """The webhook was applied: the stay or activity recorded for the member, or the points
    a review earned."""

    webhook_id: str
    member_number: str
    stay_id: int | None = None
    activity_id: int | None = None
    points: int | None = None


REFUSALS = {
    400: ResponseSpec(
        Refusal,
        description="Malformed JSON, an unknown field or a wrong type "
        "(the message says which, and where), a body that is not UTF-8, or a webhook-id "
        "over 200 characters.",
    ),
    401: ResponseSpec(
        Refusal,
        description="A missing or malformed webhook-id, webhook-timestamp or "
        "webhook-signature header, a signature that does not match, or a timestamp more "
        "than 5 minutes from our clock; `error` says which.",
    ),
    404: ResponseSpec(Refusal, description="No such partner, or it does not post this feed."),
    409: ResponseSpec(
        Refusal,
        description="This webhook-id was already processed; `detail` "
        "holds the first result. Treat as delivered.",
    ),
    413: ResponseSpec(Refusal, description=f"Body larger than {MAX_WEBHOOK_BYTES} bytes."),
    422: ResponseSpec(
        Refusal,
        description="Well-formed, but the rules refuse it (unknown "
        "member or property, bad dates...); `detail` lists each error.",
    ),
    503: ResponseSpec(Refusal, description="No webhook secret is configured for the partner."),
}

WebhookId = Annotated[
    str | None,
    Parameter(header="webhook-id", description="Unique per event; resend with the same id."),
]
WebhookTimestamp = Annotated[
    str | None, Parameter(header="webhook-timestamp", description="Unix seconds when signed.")
]
WebhookSignature = Annotated[
    str | None,
    Parameter(
        header="webhook-signature",
        description="`v1,<base64 HMAC-SHA256 of id.timestamp.body>`; several space-separated.",
    ),
]


def _schema(node: dict[str, Any]) -> Schema:
    """A litestar Schema from the JSON schema msgspec writes for a flat struct."""
    if "anyOf" in node:
        return Schema(
            any_of=[_schema(option) for option in node["anyOf"]], default=node.get("default")
        )
    return Schema(
        type=OpenAPIType(node["type"]),
        format=node.get("format"),
        default=node.get("default"),
        description=node.get("description"),
        properties={name: _schema(p) for name, p in node.get("properties", {}).items()} or None,
        required=node.get("required"),
        additional_properties=node.get("additionalProperties"),
    )


def body_of(struct: type[msgspec.Struct]) -> type[Operation]:
    """An OpenAPI operation whose JSON request body is ``struct``."""
    document = msgspec.json.schema(struct)
    schema = _schema(document["$defs"][struct.__name__])

    @dataclass
    class WithBody(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                content={"application/json": OpenAPIMediaType(schema=schema)}, required=True
            )

    return WithBody


async def _receive(
    request: Request[Any, Any, State], partner_code: str, feed: Feed
) -> Response[Any]:
    runtime: Runtime = request.app.state.runtime
    body = await request.body()
    # The partner is the actor of what its webhook changes (the signature says it is).
    actor = audit.Actor(
        role="partner",
        name=partner_code,
        client_id=f"partner:{partner_code}",
        request_id=str(request.scope.get("state", {}).get("request_id", "")),
    )
    try:
        with audit.acting_as(actor):
            result = await receive(runtime, partner_code, feed, Webhook.of(request.headers, body))
    except WebhookRejected as refused:
        return Response(Refusal(refused.message, refused.detail), status_code=refused.status)
    return Response(Processed(**result), status_code=200)


def _webhook(feed: Feed, summary: str, description: str) -> HTTPRouteHandler:
    """The route a partner posts ``feed`` to. Every feed takes the same signed delivery, so
    one handler serves them all; its name (``card_spend`` for ``card-spend``) is what the
    OpenAPI operation id is made of."""

    # The webhook headers are read by Webhook.of; they are parameters so the OpenAPI
    # document lists them.
    async def handler(
        self: Controller,
        request: Request[Any, Any, State],
        partner_code: str,
        webhook_id: WebhookId = None,
        webhook_timestamp: WebhookTimestamp = None,
        webhook_signature: WebhookSignature = None,
    ) -> Response[Processed]:
        return await _receive(request, partner_code, feed)

    handler.__name__ = handler.__qualname__ = feed.value.replace("-", "_")
    return post(
        f"/{{partner_code:str}}/{feed.value}",
        summary=summary,
        description=description,
        operation_class=body_of(PAYLOADS[feed]),
        request_max_body_size=MAX_WEBHOOK_BYTES,
        responses=REFUSALS,
        status_code=200,
    )(handler)


class PartnerWebhooks(Controller):
    """What partners post to us, each a signed webhook."""

    path = "/partners"
    tags = ["partners"]

    checkouts = _webhook(
        Feed.CHECKOUTS,
        "A property reports a checkout",
        "The stay feed of a PMS or booking site: the stay is recorded as COMPLETED and "
        "credited; sending it again with changes corrects it.",
    )
    card_spend = _webhook(
        Feed.CARD_SPEND,
        "The co-brand card issuer reports card spend",
        "Credited by the program's SPEND activity rule of the partner's source.",
    )
    rentals = _webhook(
        Feed.RENTALS,
        "The car-rental partner reports a completed rental",
        "Credited by the program's RENTAL activity rule of the partner's source.",
    )
    reviews = _webhook(
        Feed.REVIEWS,
        "A review site reports a review of a completed stay",
        "Credits the program's surveys.review_points, once per stay, for a completed stay "
        "of the member whose name (guest_last_name, optional guest_first_name) matches.",
    )
