"""Who each request acts for: ``Authorization: Bearer <api key or guest token>``.

The middleware resolves the principal once per request, before GraphQL sees it, keeps it in
the request state (the GraphQL context and the rate limiter read it there) and names it as
the actor of any change the request makes (:func:`staytier.services.audit.acting_as`).
No header means the anonymous principal, which may only sign a guest in. On ``/graphql`` a
header that does not resolve (unknown, revoked, tampered, expired) is answered 401 at once,
and one whose key id or address has failed too often lately is answered 429 with
``Retry-After`` without being checked (see :mod:`staytier.api.failed_credentials`);
other routes (health, partner webhooks with their own signatures) see such a request as
anonymous and decide for themselves.
"""

from __future__ import annotations

import json
from typing import Any, Self

from litestar import Request
from litestar.enums import ScopeType
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

from staytier.api.failed_credentials import (
    FailedCredentials,
    FailureLimits,
    TooManyFailures,
)
from staytier.domain.access import ANONYMOUS, Principal
from staytier.services import audit
from staytier.services.clients import KEY_PREFIX, KeyVerifier, check_key
from staytier.services.guest_sign_in import principal_of_token
from staytier.services.runtime import Runtime
from staytier.settings import Settings

GRAPHQL_PATH = "/graphql"


class InvalidCredentials(Exception):
    """The request named credentials that do not resolve to a principal."""


class Authenticator:
    """Turns an ``Authorization`` header into a :class:`Principal`, counting failures per
    key id and per client address (``address``) and refusing those over their limits."""

    def __init__(
        self, failures: FailedCredentials | None = None, verifier: KeyVerifier | None = None
    ) -> None:
        self.failures = failures or FailedCredentials()
        self.verifier = verifier or KeyVerifier()

    @classmethod
    def for_settings(cls, settings: Settings) -> Self:
        """An authenticator with the failure limits and argon2 threads of ``settings``."""
        limits = FailureLimits(
            window_seconds=settings.auth_failure_window_seconds,
            per_address_and_key=settings.auth_failures_per_address_and_key,
            per_key=settings.auth_failures_per_key,
            per_address=settings.auth_failures_per_address,
        )
        return cls(FailedCredentials(limits), KeyVerifier(settings.argon2_threads))

    async def principal(
        self, runtime: Runtime, authorization: str | None, *, address: str = "-"
    ) -> Principal:
        if not authorization:
            return ANONYMOUS
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise InvalidCredentials("Use Authorization: Bearer <api key or guest token>.")
        if credential.startswith(KEY_PREFIX + "_"):
            return await self._key_principal(runtime, credential, address)
        found = await principal_of_token(runtime, credential)
        if found is None:
            self.failures.failed_without_client(address)
            raise InvalidCredentials("The API key or guest token is not valid.")
        return found

    async def _key_principal(self, runtime: Runtime, key: str, address: str) -> Principal:
        """A key's argon2 check is admitted only while its key id is under its failure
        limits (per address and key id, and per key id); a key id no live client has
        counts against the address."""
        checked = await check_key(
            runtime,
            key,
            self.verifier,
            admit=lambda key_id: self.failures.admit_key(address, key_id),
        )
        if checked.principal is not None:
            return checked.principal
        if not checked.known:
            self.failures.failed_without_client(address)
        raise InvalidCredentials("The API key or guest token is not valid.")


def principal_of(scope: Scope | Request[Any, Any, Any]) -> Principal:
    state = scope.scope if isinstance(scope, Request) else scope
    found: Principal = state.get("state", {}).get("principal", ANONYMOUS)
    return found


def authenticate(app: ASGIApp) -> ASGIApp:
    """The middleware: resolves the principal, or answers 401."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        litestar_app = scope["app"]
        authenticator: Authenticator = litestar_app.state.authenticator
        header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        try:
            principal = await authenticator.principal(
                litestar_app.state.runtime, header, address=client_address(scope)
            )
        except (InvalidCredentials, TooManyFailures) as refused:
            if scope["path"].rstrip("/") == GRAPHQL_PATH:
                await _refuse(send, refused)
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


def client_address(scope: Scope) -> str:
    """The client's address as the server saw it (behind a proxy, run uvicorn with
    ``--proxy-headers`` and ``--forwarded-allow-ips`` so this is the real client's)."""
    client = scope.get("client")
    return str(client[0]) if client else "-"


async def _refuse(send: Send, refused: InvalidCredentials | TooManyFailures) -> None:
    """401 for credentials that do not resolve; 429 with ``Retry-After`` for credentials
    refused for earlier failures (``extensions.code`` TOO_MANY_FAILED_ATTEMPTS and
    ``retryAfter``). The body is a GraphQL error either way, so a client reads it like any
    other."""
    error: dict[str, object] = {"message": str(refused)}
    headers = [(b"content-type", b"application/json")]
    if isinstance(refused, TooManyFailures):
        status = 429
        error["extensions"] = {
            "code": "TOO_MANY_FAILED_ATTEMPTS",
            "retryAfter": refused.retry_after,
        }
        headers.append((b"retry-after", str(refused.retry_after).encode()))
    else:
        status = 401
        headers.append((b"www-authenticate", b'Bearer error="invalid_token"'))
    body = json.dumps({"errors": [error]}).encode()
    headers.append((b"content-length", str(len(body)).encode()))
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": headers,
    }
    await send(start)
    # more_body False (the ASGI default, said out loud): Litestar's event type requires it.
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)


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
