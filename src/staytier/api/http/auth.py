"""Who each request acts for: ``Authorization: Bearer <api key or guest token>``.

The middleware resolves the principal once per request, before GraphQL sees it, keeps it in
the request state (the GraphQL context and the rate limiter read it there) and names it as
the actor of any change the request makes (:func:`staytier.services.audit.acting_as`).
No header means the anonymous principal, which may only sign a guest in. On ``/graphql`` a
header that does not resolve (unknown, revoked, tampered, expired) is answered 401 at once;
other routes (health, partner webhooks with their own signatures) see such a request as
anonymous and decide for themselves.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Request
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from staytier.domain.access import ANONYMOUS, Principal
from staytier.services import audit
from staytier.services.clients import KEY_PREFIX, authenticate_key
from staytier.services.guest_sign_in import principal_of_token
from staytier.services.runtime import Runtime

GRAPHQL_PATH = "/graphql"


class InvalidCredentials(Exception):
    """The request named credentials that do not resolve to a principal."""


class Authenticator:
    """Turns an ``Authorization`` header into a :class:`Principal`."""

    async def principal(self, runtime: Runtime, authorization: str | None) -> Principal:
        if not authorization:
            return ANONYMOUS
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise InvalidCredentials("Use Authorization: Bearer <api key or guest token>.")
        if credential.startswith(KEY_PREFIX + "_"):
            found = await authenticate_key(runtime, credential)
        else:
            found = await principal_of_token(runtime, credential)
        if found is None:
            raise InvalidCredentials("The API key or guest token is not valid.")
        return found


def principal_of(scope: Scope | Request[Any, Any, Any]) -> Principal:
    state = scope.scope if isinstance(scope, Request) else scope
    found: Principal = state.get("state", {}).get("principal", ANONYMOUS)
    return found


def authenticate(app: ASGIApp) -> ASGIApp:
    """The middleware: resolves the principal, or answers 401."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        litestar_app = scope["app"]
        authenticator: Authenticator = litestar_app.state.authenticator
        header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        try:
            principal = await authenticator.principal(litestar_app.state.runtime, header)
        except InvalidCredentials as refused:
            if scope["path"].rstrip("/") == GRAPHQL_PATH:
                await _unauthorized(send, str(refused))
                return
            principal = ANONYMOUS
        state["principal"] = principal
        actor = audit.Actor(
            role=principal.role.value if principal.role else "anonymous",
            name=principal.name,
            client_id=principal.client_id,
            request_id=str(state.get("request_id", "")),
        )
        with audit.acting_as(actor):
            await app(scope, receive, send)

    return middleware


async def _unauthorized(send: Send, message: str) -> None:
    body = json.dumps({"errors": [{"message": message}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b'Bearer error="invalid_token"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _rate_limit_identity(request: Request[Any, Any, Any]) -> str:
    principal = principal_of(request)
    if principal.authenticated:
        return principal.client_id
    return "address:" + (request.client.host if request.client else "-")


def rate_limit(per_minute: int) -> RateLimitConfig:
    """Requests per minute per client (per address for anonymous requests): the next one
    is answered 429 with ``RateLimit-*`` headers saying when to try again."""
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        identifier_for_request=_rate_limit_identity,
        exclude=["/health", "/metrics"],
    )
