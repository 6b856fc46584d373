"""Generated stays are credited as the service credits them: a year that is over is judged by
the rules that settled it, even when a stay's checkout falls under a newer program version."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import msgspec

from staytier.domain.stays import Folio
from staytier.generator.brand import Hotel
from staytier.generator.credits import LEDGER_ENTRIES, STATUS_PERIODS, Account, Rules
from staytier.generator.history import Ids
from staytier.generator.tables import TABLES, Row
from staytier.program.loader import (
    default_exchange_rates_path,
    default_program_path,
    load_exchange_rates,
    load_program,
)
from staytier.program.model import Program

HOTEL = Hotel(1, "H00001", "Staytier New York Central 1", "USD", "America/New_York", "US", 4, 200)


def _harder_silver_from_2026() -> Program:
    """The demo program, with Silver out of reach by nights from 2026 on."""
    program = load_program(default_program_path())
    last = program.versions[-1]
    assert last.effective_from == dt.date(2026, 1, 1)
    tiers = [
        msgspec.structs.replace(tier, qualifying_nights=100) if tier.code == "SILVER" else tier
        for tier in last.tiers
    ]
    harder = msgspec.structs.replace(last, tiers=tiers)
    return msgspec.structs.replace(program, versions=[*program.versions[:-1], harder])


def _credit(folios: list[Folio]) -> dict[str, list[Row]]:
    rules = Rules(_harder_silver_from_2026(), load_exchange_rates(default_exchange_rates_path()))
    rows: dict[str, list[Row]] = {table: [] for table in TABLES}
    account = Account(1, rules, rows, Ids().take, random.Random(1))
    for number, folio in enumerate(folios, start=1):
        at = dt.datetime.combine(folio.checkout, dt.time(11), tzinfo=dt.UTC)
        account.credit_stay(HOTEL, number, f"C{number:09d}", folio, at)
    return rows


def test_a_year_is_judged_by_its_own_rules_when_the_stay_checks_out_in_the_next() -> None:
    rows = _credit(
        [
            Folio(dt.date(2025, 6, 1), dt.date(2025, 6, 6), "BAR", "USD", Decimal(500)),
            # Five nights in 2025, two in 2026: 2025 reaches ten nights on 3 January 2026.
            Folio(dt.date(2025, 12, 27), dt.date(2026, 1, 3), "BAR", "USD", Decimal(700)),
        ]
    )
    earned = [(row[2], row[4], row[5]) for row in rows[STATUS_PERIODS.name]]
    assert earned == [("SILVER", 2025, dt.date(2026, 1, 3))]


def test_entries_carry_the_service_wording_and_credits_its_folio_snapshot() -> None:
    rows = _credit([Folio(dt.date(2025, 6, 1), dt.date(2025, 6, 6), "BAR", "USD", Decimal(500))])
    descriptions = [row[LEDGER_ENTRIES.sets.index("description")] for row in rows["ledger_entries"]]
    label = "at Staytier New York Central 1, 01 Jun 2025 to 06 Jun 2025 (C000000001)"
    assert descriptions == [f"Stay {label}"]  # a Member earns no tier bonus
    detail = json.loads(rows["credits"][0][6])
    assert detail["folio"]["room"] == "500"
    assert detail["tier_at_checkout"] == "MEMBER"
