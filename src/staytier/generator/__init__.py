"""Fills a database with a brand's worth of realistic, reproducible members and stays.

    staytier generate --members 1000000 --stays-per-member 10 --seed 7

The same seed, sizes and ``today`` always give the same rows. See :mod:`.history` for what
a member's history looks like, :mod:`.credits` for how its stays are credited, :mod:`.tables`
for how rows follow the models and :mod:`.writers` for how they reach the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from staytier.generator.brand import make_properties, property_rows
from staytier.generator.history import SHAPES, Batch, HistoryMaker, Ids
from staytier.generator.tables import TABLES, mistakes
from staytier.generator.writers import open_writer
from staytier.program.model import ExchangeRates, Program

BATCH_MEMBERS = 2_000


class NotEmpty(Exception):
    """The database already has members: generated ids would collide with theirs."""


class ModelsChanged(Exception):
    """A model has a column the generator would leave empty though it may not be."""


@dataclass(frozen=True)
class GenerationPlan:
    members: int
    stays_per_member: float
    seed: int
    today: dt.date
    properties: int = 0  # 0: one per 500 members, between 50 and 5,000

    @property
    def property_count(self) -> int:
        return self.properties or max(50, min(5_000, self.members // 500))


@dataclass
class GenerationReport:
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    tiers: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, batch: Batch) -> None:
        for table, rows in batch.rows.items():
            self.rows[table] += len(rows)
        for tier, count in batch.tiers.items():
            self.tiers[tier] = self.tiers.get(tier, 0) + count

    @property
    def rows_per_second(self) -> float:
        return sum(self.rows.values()) / self.seconds if self.seconds else 0.0


async def generate(
    url: str,
    program: Program,
    rates: ExchangeRates,
    plan: GenerationPlan,
    *,
    progress: Callable[[int], None] | None = None,
) -> GenerationReport:
    """Writes ``plan.members`` members with their histories into the (migrated, member-less)
    database at ``url``; ``progress(members_done)`` is called after each batch."""
    started = time.perf_counter()
    found = mistakes(SHAPES)
    if found:
        raise ModelsChanged("The generator does not fill: " + "; ".join(found))
    writer = await open_writer(url, SHAPES)
    try:
        if await writer.count("members"):
            raise NotEmpty("The database already has members; generate into an empty one.")
        await writer.start([t for t in TABLES if t != "properties"])
        ids = Ids()
        for table in TABLES:
            ids.next[table] = await writer.max_id(table) + 1
        rng = random.Random(plan.seed)
        hotels = make_properties(plan.property_count, ids.next["properties"], rng)
        report = GenerationReport()
        await writer.write({"properties": property_rows(hotels)})
        report.rows["properties"] = len(hotels)
        maker = HistoryMaker(
            program,
            rates,
            hotels,
            today=plan.today,
            stays_per_member=plan.stays_per_member,
            seed=plan.seed,
        )
        # Python builds the next batch in a thread while the database stores the last one:
        # on two cores the generator and the server each keep one busy.
        writing: asyncio.Task[None] | None = None
        for first in range(0, plan.members, BATCH_MEMBERS):
            count = min(BATCH_MEMBERS, plan.members - first)
            batch = await asyncio.to_thread(maker.batch, first, count, ids)
            if writing is not None:
                await writing
            writing = asyncio.create_task(writer.write(batch.rows))
            report.add(batch)
            if progress is not None:
                progress(first + count)
        if writing is not None:
            await writing
        await writer.finish()
    finally:
        await writer.close()
    report.seconds = time.perf_counter() - started
    return report
