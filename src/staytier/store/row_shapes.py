"""What writing a mapped class's rows as plain parameter sets needs of its mapper: the
columns a row gives, the defaults the ORM's flush would apply, and the order of tables
(parents first). Used by :mod:`staytier.store.deferred`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.orm import InstanceState, Mapper, class_mapper
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.sql.elements import ClauseElement


def has_expression(values: dict[str, Any]) -> bool:
    return any(isinstance(value, ClauseElement) for value in values.values())


def runs(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    """``rows`` cut where the columns they give change, in their order."""
    run: list[dict[str, Any]] = []
    for row in rows:
        if run and row.keys() != run[0].keys():
            yield run
            run = []
        run.append(row)
    if run:
        yield run


class RowShape:
    """What writing a mapped class's rows as plain parameter sets needs of its mapper."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        table = mapper.local_table
        assert isinstance(table, Table)
        self.table = table
        self.keys = {column.name for column in table.primary_key.columns}
        self.numbered = self.keys == {"id"}  # a key the blocks give
        # Most columns are written as the row has them, None if it has none: (attribute,
        # column name). The others (a key, a default), with what decides their value:
        # (attribute, column name, Python default or None, server default?, None a value?)
        self.plain: list[tuple[str, str]] = []
        self.special: list[tuple[str, str, Callable[[], Any] | None, bool, bool]] = []
        self.column_of: dict[str, str] = {}
        for column in table.columns:
            attribute = mapper.get_property_by_column(column).key
            self.column_of[attribute] = column.name
            default = python_default(column)
            server_default = column.server_default is not None
            if default is None and not server_default and column.name not in self.keys:
                self.plain.append((attribute, column.name))
                continue
            none_is_value = bool(column.type.should_evaluate_none)
            self.special.append((attribute, column.name, default, server_default, none_is_value))

    def insert_values(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The new row's parameters, or None if the database is to give it its key."""
        get = row.get
        values = {name: get(attribute) for attribute, name in self.plain}
        for attribute, name, default, server_default, none_is_value in self.special:
            value = get(attribute)
            if value is None and not (none_is_value and attribute in row):
                if default is not None:
                    value = row[attribute] = default()
                elif server_default or name in self.keys:
                    continue
            values[name] = value
        return values if self.keys <= values.keys() else None

    def changed_values(self, state: InstanceState[Any]) -> dict[str, Any]:
        """The changed row's columns whose value changed, by name."""
        changed: dict[str, Any] = {}
        row = state.dict
        for attribute, before in state.committed_state.items():
            name = self.column_of.get(attribute)
            if name is None:
                continue
            after = row.get(attribute, NO_VALUE)
            if after is NO_VALUE or (before is not NO_VALUE and before == after):
                continue
            changed[name] = after
        return changed


def python_default(column: Column[Any]) -> Callable[[], Any] | None:
    default = column.default
    if default is None:
        return None
    arg = getattr(default, "arg", None)
    if default.is_scalar:
        return lambda: arg
    if default.is_callable and callable(arg):
        return lambda: arg(None)
    raise TypeError(f"{column}: a SQL expression as default is not written by deferred.py")


_SHAPES: dict[Mapper[Any], RowShape] = {}
_ORDERS: dict[MetaData, dict[Table, int]] = {}


def shape_of_mapper(mapper: Mapper[Any]) -> RowShape:
    shape = _SHAPES.get(mapper)
    if shape is None:
        shape = _SHAPES[mapper] = RowShape(mapper)
    return shape


_SHAPES_OF_CLASSES: dict[type[Any], RowShape] = {}


def shape_of(model: type[Any]) -> RowShape:
    shape = _SHAPES_OF_CLASSES.get(model)
    if shape is None:
        shape = _SHAPES_OF_CLASSES[model] = shape_of_mapper(class_mapper(model))
    return shape


def place(table: Table) -> int:
    """The table's place among its metadata's tables, parents before the tables that
    refer to them."""
    order = _ORDERS.get(table.metadata)
    if order is None:
        tables = table.metadata.sorted_tables
        order = _ORDERS[table.metadata] = {t: i for i, t in enumerate(tables)}
    return order[table]
