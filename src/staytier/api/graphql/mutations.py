"""What every mutation shares. Each resolver decodes its input, calls one service, and maps
refusals to ``userErrors`` (see :func:`attempt`); a refused mutation has changed nothing. The
mutations themselves live with their area (``stay_mutations``, ``profiles``, ``privileges``
...), each area a class that ``schema.py`` merges into the Mutation root.

Most services take the runtime and one command, under the caller's idempotency scope:
:func:`attempt_for` runs one for the signed-in client; :func:`attempt_as` one that also
records the client as its actor, :func:`attempt_spending` one that spends points (the
client as spender) and :func:`attempt_reported` one that writes stays (the client as their
reporter)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Protocol, TypeVar

from staytier.api.graphql.errors import UserError, user_errors
from staytier.api.graphql.guest_approvals import spender_of
from staytier.domain.errors import BusinessRuleError
from staytier.domain.stay_ownership import actor_of

if TYPE_CHECKING:
    from staytier.api.graphql.context import Context
    from staytier.domain.guest_approvals import Spender
    from staytier.domain.stay_ownership import StayActor
    from staytier.services.runtime import Runtime

T = TypeVar("T")
C = TypeVar("C")
R = TypeVar("R")
C_in = TypeVar("C_in", contravariant=True)
R_out = TypeVar("R_out", covariant=True)


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
