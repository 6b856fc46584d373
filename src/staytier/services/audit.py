"""The audit log: every change to points, tier, preferences, consent and clients, with who
made it, through which client, in which request, and the value before and after.

The actor comes from a context variable the HTTP layer sets for each request (see
:func:`acting_as`); jobs and the command line run as :data:`SYSTEM`. Writers call
:func:`record` in the transaction of the change, so a change and its entry commit together.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.scoped import scoped
from staytier.services.paging import newest_first
from staytier.store.deferred import add_row
from staytier.store.models import AuditEntry, Member


@dataclass(frozen=True)
class Actor:
    """Who a change is made for: a role and client name, the client id, the request id."""

    role: str
    name: str
    client_id: str
    request_id: str = ""


SYSTEM = Actor(role="system", name="staytier", client_id="")
_actor: ContextVar[Actor] = ContextVar("staytier_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _actor.get()


def acting_as(actor: Actor) -> AbstractContextManager[None]:
    """Attributes the changes made inside the block to ``actor``."""
    return scoped(_actor, actor)


def record(
    session: AsyncSession,
    *,
    at: dt.datetime,
    subject: str,
    action: str,
    member_id: int | None = None,
    subject_key: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Adds one audit entry to the caller's transaction (as plain values in a batch that
    defers its writes, see :func:`staytier.store.deferred.add_row`).

    ``subject`` is what changed (``points``, ``tier``, ``preference``, ``consent``,
    ``client``, ``member``); ``subject_key`` names it (a member number, a key id).
    """
    actor = current_actor()
    add_row(
        session,
        AuditEntry,
        {
            "occurred_at": at,
            "actor_role": actor.role,
            "actor": actor.name[:100],
            "client_id": actor.client_id[:60],
            "request_id": actor.request_id[:100],
            "subject": subject,
            "action": action[:40],
            "member_id": member_id,
            "subject_key": subject_key[:100],
            "before": before,
            "after": after,
        },
    )


def json_object(session: AsyncSession, **values: Any) -> ColumnElement[Any]:
    """A JSON object built in SQL, for entries written by set-based jobs."""
    pairs = [part for key, value in values.items() for part in (literal(key, String()), value)]
    if session.get_bind().dialect.name == "postgresql":
        return func.json_build_object(*pairs)
    return func.json_object(*pairs)


async def record_many(
    session: AsyncSession,
    rows: Select[Any],
    *,
    at: dt.datetime,
    subject: str,
    action: str,
) -> None:
    """One entry per row of ``rows`` — ``(member_id, member_number, before, after)`` — in
    one statement, for jobs that change many members at once (points expiry)."""
    actor = current_actor()
    found = rows.subquery()
    member_id, member_number, before, after = found.c
    entries = select(
        literal(at, AuditEntry.__table__.c.occurred_at.type),
        literal(actor.role, String()),
        literal(actor.name, String()),
        literal(actor.client_id, String()),
        literal(actor.request_id, String()),
        literal(subject, String()),
        literal(action, String()),
        member_id,
        member_number,
        before,
        after,
    )
    columns = [
        "occurred_at",
        "actor_role",
        "actor",
        "client_id",
        "request_id",
        "subject",
        "action",
        "member_id",
        "subject_key",
        "before",
        "after",
    ]
    await session.execute(insert(AuditEntry).from_select(columns, entries))


async def audit_page(
    session: AsyncSession,
    *,
    first: int,
    before_id: int | None,
    member_id: int | None = None,
    subject: str | None = None,
) -> list[AuditEntry]:
    """Newest entries first, one more than asked; optionally one member's or one subject's."""
    query = select(AuditEntry)
    if member_id is not None:
        query = query.where(AuditEntry.member_id == member_id)
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    return list(await session.scalars(newest_first(query, AuditEntry.id, first, before_id)))


def values_of(values: list[str], *, sensitive: bool) -> dict[str, Any]:
    """A profile value list as the audit log keeps it: a sensitive category's values are
    counted, not kept, since the log cannot forget them when consent is withdrawn."""
    if sensitive:
        return {"count": len(values), "sensitive": True}
    return {"values": list(values)}


async def member_numbers(session: AsyncSession, entries: list[AuditEntry]) -> dict[int, str]:
    """The member number of each member the entries are about, in one statement."""
    ids = {entry.member_id for entry in entries if entry.member_id is not None}
    if not ids:
        return {}
    rows = await session.execute(select(Member.id, Member.member_number).where(Member.id.in_(ids)))
    return {member_id: number for member_id, number in rows}
