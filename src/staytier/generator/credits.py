"""Crediting a generated member's stays: the rows the service's crediting would write.

A completed stay's credit, its qualifying rows, EARN and tier BONUS entries, QUALIFIED
status the moment a year's totals cross a threshold, and now and then a redemption. Each
figure comes from the domain function the service uses (:func:`stay_credit`,
:func:`tier_bonus`, :func:`qualified_tier`, :func:`held_period`,
:func:`status_valid_through`, :func:`rules_judging`), the folio snapshot and the entries'
wording are the service's, and all of it is computed in memory: nothing here reads the
database.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from decimal import Decimal

from staytier.domain.calendar import rules_judging, status_valid_through
from staytier.domain.points import ACTIVITY_KINDS, LedgerKind, tier_bonus
from staytier.domain.stays import Folio, stay_credit
from staytier.domain.tiers import StatusPeriod, YearTotals, held_period, qualified_tier
from staytier.generator.brand import REDEEM_ABOVE, REDEEM_CHANCE, REDEMPTIONS, Hotel
from staytier.generator.tables import Row, shape
from staytier.program.model import ExchangeRates, Program, ProgramVersion, Tier
from staytier.services.crediting import folio_snapshot
from staytier.services.status import QUALIFIED

CREDITS = shape(
    "credits",
    "id",
    "member_id",
    "kind",
    "stay_id",
    "credit_date",
    "program_version",
    "detail",
    "created_at",
)
QUALIFYING_CREDITS = shape(
    "qualifying_credits", "id", "credit_id", "member_id", "year", "nights", "stays", "base_points"
)
LEDGER_ENTRIES = shape(
    "ledger_entries",
    "id",
    "member_id",
    "credit_id",
    "kind",
    "points",
    "balance_after",
    "occurred_at",
    "effective_on",
    "description",
)
STATUS_PERIODS = shape(
    "status_periods",
    "id",
    "member_id",
    "tier_code",
    "rank",
    "qualification_year",
    "valid_from",
    "valid_through",
    "cause",
    "detail",
    "credit_id",
    "created_at",
)
ACTIVITY = frozenset(kind.value for kind in ACTIVITY_KINDS)


class Rules:
    """The program's rules and exchange rates, looked up once per day for a whole load."""

    def __init__(self, program: Program, rates: ExchangeRates) -> None:
        self.program, self.rates = program, rates
        self._on: dict[dt.date, ProgramVersion] = {}
        self._judging: dict[tuple[int, dt.date], ProgramVersion] = {}
        self._usd: dict[tuple[str, dt.date], Decimal] = {}

    def on(self, day: dt.date) -> ProgramVersion:
        rules = self._on.get(day)
        if rules is None:
            rules = self._on[day] = self.program.version_on(day)
        return rules

    def judging(self, year: int, on: dt.date) -> ProgramVersion:
        rules = self._judging.get((year, on))
        if rules is None:
            rules = self._judging[(year, on)] = rules_judging(self.program, year, on)
        return rules

    def usd_per_unit(self, currency: str, day: dt.date) -> Decimal:
        rate = self._usd.get((currency, day))
        if rate is None:
            found = self.rates.usd_per_unit(currency, day)
            assert found is not None, f"no exchange rate for {currency}"
            rate = self._usd[(currency, day)] = found
        return rate


