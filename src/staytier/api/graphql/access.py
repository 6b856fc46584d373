"""Access, audit and privacy: guest sign-in, the audit log, a guest's data export, erasure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import strawberry
from litestar.background_tasks import BackgroundTask
from strawberry import relay
from strawberry.types import Info

from staytier.api.auth import Authenticator, client_address
from staytier.api.failed_credentials import FailedCredentials, TooManyFailures
from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError, user_errors
from staytier.api.graphql.mutations import attempt
from staytier.api.graphql.pagination import Page, read_page
from staytier.api.graphql.permissions import AdminOnly, DataExporters, Public
from staytier.api.graphql.scalars import json_or_null
from staytier.api.graphql.types import Guest
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.services import audit, guest_sign_in, privacy
from staytier.services.visibility import can_see_member
from staytier.store import models
from staytier.store.queries import member_by_number

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


@strawberry.type(description="One change to points, tier, a profile or a client.")
class AuditLogEntry(relay.Node):
    entry_id: relay.NodeID[int]
    occurred_at: dt.datetime
    actor_role: str = strawberry.field(description="admin, front_desk, …; system for jobs.")
    actor: str = strawberry.field(description="The client's name, or the guest.")
    client_id: str
    request_id: str
    subject: str = strawberry.field(
        description="points, tier, preference, special_date, consent, client or member."
    )
    action: str
    member_number: str | None
    subject_key: str
    before: strawberry.scalars.JSON | None
    after: strawberry.scalars.JSON | None

    @classmethod
    def of(cls, row: tuple[models.AuditEntry, str | None]) -> AuditLogEntry:
        entry, number = row
        return copy_fields(
            cls,
            entry,
            entry_id=entry.id,
            member_number=number,
            before=json_or_null(entry.before),
            after=json_or_null(entry.after),
        )


@strawberry.input
class RequestGuestSignInInput:
    email: str


@strawberry.type
class RequestGuestSignInPayload:
    sent: bool = strawberry.field(
        description="Always true: whether the email is a member's is not revealed."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CompleteGuestSignInInput:
    email: str
    code: str


@strawberry.type
class CompleteGuestSignInPayload:
    token: str | None = strawberry.field(
        default=None, description="Send as `Authorization: Bearer <token>` until `expiresAt`."
    )
    expires_at: dt.datetime | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class EraseGuestInput:
    member_number: str
    reason: str = strawberry.field(description="Why, e.g. the guest's request and its date.")


@strawberry.type
class EraseGuestPayload:
    erased_at: dt.datetime | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _in_sight(context: Context, member_number: str) -> int | None:
    async with context.runtime.db.reading() as session:
        member = await member_by_number(session, member_number.strip())
        if member is None or not await can_see_member(
            session, context.runtime, context.principal, member.id
        ):
            return None
    return member.id


@strawberry.type
class AccessQuery:
    @strawberry.field(
        description="The audit log, newest first; one member's, or one subject's. Admin only.",
        permission_classes=[AdminOnly],
    )
    async def audit_log(
        self,
        info: Info[Context, None],
        member_number: str | None = None,
        subject: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[AuditLogEntry]:
        member_id = None
        if member_number is not None:
            member_id = await _in_sight(info.context, member_number) or -1

        async def fetch(
            session: AsyncSession, page: Page[int]
        ) -> list[tuple[models.AuditEntry, str | None]]:
            rows = await audit.audit_page(
                session, first=page.size, before_id=page.after, member_id=member_id, subject=subject
            )
            numbers = await audit.member_numbers(session, rows)
            return [(r, None if r.member_id is None else numbers.get(r.member_id)) for r in rows]

        return await read_page(
            info.context, "auditLog", first, after, fetch, lambda r: r[0].id, AuditLogEntry.of
        )

    @strawberry.field(
        description="Everything held on a member, as one JSON document: a guest's own, or "
        "any for an admin. Null when unknown or not visible.",
        permission_classes=[DataExporters],
    )
    async def export_guest_data(
        self, info: Info[Context, None], member_number: str
    ) -> strawberry.scalars.JSON | None:
        member_id = await _in_sight(info.context, member_number)
        if member_id is None:
            return None
        document = await privacy.export_guest_data(info.context.runtime, member_id)
        return strawberry.scalars.JSON(document)


@dataclass(frozen=True)
class SignInAttempts:
    """Wrong sign-in codes count against the email and the client's address, as failed
    API keys do (see ``api/failed_credentials.py``); over a limit the code is not
    even checked, and the answer says when to try again (also as ``Retry-After``)."""

    context: Context
    failures: FailedCredentials
    address: str
    email: str

    @classmethod
    def of(cls, context: Context, email: str) -> SignInAttempts:
        request = context.http_request()
        authenticator: Authenticator = request.app.state.authenticator
        address = client_address(request.scope)
        return cls(context, authenticator.failures, address, email.strip().lower())

    def check(self) -> None:
        self.failures.check_sign_in(self.address, self.email)

    def failed(self) -> None:
        self.failures.sign_in_failed(self.address, self.email)

    def refusal(self, refused: TooManyFailures) -> list[UserError]:
        self.context.http_response().headers["Retry-After"] = str(refused.retry_after)
        return [UserError(code=ErrorCode.TOO_MANY_ATTEMPTS, field="code", message=str(refused))]


@strawberry.type
class AccessMutation:
    @strawberry.mutation(
        description="Mails a one-time sign-in code to a member's registered email.",
        permission_classes=[Public],
    )
    async def request_guest_sign_in(
        self, info: Info[Context, None], input: RequestGuestSignInInput
    ) -> RequestGuestSignInPayload:
        runtime = info.context.runtime
        mail = await guest_sign_in.request_sign_in(runtime, input.email)
        # Sent after the answer, for a member or not: its time never shows in the answer's.
        info.context.after_response(BackgroundTask(guest_sign_in.send_sign_in_mail, runtime, mail))
        return RequestGuestSignInPayload(sent=True)

    @strawberry.mutation(
        description="Exchanges the emailed code for a guest token.", permission_classes=[Public]
    )
    async def complete_guest_sign_in(
        self, info: Info[Context, None], input: CompleteGuestSignInInput
    ) -> CompleteGuestSignInPayload:
        runtime = info.context.runtime
        attempts = SignInAttempts.of(info.context, input.email)
        try:
            attempts.check()
            signed_in = await guest_sign_in.complete_sign_in(runtime, input.email, input.code)
        except TooManyFailures as refused:
            return CompleteGuestSignInPayload(user_errors=attempts.refusal(refused))
        except BusinessRuleError as refused:
            attempts.failed()
            return CompleteGuestSignInPayload(user_errors=user_errors(refused))
        return CompleteGuestSignInPayload(
            token=signed_in.token.token,
            expires_at=signed_in.token.expires_at,
            guest=Guest.of(signed_in.member),
        )

    @strawberry.mutation(
        description="Erases a member's personal data for good; the ledger keeps anonymous "
        "entries. Admin only.",
        permission_classes=[AdminOnly],
    )
    async def erase_guest(
        self, info: Info[Context, None], input: EraseGuestInput
    ) -> EraseGuestPayload:
        result, errors = await attempt(
            privacy.erase_guest(info.context.runtime, input.member_number.strip(), input.reason)
        )
        if result is None:
            return EraseGuestPayload(user_errors=errors)
        return EraseGuestPayload(erased_at=dt.datetime.fromisoformat(result["erased_at"]))
