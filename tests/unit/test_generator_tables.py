"""The generator writes every table it loads in the models' own columns: a model that gains a
column the generator would leave empty, though the database may not, stops the build here."""

from __future__ import annotations

import sqlalchemy as sa

from staytier.generator.history import SHAPES, STAYS
from staytier.generator.tables import TABLES, mistakes, shape, unfilled
from staytier.store.models import Base


def test_every_loaded_table_has_every_required_column_filled() -> None:
    assert mistakes(SHAPES) == []
    assert set(SHAPES) == set(TABLES)


def _stays_with(column: sa.Column[int]) -> sa.MetaData:
    metadata = sa.MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["stays"].append_column(column)
    return metadata


def test_a_new_not_null_column_without_a_default_is_reported() -> None:
    metadata = _stays_with(sa.Column("nights_booked", sa.Integer, nullable=False))
    changed = shape("stays", *STAYS.sets, metadata=metadata)
    assert unfilled(changed.table, changed.columns) == ["nights_booked"]
    assert mistakes({**SHAPES, "stays": changed}) == [
        "stays.nights_booked is NOT NULL, has no default"
    ]


def test_a_new_column_with_a_default_or_null_gets_it() -> None:
    metadata = _stays_with(sa.Column("nights_booked", sa.Integer, nullable=False, default=1))
    metadata.tables["stays"].append_column(sa.Column("note", sa.String(20), nullable=True))
    changed = shape("stays", *STAYS.sets, metadata=metadata)
    assert mistakes({**SHAPES, "stays": changed}) == []
    assert changed.columns[-1] == "nights_booked"  # the model's default is written
    assert "note" not in changed.columns  # left to the database: NULL
    assert changed.complete([(1, 2)]) == [(1, 2, 1)]


def test_tables_are_loaded_parents_first() -> None:
    for position, name in enumerate(TABLES):
        parents = {fk.column.table.name for fk in Base.metadata.tables[name].foreign_keys}
        assert not parents & set(TABLES[position + 1 :]), name


def test_a_column_the_model_does_not_have_is_refused() -> None:
    try:
        shape("stays", "id", "nights_booked")
    except KeyError as refused:
        assert "nights_booked" in str(refused)
    else:
        raise AssertionError("an unknown column was accepted")
