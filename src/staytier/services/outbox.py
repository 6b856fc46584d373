"""The transactional outbox: requests to partners, written with the business change.

A use case that needs a partner (a mile transfer, a donation, a room guarantee) calls
:func:`enqueue` in its own transaction, so the request exists exactly when the change does.
Workers (:mod:`staytier.services.delivery`) deliver the requests; when a request reaches
its final state the outcome handler registered for its operation runs in the same
transaction that records that state, once per request.

Outcome handlers are registered with :func:`outcome_handler` in the modules listed in
:data:`HANDLER_MODULES`, which are imported before any outcome is applied, so registration
never depends on what happened to be imported.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from staytier.domain.outbox import (
    OPEN_STATES,
    Backoff,
    RequestState,
    retry_delay,
    state_after_failure,
)
from staytier.services.partner_protocol import (
    Answer,
    Connectors,
    PartnerOutcome,
    checked_payload,
)
from staytier.services.runtime import Runtime
from staytier.store.deferred import add_row_with_id, ensure_id
from staytier.store.models import PartnerRequest

__all__ = [
    "HANDLER_MODULES",
    "OutcomeHandler",
    "PartnerOutcome",
    "PartnerRequestRow",
    "enqueue",
    "outcome_handler",
]

log = logging.getLogger("staytier.outbox")

PartnerRequestRow = PartnerRequest
OutcomeHandler = Callable[
    [AsyncSession, Runtime, PartnerRequestRow, PartnerOutcome], Awaitable[None]
]

# Modules that register outcome handlers; imported before any outcome is applied.
HANDLER_MODULES: tuple[str, ...] = (
    "staytier.services.donations",
    "staytier.services.miles",
    "staytier.services.guarantees",
    "staytier.services.guest_mail",
)

_handlers: dict[str, OutcomeHandler] = {}
# Operations whose outcome changes nothing (a mail sent or not), so none is registered on
# purpose: no warning, and a DEAD request stays replayable.
_without_outcome: set[str] = set()
_OPEN = [state.value for state in OPEN_STATES]


def outcome_handler(operation: str) -> Callable[[OutcomeHandler], OutcomeHandler]:
    """Registers the function that applies the final outcome of ``operation``'s requests:
    ``handler(session, runtime, request, outcome)``, called in the transaction that records
    the final state (ACCEPTED, REJECTED or DEAD), once per request. That a connector
    performs ``operation`` is checked where the connectors are known
    (:func:`unperformed_operations`)."""

    def register(handler: OutcomeHandler) -> OutcomeHandler:
        registered = _handlers.get(operation)
        if registered is not None and registered is not handler:
            raise ValueError(f"{operation!r} already has an outcome handler: {registered!r}")
        _handlers[operation] = handler
        return handler

    return register


def without_outcome(operation: str) -> None:
    """Declares that ``operation`` needs no outcome handler: its final state is all."""
    _without_outcome.add(operation)


def unperformed_operations(connectors: Connectors) -> list[str]:
    """The operations with an outcome handler (or declared without one) that no connector
    in ``connectors`` performs: a mistake in the wiring, empty when all is well."""
    import_handler_modules()
    return sorted(op for op in {*_handlers, *_without_outcome} if connectors.get(op) is None)


def import_handler_modules() -> None:
    """Imports :data:`HANDLER_MODULES`, registering their handlers (once; imports are cached)."""
    for module in HANDLER_MODULES:
        importlib.import_module(module)


def handler_for(operation: str) -> OutcomeHandler | None:
    """The handler registered for ``operation``, after importing :data:`HANDLER_MODULES`."""
    import_handler_modules()
    return _handlers.get(operation)


async def enqueue(
    session: AsyncSession,
    connectors: Connectors,
    *,
    partner: str,
    operation: str,
    payload: dict[str, object],
    idempotency_key: str,
    member_id: int | None = None,
    subject: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Writes a request to ``partner`` in the caller's transaction; returns its id.

    ``payload`` is checked against the request struct of the operation's connector in
    ``connectors`` (the runtime's; a ``ValueError`` names the field at fault).
    ``idempotency_key`` is sent on every attempt so the partner can deduplicate: derive it
    from the business record (``"donation:42"``). Requests of one member to one partner are
    delivered in the order they were enqueued. ``now`` (the
    runtime's clock) stamps the request; without it the database's time is used.
    """
    try:
        checked = checked_payload(connectors.connector_for(operation), dict(payload))
    except (KeyError, msgspec.ValidationError) as exc:
        raise ValueError(f"cannot enqueue {operation} for {partner}: {exc}") from exc
    stamp: Any = now if now is not None else func.current_timestamp()
    values = {
        "partner": partner,
        "operation": operation,
        "idempotency_key": idempotency_key,
        "member_id": member_id,
        "subject": subject,
        "payload": checked,
        "state": RequestState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": None,
        "replays": 0,
        "created_at": stamp,
        "updated_at": stamp,
    }
    if now is not None:
        # Plain values: a night audit's one flush writes it with the rest.
        return await add_row_with_id(session, PartnerRequest, values)
    request = PartnerRequest(**values)
    session.add(request)
    await ensure_id(session, request)
    return request.id


@dataclass(frozen=True)
class Claimed:
    """A request a worker holds the lease of, for one attempt."""

    id: int
    partner: str
    operation: str
    idempotency_key: str
    payload: dict[str, Any]
    member_id: int | None
    attempt: int
    lease_owner: str


