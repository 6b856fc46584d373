"""Values that hold for one block of a task: who acts, which GraphQL operation the log lines
belong to, whether reads may go to a replica. Each is a :class:`~contextvars.ContextVar`, so
concurrent requests never see each other's; :func:`scoped` sets one for a block and puts back
what it held before, even when the block raises."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def scoped(var: ContextVar[T], value: T) -> Iterator[None]:
    """Within the block, ``var`` holds ``value``; after it, what it held before."""
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)
