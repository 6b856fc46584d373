"""What every mutation shares. Each resolver decodes its input, calls one service, and maps
refusals to ``userErrors`` (see :func:`attempt`); a refused mutation has changed nothing. The
mutations themselves live with their area (``stay_mutations``, ``profiles``, ``privileges``
...), each area a class that ``schema.py`` merges into the Mutation root.

Most services take the runtime and one command, under the caller's idempotency scope:
:func:`attempt_for` runs one for the signed-in client; :func:`attempt_as` one that also
records the client as its actor, :func:`attempt_spending` one that spends points (the
client as spender), :func:`attempt_reported` one that writes stays (the client as their
reporter) and :func:`attempt_own` one on the signed-in guest's own member.

What a mutation on one member is asked, and what it answers, have one place too: its input
starts as a :class:`MemberRequestInput`, whose key and member :func:`member_request` hands
to the service's command (the number trimmed as every command wants it), and
:func:`member_payload` turns the attempt into its payload, of what the service did and the
member's guest as the client may see them now, or of its userErrors."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Protocol, TypedDict, TypeVar

import strawberry

from staytier.api.graphql.errors import UserError, user_errors
from staytier.api.graphql.guest_approvals import spender_of
from staytier.api.graphql.queries import load_guest
from staytier.api.graphql.selection import selects
from staytier.domain.errors import BusinessRuleError
from staytier.domain.stay_ownership import actor_of

if TYPE_CHECKING:
    from strawberry.types import Info

    from staytier.api.graphql.context import Context
    from staytier.api.graphql.guest_types import Guest
    from staytier.domain.guest_approvals import Spender
    from staytier.domain.stay_ownership import StayActor
    from staytier.services.runtime import Runtime

T = TypeVar("T")
C = TypeVar("C")
R = TypeVar("R")
P = TypeVar("P")
C_in = TypeVar("C_in", contravariant=True)
R_out = TypeVar("R_out", covariant=True)


@strawberry.input
class MemberRequestInput:
    """What every mutation on one member is asked first: its idempotency key, then the
    member's number (it is never a type of the schema itself, only the start of one)."""

    idempotency_key: str
    member_number: str


class MemberRequest(TypedDict):
    """The key and member a service command on one member takes, by these names."""

    idempotency_key: str
    member_number: str


def member_request(input: MemberRequestInput) -> MemberRequest:
    """The key and member of ``input`` as a command takes them (``Command(**member_request(
    input), ...)``): the number trimmed of what clients type around it."""
    return MemberRequest(
        idempotency_key=input.idempotency_key, member_number=input.member_number.strip()
    )


async def attempt(call: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """Runs a service call; a business refusal becomes userErrors, anything else propagates."""
    try:
        return await call, []
    except BusinessRuleError as error:
        return None, user_errors(error)


class Service(Protocol[C_in, R_out]):
    """A service that carries out one command under the caller's idempotency scope."""

    def __call__(
        self, runtime: Runtime, command: C_in, /, *, scope: str = ...
    ) -> Awaitable[R_out]: ...


class Acting(Protocol[C_in, R_out]):
    """A service that records which client acted, as :class:`Service` otherwise."""

    def __call__(
        self, runtime: Runtime, command: C_in, /, *, actor: str, scope: str = ...
    ) -> Awaitable[R_out]: ...


class Spending(Protocol[C_in, R_out]):
    """A service that spends a member's points, told who spends them."""

    def __call__(
        self, runtime: Runtime, command: C_in, /, *, spender: Spender, scope: str = ...
    ) -> Awaitable[R_out]: ...


class StayWriter(Protocol[C_in, R_out]):
    """A service writing stays, told who reports them (see stay_ownership)."""

    def __call__(
        self, runtime: Runtime, command: C_in, /, *, scope: str = ..., actor: StayActor = ...
    ) -> Awaitable[R_out]: ...


class OwnMember(Protocol[C_in, R_out]):
    """A service acting on the signed-in guest's own member, told which."""

    def __call__(
        self, runtime: Runtime, command: C_in, /, *, member_id: int, scope: str = ...
    ) -> Awaitable[R_out]: ...


async def attempt_for(
    context: Context, service: Service[C, R], command: C
) -> tuple[R | None, list[UserError]]:
    """Runs ``command`` through ``service`` for the signed-in client (see :func:`attempt`)."""
    return await attempt(service(context.runtime, command, scope=context.idempotency_scope))


async def attempt_as(
    context: Context, service: Acting[C, R], command: C
) -> tuple[R | None, list[UserError]]:
    """Runs ``command`` through ``service`` with the signed-in client as the actor it
    records (see :func:`attempt`)."""
    return await attempt(
        service(
            context.runtime,
            command,
            actor=context.principal.client_id,
            scope=context.idempotency_scope,
        )
    )


async def attempt_spending(
    context: Context, service: Spending[C, R], command: C
) -> tuple[R | None, list[UserError]]:
    """Runs a spending for the signed-in client: the guest spends their own, anyone else
    acts for the guest (see :func:`spender_of`)."""
    return await attempt(
        service(
            context.runtime,
            command,
            spender=spender_of(context.principal),
            scope=context.idempotency_scope,
        )
    )


async def attempt_reported(
    context: Context, service: StayWriter[C, R], command: C
) -> tuple[R | None, list[UserError]]:
    """Runs a stay command with the signed-in client as the reporter of its stays (see
    :func:`attempt`)."""
    return await attempt(
        service(
            context.runtime,
            command,
            scope=context.idempotency_scope,
            actor=actor_of(context.principal),
        )
    )


async def attempt_own(
    context: Context, service: OwnMember[C, R], command: C, no_member: UserError
) -> tuple[R | None, list[UserError]]:
    """Runs ``command`` through ``service`` on the signed-in guest's own member (see
    :func:`attempt`); a client signed in as no member is refused with ``no_member`` and
    nothing runs."""
    member_id = context.principal.member_id
    if member_id is None:
        return None, [no_member]
    return await attempt(
        service(context.runtime, command, member_id=member_id, scope=context.idempotency_scope)
    )


class OfMember(Protocol):
    """A service result naming the member it changed."""

    @property
    def member_id(self) -> int: ...


M = TypeVar("M", bound=OfMember)
M_in = TypeVar("M_in", bound=OfMember, contravariant=True)


class MemberPayload(Protocol[M_in, R_out]):
    """The payload type of a mutation on one member: a refusal's is built of its userErrors
    alone, a success's by ``of`` from the service's result and the member's guest."""

    def __call__(self, *, user_errors: list[UserError]) -> R_out: ...

    def of(self, result: M_in, guest: Guest | None, /) -> R_out: ...


async def member_payload(
    info: Info[Context, None],
    payload: MemberPayload[M, P],
    attempted: Awaitable[tuple[M | None, list[UserError]]],
) -> P:
    """The ``payload`` of an attempt (see :func:`attempt_for` and its kin): of its result
    and the guest it changed, as the signed-in client may see them, or of its userErrors.
    The guest is read only when the operation selects it (:mod:`.selection`)."""
    result, errors = await attempted
    if result is None:
        return payload(user_errors=errors)
    if not selects(info, "guest"):
        return payload.of(result, None)
    return payload.of(result, await load_guest(info.context, result.member_id))