async def claim(runtime: Runtime, worker: str, *, limit: int, lease: dt.timedelta) -> list[Claimed]:
    """Takes the lease of up to ``limit`` due requests for one attempt each.

    A request is due when it is open, its next attempt time has come, no worker holds an
    unexpired lease on it, and no earlier request of the same member to the same partner
    is still open (so a member's requests reach a partner in order). PostgreSQL skips rows
    another worker is claiming (``FOR UPDATE SKIP LOCKED``); on SQLite the claim runs in
    the one write transaction at a time. On both, the lease is taken by a conditional
    UPDATE that only succeeds on a lease still free.
    """
    now = runtime.now()
    token = f"{worker}#{uuid.uuid4().hex[:8]}"
    earlier = aliased(PartnerRequest)
    blocked = exists().where(
        earlier.member_id == PartnerRequest.member_id,
        earlier.partner == PartnerRequest.partner,
        earlier.id < PartnerRequest.id,
        earlier.state.in_(_OPEN),
    )
    lease_free = or_(
        PartnerRequest.lease_expires_at.is_(None), PartnerRequest.lease_expires_at <= now
    )
    due = (
        select(PartnerRequest.id)
        .where(
            PartnerRequest.state.in_(_OPEN),
            or_(PartnerRequest.next_attempt_at.is_(None), PartnerRequest.next_attempt_at <= now),
            lease_free,
            ~blocked,
        )
        .order_by(PartnerRequest.id)
        .limit(limit)
    )
    async with runtime.db.transaction() as session:
        if not runtime.db.is_sqlite:
            due = due.with_for_update(skip_locked=True, of=PartnerRequest)
        ids = list(await session.scalars(due))
        if not ids:
            return []
        await session.execute(
            update(PartnerRequest)
            .where(PartnerRequest.id.in_(ids), PartnerRequest.state.in_(_OPEN), lease_free)
            .values(
                attempts=PartnerRequest.attempts + 1,
                lease_owner=token,
                lease_expires_at=now + lease,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        rows = await session.scalars(
            select(PartnerRequest)
            .where(PartnerRequest.lease_owner == token)
            .order_by(PartnerRequest.id)
        )
        return [
            Claimed(
                id=row.id,
                partner=row.partner,
                operation=row.operation,
                idempotency_key=row.idempotency_key,
                payload=dict(row.payload),
                member_id=row.member_id,
                attempt=row.attempts,
                lease_owner=token,
            )
            for row in rows
        ]


async def record(
    runtime: Runtime,
    claimed: Claimed,
    answer: Answer,
    *,
    max_attempts: int,
    backoff: Backoff,
    draw: float,
) -> RequestState | None:
    """Records how an attempt ended; returns the request's new state, or None if the lease
    was lost meanwhile (another worker took the request over; this answer is dropped).

    A final answer, or the last failed attempt (DEAD), applies the outcome handler in the
    same transaction. If the handler fails, the request is left DEAD with its outcome not
    applied, so it can be replayed once the fault is fixed (the partner deduplicates the
    resent request by its idempotency key).
    """
    now = runtime.now()
    applying = False
    try:
        async with runtime.db.transaction() as session:
            row = await _leased(session, claimed)
            if row is None:
                return None
            row.updated_at, row.lease_owner, row.lease_expires_at = now, None, None
            row.last_error = answer.error[:500] or row.last_error
            state = _next_state(row, answer, max_attempts)
            if state in OPEN_STATES:
                row.state = state.value
                row.next_attempt_at = now + retry_delay(backoff, row.attempts, draw)
                return state
            outcome = answer.outcome or PartnerOutcome(
                False, {}, f"no final answer after {row.attempts} attempts; last: {answer.error}"
            )
            applying = True
            await _finish(session, runtime, row, state, outcome, now)
            return state
    except Exception as exc:
        if not applying:
            raise
        log.exception("partner request %s: applying its outcome failed", claimed.id)
        return await _dead_unapplied(runtime, claimed, answer, f"outcome handler failed: {exc!r}")


def _next_state(row: PartnerRequest, answer: Answer, max_attempts: int) -> RequestState:
    if answer.outcome is not None:
        return RequestState.ACCEPTED if answer.outcome.accepted else RequestState.REJECTED
    return state_after_failure(row.attempts, max_attempts)


async def _leased(session: AsyncSession, claimed: Claimed) -> PartnerRequest | None:
    row: PartnerRequest | None = await session.scalar(
        select(PartnerRequest)
        .where(
            PartnerRequest.id == claimed.id,
            PartnerRequest.lease_owner == claimed.lease_owner,
            PartnerRequest.attempts == claimed.attempt,
            PartnerRequest.state.in_(_OPEN),
        )
        .with_for_update()
    )
    return row


async def _finish(
    session: AsyncSession,
    runtime: Runtime,
    row: PartnerRequest,
    state: RequestState,
    outcome: PartnerOutcome,
    now: dt.datetime,
) -> None:
    row.state = state.value
    row.response = dict(outcome.response)
    row.outcome_reason = outcome.reason[:300]
    row.completed_at = now
    row.next_attempt_at = None
    handler = handler_for(row.operation)
    if handler is None:
        if row.operation in _without_outcome:
            return
        log.warning("partner request %s: no outcome handler for %s", row.id, row.operation)
        return
    await handler(session, runtime, row, outcome)
    row.outcome_applied_at = now


async def _dead_unapplied(
    runtime: Runtime, claimed: Claimed, answer: Answer, error: str
) -> RequestState | None:
    now = runtime.now()
    async with runtime.db.transaction() as session:
        row = await _leased(session, claimed)
        if row is None:
            return None
        row.state = RequestState.DEAD.value
        row.last_error = error[:500]
        if answer.outcome is not None:
            row.response = dict(answer.outcome.response)
            row.outcome_reason = answer.outcome.reason[:300]
        row.completed_at = row.updated_at = now
        row.lease_owner, row.lease_expires_at, row.next_attempt_at = None, None, None
    return RequestState.DEAD
