"""The per-request GraphQL context, built by a Litestar dependency."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Request
from strawberry.litestar import BaseContext

from staytier.api.http.auth import principal_of
from staytier.domain.access import ANONYMOUS, Principal
from staytier.services.runtime import Runtime


class Context(BaseContext, kw_only=True):
    runtime: Runtime
    request_id: str
    # Who the request acts for; the permission classes read it.
    principal: Principal = ANONYMOUS
    # Idempotency keys are per client: two clients may use the same key for different work.
    idempotency_scope: str = ""
    # Members this request has shown to be visible to the principal (see services.visibility).
    visible_members: dict[int, bool] = msgspec.field(default_factory=dict)


async def context_getter(request: Request) -> Context:  # type: ignore[type-arg]
    runtime: Runtime = request.app.state.runtime
    request_id = request.scope.get("state", {}).get("request_id") or uuid.uuid4().hex
    principal = principal_of(request)
    return Context(
        runtime=runtime,
        request_id=request_id,
        principal=principal,
        idempotency_scope=principal.client_id,
    )
