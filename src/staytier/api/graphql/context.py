"""The per-request GraphQL context, built by a Litestar dependency."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.background_tasks import BackgroundTask, BackgroundTasks
from strawberry.dataloader import DataLoader
from strawberry.litestar import BaseContext

from staytier.api.auth import principal_of
from staytier.domain.access import ANONYMOUS, Principal, Role
from staytier.domain.insight import MemberValue
from staytier.services import guests, member_value, profile_views
from staytier.services.profile_views import PreferenceView
from staytier.services.runtime import Runtime
from staytier.store.models import ConsentRecord, Member, SpecialDate


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
    preference_loader: DataLoader[int, list[PreferenceView]] | None = None
    # Batches a list of guests' member value the same way.
    value_loader: DataLoader[int, MemberValue] | None = None
    # The per-guest reads a page of guests asks for (tier, progress and points; special
    # dates; consents), batched: one load per page, not per guest. Not cached across the
    # request: a guest read again after a mutation in the same document reads afresh (a
    # Guest object keeps its own standing for its fields).
    standing_loader: DataLoader[Member, guests.GuestStanding] | None = None
    special_date_loader: DataLoader[int, list[SpecialDate]] | None = None
    consent_loader: DataLoader[int, list[ConsentRecord]] | None = None

    def standing_of(self) -> DataLoader[Member, guests.GuestStanding]:
        if self.standing_loader is None:
            self.standing_loader = DataLoader(load_fn=self._load_standings, cache=False)
        return self.standing_loader

    async def _load_standings(self, members: list[Member]) -> list[guests.GuestStanding]:
        async with self.runtime.db.reading() as session:
            return await guests.guest_standings(session, self.runtime, members)

    def special_dates_of(self) -> DataLoader[int, list[SpecialDate]]:
        if self.special_date_loader is None:
            self.special_date_loader = DataLoader(load_fn=self._load_special_dates, cache=False)
        return self.special_date_loader

    async def _load_special_dates(self, member_ids: list[int]) -> list[list[SpecialDate]]:
        # A front desk sees the dates that fall during a stay its properties serve.
        principal = self.principal
        codes = principal.property_codes if principal.role is Role.FRONT_DESK else None
        async with self.runtime.db.reading() as session:
            found = await profile_views.special_dates_seen(session, self.runtime, member_ids, codes)
        return [found[member_id] for member_id in member_ids]

    def consents_of(self) -> DataLoader[int, list[ConsentRecord]]:
        if self.consent_loader is None:
            self.consent_loader = DataLoader(load_fn=self._load_consents, cache=False)
        return self.consent_loader

    async def _load_consents(self, member_ids: list[int]) -> list[list[ConsentRecord]]:
        async with self.runtime.db.reading() as session:
            found = await profile_views.consents_in_force(session, member_ids)
        return [found[member_id] for member_id in member_ids]

    # ``/graphql`` is served over HTTP only (no subscriptions), and its POST handler
    # (``api/http/graphql_endpoint.py``) sets ``request`` and ``response`` before any
    # resolver runs; Strawberry's base context types them as optional for websockets.
    def http_request(self) -> Request[Any, Any, Any]:
        """The HTTP request being answered."""
        if self.request is None:
            raise RuntimeError("The GraphQL context has no HTTP request")
        return self.request

    def http_response(self) -> Response[Any]:
        """The response under construction (its headers and background tasks)."""
        if self.response is None:
            raise RuntimeError("The GraphQL context has no HTTP response")
        return self.response

    def after_response(self, task: BackgroundTask) -> None:
        """Runs ``task`` once the answer is sent: its time never shows in the answer's."""
        queued = self.http_response().background
        if not isinstance(queued, BackgroundTasks):
            raise RuntimeError("The GraphQL response was built without background tasks")
        queued.tasks = [*queued.tasks, task]

    def value_of(self) -> DataLoader[int, MemberValue]:
        if self.value_loader is None:
            self.value_loader = DataLoader(load_fn=self._load_values)
        return self.value_loader

    async def _load_values(self, member_ids: list[int]) -> list[MemberValue]:
        today = self.runtime.today()
        async with self.runtime.db.reading() as session:
            found = await member_value.values_of(session, self.runtime, member_ids, today)
        return [found[member_id] for member_id in member_ids]

    def preferences_of(self) -> DataLoader[int, list[PreferenceView]]:
        if self.preference_loader is None:
            self.preference_loader = DataLoader(load_fn=self._load_preferences)
        return self.preference_loader

    async def _load_preferences(self, member_ids: list[int]) -> list[list[PreferenceView]]:
        async with self.runtime.db.reading() as session:
            found = await profile_views.preferences_by_member(
                session, member_ids, self.runtime.catalog
            )
        return [found[member_id] for member_id in member_ids]


async def context_getter(request: Request[Any, Any, Any]) -> Context:
    runtime: Runtime = request.app.state.runtime
    request_id = request.scope.get("state", {}).get("request_id") or uuid.uuid4().hex
    principal = principal_of(request)
    return Context(
        runtime=runtime,
        request_id=request_id,
        principal=principal,
        idempotency_scope=principal.client_id,
    )
