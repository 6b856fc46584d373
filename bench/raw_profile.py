"""The baseline for the profile read: a plain Litestar handler, one hand-written SQL query,
msgspec structs out. No GraphQL, no ORM objects, no service layer.

    python bench/raw_profile.py --database URL --port 8001

It answers ``GET /profile/{member_number}`` with what the guest app's status query asks for
(tier, progress this year, points, the latest 20 ledger entries), from one round trip.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec
import uvicorn
from litestar import Litestar, get
from litestar.exceptions import NotFoundException
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from staytier.program.loader import default_program_path, load_program

# The member's standing and the newest ledger entries in one statement: scalar subqueries for
# the held tier and the year's totals, joined to the ledger page (LEFT JOIN so a member
# without entries still gets a row).
PROFILE = """
SELECT m.points_balance, m.last_activity_on,
  (SELECT max(rank) FROM status_periods s WHERE s.member_id = m.id AND s.revoked_at IS NULL
     AND s.valid_from <= :today AND (s.valid_through IS NULL OR s.valid_through >= :today))
     AS held_rank,
  (SELECT coalesce(sum(q.nights), 0) FROM qualifying_credits q
     WHERE q.member_id = m.id AND q.year = :year) AS nights,
  (SELECT coalesce(sum(q.stays), 0) FROM qualifying_credits q
     WHERE q.member_id = m.id AND q.year = :year) AS stays,
  (SELECT coalesce(sum(q.base_points), 0) FROM qualifying_credits q
     WHERE q.member_id = m.id AND q.year = :year) AS base_points,
  l.kind, l.points, l.balance_after, l.occurred_at, l.effective_on, l.description
FROM members m
LEFT JOIN (SELECT e.* FROM ledger_entries e
           WHERE e.member_id = (SELECT id FROM members WHERE member_number = :number)
           ORDER BY e.id DESC LIMIT 20) l ON l.member_id = m.id
WHERE m.member_number = :number
ORDER BY l.id DESC
"""


class Entry(msgspec.Struct):
    kind: str
    points: int
    balanceAfter: int
    occurredAt: str
    effectiveOn: dt.date
    description: str


class Progress(msgspec.Struct):
    year: int
    qualifyingNights: int
    qualifyingStays: int
    qualifyingBasePoints: int
    nextTier: str | None
    nightsToNextTier: int | None


class Profile(msgspec.Struct):
    tier: str
    tierProgress: Progress
    balance: int
    ledger: list[Entry]


def build(database_url: str) -> Litestar:
    engine = create_async_engine(database_url, pool_size=10)
    program = load_program(default_program_path())

    @get("/health", sync_to_thread=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @get("/profile/{number:str}")
    async def profile(number: str) -> Profile:
        today = dt.datetime.now(dt.UTC).date()
        rules = program.version_on(today)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(PROFILE), {"number": number, "today": today, "year": today.year}
                )
            ).all()
        if not rows:
            raise NotFoundException()
        first = rows[0]
        ladder = rules.tiers_by_rank()
        held = next((t for t in ladder if t.rank == first.held_rank), ladder[0])
        above = [t for t in ladder if t.rank > held.rank]
        following = above[0] if above else None
        needs = following.qualifying_nights if following else None
        return Profile(
            tier=held.code,
            tierProgress=Progress(
                year=today.year,
                qualifyingNights=int(first.nights),
                qualifyingStays=int(first.stays),
                qualifyingBasePoints=int(first.base_points),
                nextTier=following.code if following else None,
                nightsToNextTier=max(0, needs - int(first.nights)) if needs else None,
            ),
            balance=first.points_balance,
            ledger=[_entry(row) for row in rows if row.kind is not None],
        )

    return Litestar(route_handlers=[health, profile], debug=False)


def _entry(row: Any) -> Entry:
    return Entry(
        kind=row.kind,
        points=row.points,
        balanceAfter=row.balance_after,
        occurredAt=str(row.occurred_at),
        effectiveOn=row.effective_on
        if isinstance(row.effective_on, dt.date)
        else dt.date.fromisoformat(row.effective_on),
        description=row.description,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(build(args.database), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
