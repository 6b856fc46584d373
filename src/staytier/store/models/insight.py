"""What-if simulations and the members whose tier they would move."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.types import Id, UTCDateTime


class ProgramSimulation(Base):
    """A what-if: a candidate program replayed over a period of real history, as a job.

    QUEUED, RUNNING, then DONE, CANCELLED or FAILED; ``summary`` holds the comparison once
    DONE. Nothing else is written by a simulation, so the books are never touched.
    """

    __tablename__ = "program_simulations"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    candidate: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(100), default="")
    members_done: Mapped[int] = mapped_column(Integer, default=0)
    members_total: Mapped[int] = mapped_column(Integer, default=0)
    # Set by cancelSimulation; the job stops at its next batch.
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SimulatedMove(Base):
    """A member whose tier at the period end would differ under a simulation's candidate."""

    __tablename__ = "simulated_moves"
    __table_args__ = (Index(None, "simulation_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    simulation_id: Mapped[int] = mapped_column(ForeignKey("program_simulations.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    actual_tier: Mapped[str] = mapped_column(String(32))
    actual_rank: Mapped[int] = mapped_column(Integer)
    simulated_tier: Mapped[str] = mapped_column(String(32))
    simulated_rank: Mapped[int] = mapped_column(Integer)
