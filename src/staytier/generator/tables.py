"""The tables a load fills, as the models define them.

Rows are plain tuples (the load's hot loop builds tens of millions of them), so each table's
builder names the columns it sets, in the order of its tuples, as a :class:`Shape`. All else
comes from the model's own table: the foreign-key order the tables are written in, each
column's type, and what a column the generator does not set receives. That is the model's
scalar default (written by the generator, as the ORM would), else the database's server
default or NULL, the database's own (left out of the insert). A NOT NULL column with neither
default that the generator does not set is a mistake :func:`unfilled` reports, and a load
does not start with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from staytier.store.models import Base

Row = tuple[Any, ...]

# The tables a load fills; TABLES lists them in the order the models' foreign keys need
# (parents first), which is the order rows are written in.
LOADED = frozenset(
    {
        "properties",
        "members",
        "member_search_terms",
        "preferences",
        "stays",
        "stay_revisions",
        "credits",
        "qualifying_credits",
        "ledger_entries",
        "status_periods",
    }
)
TABLES: list[str] = [t.name for t in Base.metadata.sorted_tables if t.name in LOADED]


@dataclass(frozen=True)
class Shape:
    """What a generated row of ``table`` holds: ``sets`` are the columns its tuples give,
    in their order; ``defaults`` the columns the model fills with a constant, appended."""

    table: sa.Table
    sets: tuple[str, ...]
    defaults: tuple[tuple[str, Any], ...]

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns written, in the order of :meth:`complete`'s tuples."""
        return self.sets + tuple(name for name, _ in self.defaults)

    @property
    def tail(self) -> Row:
        return tuple(value for _, value in self.defaults)

    def complete(self, rows: list[Row]) -> list[Row]:
        """``rows`` with the model's defaults appended: the tuples the writers store."""
        tail = self.tail
        return [row + tail for row in rows] if tail else rows


def _scalar_default(column: sa.Column[Any]) -> tuple[bool, Any]:
    default = column.default
    if isinstance(default, sa.ColumnDefault) and default.is_scalar:
        return True, default.arg
    return False, None


def unfilled(table: sa.Table, sets: tuple[str, ...]) -> list[str]:
    """The columns of ``table`` a generated row would leave empty though they may not be:
    NOT NULL, no model or server default, not an id the database assigns, not in ``sets``."""
    return [
        column.name
        for column in table.columns
        if column.name not in sets
        and not column.nullable
        and column.default is None
        and column.server_default is None
        and not (column.primary_key and column.autoincrement is not False)
    ]


def shape(name: str, *sets: str, metadata: sa.MetaData = Base.metadata) -> Shape:
    """The shape of ``name``'s rows whose tuples give ``sets``: each a column of the model's
    table (a misspelt or removed one is refused here, at import)."""
    table = metadata.tables[name]
    unknown = [column for column in sets if column not in table.columns]
    if unknown:
        raise KeyError(f"{name} has no column {', '.join(unknown)}")
    defaults = []
    for column in table.columns:
        if column.name in sets:
            continue
        has_default, value = _scalar_default(column)
        if has_default:
            defaults.append((column.name, value))
    return Shape(table, tuple(sets), tuple(defaults))


def mistakes(shapes: dict[str, Shape]) -> list[str]:
    """What stops a load: a loaded table without a shape, or a column no row fills."""
    found = [f"{table}: no rows are generated for it" for table in TABLES if table not in shapes]
    for table_shape in shapes.values():
        missing = unfilled(table_shape.table, table_shape.columns)
        found += [f"{table_shape.name}.{column} is NOT NULL, has no default" for column in missing]
    return found