class Account:
    """One member's points and status as their stays are credited, in time order; the rows
    go into ``rows`` (per table) with ids from ``take``."""

    def __init__(
        self,
        member_id: int,
        rules: Rules,
        rows: dict[str, list[Row]],
        take: Callable[[str], int],
        rng: random.Random,
    ) -> None:
        self.member_id, self.rules, self.rows = member_id, rules, rows
        self.take, self.rng = take, rng
        self.balance = 0
        self.last_activity: dt.date | None = None
        self.periods: list[StatusPeriod] = []
        self.best: dict[int, int] = {}  # qualification year -> rank earned
        self.totals: dict[int, YearTotals] = {}

    def credit_stay(
        self, hotel: Hotel, stay_id: int, confirmation: str, folio: Folio, at: dt.datetime
    ) -> None:
        """Credits a completed stay as ``post_stay_credit`` does, at checkout."""
        checkout = folio.checkout
        rules = self.rules.on(checkout)
        rate = self.rules.usd_per_unit(folio.currency, checkout)
        credit = stay_credit(folio, rules, rate)
        tier = self.tier_on(checkout)
        credit_id = self.take(CREDITS.name)
        detail = {
            "folio": folio_snapshot(folio),
            "eligible_usd": format(credit.eligible_usd, "f"),
            "usd_per_unit": format(rate, "f"),
            "tier_at_checkout": tier.code,
        }
        self.rows[CREDITS.name].append(
            (
                credit_id,
                self.member_id,
                "STAY",
                stay_id,
                checkout,
                rules.version,
                json.dumps(detail),
                at,
            )
        )
        for year in credit.years:
            if year.nights or year.stays or year.base_points:
                counted = YearTotals(year.nights, year.stays, year.base_points)
                self._count(credit_id, year.year, counted)
        label = (
            f"at {hotel.name}, {folio.arrival:%d %b %Y} to {folio.departure:%d %b %Y} "
            f"({confirmation})"
        )
        bonus = tier_bonus(credit.base_points, tier)
        self.post(credit_id, LedgerKind.EARN, credit.base_points, at, checkout, f"Stay {label}")
        described = f"{tier.name} bonus {tier.bonus_percent}%: stay {label}"
        self.post(credit_id, LedgerKind.BONUS, bonus, at, checkout, described)
        if any(y.nights or y.stays for y in credit.years):
            self.last_activity = max(self.last_activity or checkout, checkout)
        for qualification_year in sorted({y.year for y in credit.years}):
            self._qualify(qualification_year, checkout, credit_id, at)
        if self.balance >= REDEEM_ABOVE and self.rng.random() < REDEEM_CHANCE:
            self._redeem(checkout, at)

    def _count(self, credit_id: int, year: int, counted: YearTotals) -> None:
        """A qualifying row of the credit, added to the year's running totals."""
        self.rows[QUALIFYING_CREDITS.name].append(
            (
                self.take(QUALIFYING_CREDITS.name),
                credit_id,
                self.member_id,
                year,
                counted.nights,
                counted.stays,
                counted.base_points,
            )
        )
        was = self.totals.get(year, YearTotals())
        self.totals[year] = YearTotals(
            was.nights + counted.nights,
            was.stays + counted.stays,
            was.base_points + counted.base_points,
        )

    def tier_on(self, day: dt.date) -> Tier:
        """The tier held on ``day``, as ``tier_code_held`` finds it, under that day's rules."""
        rules = self.rules.on(day)
        period = held_period(self.periods, day)
        return (rules.tier(period.tier_code) if period else None) or rules.base_tier

    def post(
        self,
        credit_id: int | None,
        kind: LedgerKind,
        points: int,
        at: dt.datetime,
        on: dt.date,
        description: str,
    ) -> None:
        """One ledger entry, as ``post_entry`` writes it (no entry for zero points)."""
        if points == 0:
            return
        self.balance += points
        self.rows[LEDGER_ENTRIES.name].append(
            (
                self.take(LEDGER_ENTRIES.name),
                self.member_id,
                credit_id,
                kind.value,
                points,
                self.balance,
                at,
                on,
                description[:300],
            )
        )
        if kind.value in ACTIVITY:
            self.last_activity = max(self.last_activity or on, on)

    def _qualify(self, year: int, on: dt.date, credit_id: int, at: dt.datetime) -> None:
        """QUALIFIED status once ``year``'s totals reach a higher tier, as ``refresh_status``
        grants it (starting ``on``: generated credits are never dated ahead)."""
        rules = self.rules.judging(year, on)
        if self.best.get(year) == rules.tiers_by_rank()[-1].rank:
            return  # the top tier is reached: nothing more to earn this year
        earned, path = qualified_tier(rules, self.totals.get(year, YearTotals()))
        if path is None or earned.rank <= self.best.get(year, rules.base_tier.rank):
            return
        self.best[year] = earned.rank
        through = status_valid_through(year, rules)
        self.periods.append(StatusPeriod(earned.code, earned.rank, on, through))
        reached = f"Reached in {year} by qualifying {path.value.lower().replace('_', ' ')}"
        self.rows[STATUS_PERIODS.name].append(
            (
                self.take(STATUS_PERIODS.name),
                self.member_id,
                earned.code,
                earned.rank,
                year,
                on,
                through,
                QUALIFIED,
                reached,
                credit_id,
                at,
            )
        )

    def _redeem(self, on: dt.date, at: dt.datetime) -> None:
        affordable = [p for p in REDEMPTIONS if p <= self.balance]
        if affordable:
            price = self.rng.choice(affordable)
            self.post(None, LedgerKind.REDEEM, -price, at, on, "Award night")
