"""Sweepstakes: entries earned by qualifying nights, and a draw anyone can check.

The draw is fixed by three published things: the sweepstakes code, the list of entrants with
their entries, and the seed (whose SHA-256 was published before entries closed). The
algorithm, step by step (docs/engagement.md repeats it for people re-running a draw):

1. Order the entrants by ``entrantId`` (ascending, as text) and drop those with no entries.
2. For each prize slot ``k`` = 0, 1, 2, ... (prizes in program order, each repeated
   ``count`` times): take ``d = SHA-256("{seed}|{code}|{k}")`` (UTF-8), read it as a
   big-endian integer and let ``n = d mod T``, where ``T`` is the total of the entries still
   in the draw. Walking the ordered entrants and adding up their entries, the winner is the
   first entrant whose running total exceeds ``n``.
3. The winner leaves the draw (nobody wins twice); stop when the prizes or the entrants run
   out.

The modulo bias of a 256-bit number reduced by a total of entries is below 2^-200, far
below anything a draw could show. Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from staytier.program.engagement import SweepstakesRule


@dataclass(frozen=True)
class Entrant:
    entrant_id: str
    entries: int


@dataclass(frozen=True)
class Win:
    slot: int
    entrant_id: str
    prize: str
    points: int


def seed_hash(seed: str) -> str:
    """The commitment published before entries close: SHA-256 of the seed, hex."""
    return hashlib.sha256(seed.encode()).hexdigest()


def entrant_id(code: str, member_number: str) -> str:
    """The published, pseudonymous id of a member in one sweepstakes: a member can find
    themself in the list; nobody else can tell who an id is."""
    return hashlib.sha256(f"{code}|{member_number}".encode()).hexdigest()[:16]


def entries_earned(rule: SweepstakesRule, nights: int, held: int) -> int:
    """Entries ``nights`` qualifying nights add for a member already holding ``held``
    entries: ``entries_per_night`` each, up to the per-member cap."""
    wanted = max(nights, 0) * rule.entries_per_night
    return max(0, min(wanted, rule.max_entries_per_member - held))


def open_on(rule: SweepstakesRule, day: dt.date) -> bool:
    """Whether activity dated ``day`` earns entries."""
    return rule.starts_on <= day <= rule.closes_on


def prize_slots(rule: SweepstakesRule) -> list[tuple[str, int]]:
    """(prize name, points) for each slot, in program order."""
    return [(prize.name, prize.points) for prize in rule.prizes for _ in range(prize.count)]


def draw(
    seed: str, code: str, entrants: Iterable[Entrant], slots: Sequence[tuple[str, int]]
) -> list[Win]:
    """The winners, as the module docstring describes."""
    remaining = sorted((e for e in entrants if e.entries > 0), key=lambda e: e.entrant_id)
    wins: list[Win] = []
    for slot, (prize, points) in enumerate(slots):
        total = sum(e.entries for e in remaining)
        if total == 0:
            break
        digest = hashlib.sha256(f"{seed}|{code}|{slot}".encode()).digest()
        n = int.from_bytes(digest, "big") % total
        running = 0
        for index, entrant in enumerate(remaining):
            running += entrant.entries
            if running > n:
                wins.append(Win(slot, entrant.entrant_id, prize, points))
                del remaining[index]
                break
    return wins


def draw_mistakes(
    *,
    seed: str,
    published_hash: str,
    code: str,
    entrants: Iterable[Entrant],
    slots: Sequence[tuple[str, int]],
    winners: Sequence[tuple[int, str]],
) -> list[str]:
    """What does not hold in a published draw, one sentence each (none: it checks out):
    the seed must hash to the hash published before entries closed, and re-running the
    draw over the published entrants must give the published ``(slot, entrantId)``
    winners, in slot order."""
    mistakes: list[str] = []
    if seed_hash(seed) != published_hash.lower():
        mistakes.append(
            f"the seed hashes to {seed_hash(seed)}, not to the published {published_hash}"
        )
    rerun = [(win.slot, win.entrant_id) for win in draw(seed, code, entrants, slots)]
    shown = sorted(winners)
    if rerun != shown:
        mistakes.append(f"re-running the draw gives {rerun}, the published winners are {shown}")
    return mistakes
