"""What-if simulations and the members whose tier they would move."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from staytier.store.models.base import Base
from staytier.store.models.columns import (
    MemberRef,
    PrimaryKey,
    SimulationRef,
    Str16,
    Str32,
    Str100,
    Str200,
    Str500,
)


class ProgramSimulation(Base):
    """A what-if: a candidate program replayed over a period of real history, as a job.

    QUEUED, RUNNING, then DONE, CANCELLED or FAILED; ``summary`` holds the comparison once
    DONE. Nothing else is written by a simulation, so the books are never touched.
    """

    __tablename__ = "program_simulations"

    id: Mapped[PrimaryKey]
    status: Mapped[Str16]
    candidate: Mapped[Str200]
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    requested_by: Mapped[Str100] = mapped_column(default="")
    members_done: Mapped[int] = mapped_column(default=0)
    members_total: Mapped[int] = mapped_column(default=0)
    # Set by cancelSimulation; the job stops at its next batch.
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    message: Mapped[Str500] = mapped_column(default="")
    summary: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]


class SimulatedMove(Base):
    """A member whose tier at the period end would differ under a simulation's candidate."""

    __tablename__ = "simulated_moves"
    __table_args__ = (Index(None, "simulation_id", "id"),)

    id: Mapped[PrimaryKey]
    simulation_id: Mapped[SimulationRef]
    member_id: Mapped[MemberRef]
    actual_tier: Mapped[Str32]
    actual_rank: Mapped[int]
    simulated_tier: Mapped[Str32]
    simulated_rank: Mapped[int]
