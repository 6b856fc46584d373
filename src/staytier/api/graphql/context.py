"""The per-request GraphQL context, built by a Litestar dependency."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Request
from strawberry.dataloader import DataLoader
from strawberry.litestar import BaseContext

from staytier.api.auth import principal_of
from staytier.domain.access import ANONYMOUS, Principal
from staytier.domain.insight import MemberValue
from staytier.services import member_value, profile_views
from staytier.services.runtime import Runtime
from staytier.store.models import Preference


class Context(BaseContext, kw_only=True):
    runtime: Runtime
    request_id: str
    # Who the request acts for; the permission classes read it.
    principal: Principal = ANONYMOUS
    # Idempotency keys are per client: two clients may use the same key for different work.
    idempotency_scope: str = ""
    # Members this request has shown to be visible to the principal (see services.visibility).
    visible_members: dict[int, bool] = msgspec.field(default_factory=dict)
    # Batches a list of guests' preferences (search results) into one query per request.
    preference_loader: DataLoader[int, list[Preference]] | None = None
    # Batches a list of guests' member value the same way.
    value_loader: DataLoader[int, MemberValue] | None = None

    def value_of(self) -> DataLoader[int, MemberValue]:
        if self.value_loader is None:
            self.value_loader = DataLoader(load_fn=self._load_values)
        return self.value_loader

    async def _load_values(self, member_ids: list[int]) -> list[MemberValue]:
        today = self.runtime.today()
        async with self.runtime.db.reading() as session:
            found = await member_value.values_of(session, self.runtime, member_ids, today)
        return [found[member_id] for member_id in member_ids]

    def preferences_of(self) -> DataLoader[int, list[Preference]]:
        if self.preference_loader is None:
            self.preference_loader = DataLoader(load_fn=self._load_preferences)
        return self.preference_loader

    async def _load_preferences(self, member_ids: list[int]) -> list[list[Preference]]:
        async with self.runtime.db.reading() as session:
            found = await profile_views.preferences_by_member(
                session, member_ids, self.runtime.catalog
            )
        return [found[member_id] for member_id in member_ids]


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
