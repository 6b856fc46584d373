"""The per-request GraphQL context, built by a Litestar dependency."""

from __future__ import annotations

import uuid

from litestar import Request
from strawberry.litestar import BaseContext

from staytier.services.runtime import Runtime


class Context(BaseContext, kw_only=True):
    runtime: Runtime
    request_id: str
    # Idempotency keys are per client; access control (per API key) will narrow this.
    idempotency_scope: str = ""


async def context_getter(request: Request) -> Context:  # type: ignore[type-arg]
    runtime: Runtime = request.app.state.runtime
    request_id = request.scope.get("state", {}).get("request_id") or uuid.uuid4().hex
    return Context(runtime=runtime, request_id=request_id)
