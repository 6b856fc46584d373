"""Relay cursors: opaque, typed by list, so a cursor from one list is refused by another."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import TypeVar

from graphql import GraphQLError
from strawberry import relay

DEFAULT_PAGE = 20
MAX_PAGE = 100

# Strawberry's relay.Edge and relay.Connection are typed for Nodes only, though at run time
# they page any object type: Guest and Sweepstakes, paged without a global id, carry a
# type-var ignore where they are paged (front_desk.py, profiles.py, sweepstakes.py).
N = TypeVar("N", bound=relay.Node)
R = TypeVar("R")


def encode_cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        found_kind, key = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)
        if found_kind == kind:
            return int(key)
    except (ValueError, UnicodeDecodeError):
        pass
    raise GraphQLError(f"The cursor {cursor!r} does not belong to this list.")


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not 0 < first <= MAX_PAGE:
        raise GraphQLError(f"first must be between 1 and {MAX_PAGE}.")
    return first


def connection(
    kind: str,
    rows: Sequence[R],
    first: int,
    key: Callable[[R], int],
    node: Callable[[R], N],
) -> relay.Connection[N]:
    """A connection over ``rows``, fetched one past ``first`` to tell whether more follow."""
    page = rows[:first]
    edges = [relay.Edge(cursor=encode_cursor(kind, key(row)), node=node(row)) for row in page]
    return relay.Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=len(rows) > first,
            has_previous_page=False,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
