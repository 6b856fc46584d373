"""Relay connections, built in one place for every list of the schema.

A client asks a list for ``first`` items ``after`` a cursor. :class:`Page` checks both (the
bound, and that the cursor belongs to this list), and builds the connection from rows read
one past ``first``, so ``hasNextPage`` costs no second statement. :func:`read_page` does the
whole round for the lists read in one reading session, which is nearly all of them, and
:func:`read_member_page` for the lists of one member.

Cursors are opaque and typed by list: ``kind`` names the list (and what binds it: a
property and day, a search's text), so a cursor from one list is refused by another. Most
lists page on their id; a list in another order pages on its sort key (see ``parse``).
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Generic, TypeVar

from graphql import GraphQLError
from strawberry import relay

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from staytier.api.graphql.context import Context

DEFAULT_PAGE = 20
MAX_PAGE = 100

K = TypeVar("K")
# Strawberry's relay.Edge and relay.Connection are typed for Nodes only, though at run time
# they page any object type: Guest and Sweepstakes, paged without a global id, carry a
# type-var ignore where they are paged (front_desk.py, profiles.py, sweepstakes.py).
N = TypeVar("N", bound=relay.Node)
R = TypeVar("R")


def encode_cursor(kind: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def decode_cursor(
    kind: str,
    cursor: str | None,
    parse: Callable[[str], K] = int,  # type: ignore[assignment]
) -> K | None:
    """The key a cursor of list ``kind`` holds; ``parse`` turns its text back into the key
    (raising ``ValueError`` on text no cursor of this list holds)."""
    if cursor is None:
        return None
    try:
        found_kind, key = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)
        if found_kind == kind:
            return parse(key)
    except (ValueError, UnicodeDecodeError):
        pass
    raise GraphQLError(f"The cursor {cursor!r} does not belong to this list.")


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not 0 < first <= MAX_PAGE:
        raise GraphQLError(f"first must be between 1 and {MAX_PAGE}.")
    return first


@dataclass(frozen=True)
class Page(Generic[K]):
    """What a client asked of list ``kind``: ``size`` items after the one keyed ``after``."""

    kind: str
    size: int
    after: K | None

    @classmethod
    def of(
        cls,
        kind: str,
        first: int | None,
        after: str | None,
        parse: Callable[[str], K] = int,  # type: ignore[assignment]
    ) -> Page[K]:
        """The page asked for; a ``first`` out of bounds or a cursor of another list is a
        GraphQL error, the bound checked first."""
        size = page_size(first)
        return cls(kind, size, decode_cursor(kind, after, parse))

    def connection(
        self, rows: Sequence[R], key: Callable[[R], object], node: Callable[[R], N]
    ) -> relay.Connection[N]:
        """A connection over ``rows``, read one past the page to tell whether more follow."""
        edges = [
            relay.Edge(cursor=encode_cursor(self.kind, key(row)), node=node(row))
            for row in rows[: self.size]
        ]
        return relay.Connection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=len(rows) > self.size,
                has_previous_page=False,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


async def read_page(
    context: Context,
    kind: str,
    first: int | None,
    after: str | None,
    fetch: Callable[[AsyncSession, Page[int]], Awaitable[Sequence[R]]],
    key: Callable[[R], object],
    node: Callable[[R], N],
) -> relay.Connection[N]:
    """One page of list ``kind`` keyed by id: ``fetch`` reads ``page.size + 1`` rows after
    ``page.after`` in one reading session, and each row becomes an edge."""
    page: Page[int] = Page.of(kind, first, after)
    async with context.runtime.db.reading() as session:
        rows = await fetch(session, page)
    return page.connection(rows, key, node)


async def read_member_page(
    context: Context,
    kind: str,
    member_id: int,
    first: int | None,
    after: str | None,
    read: Callable[..., Awaitable[Sequence[R]]],
    node: Callable[[R], N],
    *,
    key: Callable[[R], object] | None = None,
    **filters: object,
) -> relay.Connection[N]:
    """One page of a member's list ``kind``, newest first: ``read`` takes the session, then
    ``member_id``, ``first``, ``before_id`` and the ``filters`` by name; rows page on their
    id unless ``key`` reads the key elsewhere."""
    return await read_page(
        context,
        kind,
        first,
        after,
        lambda session, page: read(
            session, member_id=member_id, first=page.size, before_id=page.after, **filters
        ),
        key or attrgetter("id"),
        node,
    )
