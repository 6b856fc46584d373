"""Pages of rows newest first, keyed by id: how the lists a client pages through are cut."""

from __future__ import annotations

from typing import TypeVarTuple

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

Columns = TypeVarTuple("Columns")


def newest_first(
    query: Select[*Columns],
    id_column: InstrumentedAttribute[int],
    first: int,
    before_id: int | None,
) -> Select[*Columns]:
    """``query`` as one page, highest ``id_column`` first: only the rows before
    ``before_id`` when given, and one more than ``first``, so the caller knows whether
    another page follows."""
    if before_id is not None:
        query = query.where(id_column < before_id)
    return query.order_by(id_column.desc()).limit(first + 1)
