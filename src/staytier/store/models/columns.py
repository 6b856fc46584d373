"""The column shapes the tables share, written once (SQLAlchemy's annotated declarative mapping).

A plain annotation maps through ``TYPE_MAP``: ``Mapped[dt.datetime]`` is a UTC instant,
``Mapped[Decimal]`` an exact amount, ``Mapped[Str40]`` a ``VARCHAR(40)``, a ``dict`` or
``list`` a JSON document; ``int``, ``bool`` and ``dt.date`` keep SQLAlchemy's own types.
A string takes its length from its ``StrN`` (a bare ``str`` would have none); a shape not in
the map (a new ``list[...]``) fails when the module is imported. ``| None`` makes a column
nullable. A key or a reference is a whole column declaration:
``id: Mapped[PrimaryKey]``, ``member_id: Mapped[MemberRef]``; a ``mapped_column(...)`` on the
right adds to it (``index=True``, ``unique=True``, a default)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import mapped_column

from staytier.store.types import Id, Money, UTCDateTime

# Strings by their length: the length is part of the schema, so each has its own name.
Str2 = Annotated[str, 2]
Str3 = Annotated[str, 3]
Str16 = Annotated[str, 16]
Str20 = Annotated[str, 20]
Str32 = Annotated[str, 32]
Str40 = Annotated[str, 40]
Str60 = Annotated[str, 60]
Str64 = Annotated[str, 64]
Str80 = Annotated[str, 80]
Str100 = Annotated[str, 100]
Str200 = Annotated[str, 200]
Str254 = Annotated[str, 254]
Str300 = Annotated[str, 300]
Str400 = Annotated[str, 400]
Str500 = Annotated[str, 500]
Str2000 = Annotated[str, 2000]

TYPE_MAP: dict[Any, Any] = {
    dt.datetime: UTCDateTime,
    Decimal: Money,
    dict[str, Any]: JSON,
    dict[str, str]: JSON,
    dict[str, int]: JSON,
    list[Any]: JSON,
    list[str]: JSON,
    list[dict[str, Any]]: JSON,
    Str2: String(2),
    Str3: String(3),
    Str16: String(16),
    Str20: String(20),
    Str32: String(32),
    Str40: String(40),
    Str60: String(60),
    Str64: String(64),
    Str80: String(80),
    Str100: String(100),
    Str200: String(200),
    Str254: String(254),
    Str300: String(300),
    Str400: String(400),
    Str500: String(500),
    Str2000: String(2000),
}

# The surrogate key of most tables: 64-bit on PostgreSQL, SQLite's auto-incrementing INTEGER.
PrimaryKey = Annotated[int, mapped_column(Id, primary_key=True)]

# References to another table's key; the column takes the type of the key it refers to.
ActivityRef = Annotated[int, mapped_column(ForeignKey("activities.id"))]
CertificateRef = Annotated[int, mapped_column(ForeignKey("certificates.id"))]
CreditRef = Annotated[int, mapped_column(ForeignKey("credits.id"))]
LedgerEntryRef = Annotated[int, mapped_column(ForeignKey("ledger_entries.id"))]
MemberRef = Annotated[int, mapped_column(ForeignKey("members.id"))]
PointsPoolRef = Annotated[int, mapped_column(ForeignKey("points_pools.id"))]
PropertyRef = Annotated[int, mapped_column(ForeignKey("properties.id"))]
SimulationRef = Annotated[int, mapped_column(ForeignKey("program_simulations.id"))]
StatusPeriodRef = Annotated[int, mapped_column(ForeignKey("status_periods.id"))]
StayRef = Annotated[int, mapped_column(ForeignKey("stays.id"))]
