"""Invented but lawful member histories: the rows a brand's database would hold.

Every member gets an activity level from a skewed distribution (most guests stay once or
twice, a few stay every week), stays spread over the last three years at properties of every
currency, and the rows the service itself would have written for them: each completed stay's
credit, its qualifying rows, EARN and tier BONUS entries, QUALIFIED status the moment a
year's totals cross a threshold, and now and then a redemption. The rules come from the
program file, through the same domain functions the service uses, so balances equal the sum
of the ledger and each tier is backed by the credits that earned it.

Rows are plain tuples in the tables' column order, built without the ORM: this is the hot
loop of a ten-million-stay load.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from staytier.domain.calendar import status_valid_through
from staytier.domain.points import tier_bonus
from staytier.domain.preferences import search_terms
from staytier.domain.stays import Folio, stay_credit
from staytier.domain.tiers import StatusPeriod, YearTotals, held_period, qualified_tier
from staytier.program.model import ExchangeRates, Program, ProgramVersion, Tier
from staytier.services.enrollment import member_number_with_check_digit

Row = tuple[Any, ...]

COLUMNS: dict[str, tuple[str, ...]] = {
    "properties": ("id", "code", "name", "brand", "time_zone", "category", "currency", "country"),
    "members": (
        "id",
        "member_number",
        "first_name",
        "last_name",
        "email",
        "phone",
        "language",
        "time_zone",
        "home_property_code",
        "enrolled_on",
        "points_balance",
        "last_activity_on",
        "created_at",
    ),
    "member_search_terms": ("id", "member_id", "term"),
    "preferences": (
        "id",
        "member_id",
        "category",
        "value",
        "source",
        "sensitive",
        "recorded_at",
    ),
    "stays": (
        "id",
        "member_id",
        "property_id",
        "confirmation_number",
        "status",
        "arrival_date",
        "departure_date",
        "room_type",
        "rate_code",
        "currency",
        "room_revenue",
        "food_and_beverage_revenue",
        "other_revenue",
        "created_at",
        "updated_at",
    ),
    "stay_revisions": ("id", "stay_id", "status", "folio", "recorded_at"),
    "credits": (
        "id",
        "member_id",
        "kind",
        "stay_id",
        "credit_date",
        "program_version",
        "detail",
        "created_at",
    ),
    "qualifying_credits": (
        "id",
        "credit_id",
        "member_id",
        "year",
        "nights",
        "stays",
        "base_points",
    ),
    "ledger_entries": (
        "id",
        "member_id",
        "credit_id",
        "kind",
        "points",
        "balance_after",
        "occurred_at",
        "effective_on",
        "description",
        "uncollected_points",
    ),
    "status_periods": (
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
    ),
}

# Where the brand's hotels are: currency, time zone, country, and a typical nightly rate in
# USD for a category-1 hotel there (each category up adds about an eighth).
MARKETS = [
    ("USD", "America/New_York", "US", 110),
    ("USD", "America/Chicago", "US", 90),
    ("USD", "America/Los_Angeles", "US", 100),
    ("EUR", "Europe/Paris", "FR", 100),
    ("EUR", "Europe/Berlin", "DE", 80),
    ("EUR", "Europe/Madrid", "ES", 75),
    ("GBP", "Europe/London", "GB", 110),
    ("JPY", "Asia/Tokyo", "JP", 80),
    ("CHF", "Europe/Zurich", "CH", 130),
    ("SGD", "Asia/Singapore", "SG", 100),
    ("AED", "Asia/Dubai", "AE", 90),
]
CITIES = ["Central", "Airport", "Harbour", "Old Town", "Station", "Riverside", "Park", "Plaza"]
FIRST_NAMES = [
    "Ada",
    "Amira",
    "Ana",
    "Ben",
    "Chen",
    "Chloe",
    "David",
    "Elena",
    "Emma",
    "Farah",
    "Hiro",
    "Ines",
    "Ivan",
    "James",
    "Jana",
    "Kofi",
    "Lea",
    "Liam",
    "Lucia",
    "Mai",
    "Marco",
    "Maya",
    "Mohammed",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Sara",
    "Sofia",
    "Tom",
    "Yara",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Adeyemi",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kim",
    "Kowalski",
    "Lopez",
    "Martin",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Patel",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Smith",
    "Tanaka",
    "Varga",
    "Wang",
    "Weber",
    "Williams",
    "Yilmaz",
]
LANGUAGES = ["en", "en", "en", "fr", "de", "es", "ja", "it", "ar", "zh"]
ROOM_TYPES = ["KING", "KING", "QUEEN", "TWIN", "KING_HIGH_FLOOR", "JUNIOR_SUITE", "SUITE"]
NIGHTS = [1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 7]
# Paid rates most of the time; award, staff and complimentary stays now and then.
RATE_CODES = ["BAR"] * 14 + ["CORP"] * 4 + ["AAA", "AWARD", "STAFF", "COMP"]
ACTIVITY_SIGMA = 1.9  # spread of activity levels: the top tier stays rare
CANCELLED_SHARE = 0.03
BOOKED_SHARE = 0.08  # members with a booking in the coming weeks
REDEEM_ABOVE = 30_000  # balance at which a member may spend points on an award night
REDEEM_CHANCE = 0.25
# Stated preferences (category, value) from the demo catalog's non-sensitive categories, and
# how many a guest states: most none, some a few.
STATED = {
    "FLOOR": ["HIGH", "LOW"],
    "ELEVATOR": ["AWAY", "NEAR"],
    "BED_TYPE": ["KING", "TWIN"],
    "PILLOW": ["FEATHER_FREE", "FIRM"],
    "MINIBAR": ["NON_ALCOHOLIC", "EMPTY"],
    "NEWSPAPER": ["FINANCIAL", "NONE"],
}
PREFERENCE_COUNTS = [0, 0, 0, 0, 1, 1, 2, 3]
REDEMPTIONS = (7_500, 15_000, 25_000, 40_000)  # invented award prices: data, not rules


def member_number(index: int) -> str:
    """The card number of the ``index``-th generated member (check digit included)."""
    return member_number_with_check_digit(str(300_000_000 + index))


@dataclass(frozen=True)
class Hotel:
    id: int
    code: str
    currency: str
    time_zone: str
    category: int
    nightly_usd: int


def make_properties(count: int, first_id: int, rng: random.Random) -> list[Hotel]:
    """``count`` hotels spread over the markets, categories 1 to 8."""
    hotels = []
    for i in range(count):
        currency, zone, _country, usd = MARKETS[i % len(MARKETS)]
        category = min(8, max(1, round(rng.gauss(4.5, 1.6))))
        nightly = round(usd * 1.12 ** (category - 1))
        hotels.append(Hotel(first_id + i, f"H{i + 1:05d}", currency, zone, category, nightly))
    return hotels


def property_rows(hotels: list[Hotel]) -> list[Row]:
    rows = []
    for hotel in hotels:
        market = next(m for m in MARKETS if m[1] == hotel.time_zone)
        number = int(hotel.code[1:])
        name = f"Staytier {market[1].split('/')[-1].replace('_', ' ')} {CITIES[number % 8]}"
        brand = "Staytier" if hotel.category >= 4 else "Staytier Select"
        rows.append(
            (
                hotel.id,
                hotel.code,
                f"{name} {number}",
                brand,
                hotel.time_zone,
                hotel.category,
                hotel.currency,
                market[2],
            )
        )
    return rows


@dataclass
class Ids:
    """The next id of every table; rows are written with explicit ids."""

    next: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 1))

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class Batch:
    """The rows of a batch of members, per table."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in COLUMNS})
    tiers: dict[str, int] = field(default_factory=dict)  # members per tier held today

    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


class HistoryMaker:
    """Builds member histories under one program, deterministically from a seed."""

    def __init__(
        self,
        program: Program,
        rates: ExchangeRates,
        hotels: list[Hotel],
        *,
        today: dt.date,
        stays_per_member: float,
        seed: int,
    ) -> None:
        self.program, self.rates, self.hotels = program, rates, hotels
        self.today, self.mean_stays, self.seed = today, stays_per_member, seed
        self.first_day = today - dt.timedelta(days=3 * 365)
        self.now = dt.datetime.combine(today, dt.time(3), tzinfo=dt.UTC)
        # Popular hotels get more stays: weights fall off like a Zipf law.
        self.hotel_weights = [1 / (i + 1) ** 0.6 for i in range(len(hotels))]
        self._cum_weights = list(_accumulate(self.hotel_weights))
        self._rate_cache: dict[tuple[str, int], Decimal] = {}
        self._rules_cache: dict[dt.date, ProgramVersion] = {}

    def rules_on(self, day: dt.date) -> ProgramVersion:
        rules = self._rules_cache.get(day)
        if rules is None:
            rules = self._rules_cache[day] = self.program.version_on(day)
        return rules

    def usd_per_unit(self, currency: str, day: dt.date) -> Decimal:
        key = (currency, day.toordinal())
        rate = self._rate_cache.get(key)
        if rate is None:
            found = self.rates.usd_per_unit(currency, day)
            assert found is not None, f"no exchange rate for {currency}"
            rate = self._rate_cache[key] = found
        return rate

    def batch(self, first_index: int, count: int, ids: Ids) -> Batch:
        """Members ``first_index`` .. ``first_index + count - 1`` with all their rows; the
        same indexes and seed always give the same rows."""
        batch = Batch()
        for index in range(first_index, first_index + count):
            _Member(self, index, ids, batch).build()
        return batch


def _accumulate(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


class _Member:
    """One member's history, written into ``batch`` as it unfolds in time."""

    def __init__(self, maker: HistoryMaker, index: int, ids: Ids, batch: Batch) -> None:
        self.maker, self.ids, self.rows = maker, ids, batch.rows
        self.batch = batch
        self.rng = random.Random(maker.seed * 1_000_003 + index)
        self.id = ids.take("members")
        self.index = index
        self.balance = 0
        self.last_activity: dt.date | None = None
        self.periods: list[StatusPeriod] = []
        self.best: dict[int, int] = {}  # qualification year -> rank earned
        self.totals: dict[int, YearTotals] = {}

    def build(self) -> None:
        maker, rng = self.maker, self.rng
        enrolled = maker.today - dt.timedelta(days=int(rng.uniform(30, 6 * 365)))
        home = maker.hotels[rng.randrange(len(maker.hotels))]
        stays = self._stay_count()
        start = max(enrolled, maker.first_day)
        span = (maker.today - start).days - 1
        arrivals = sorted(
            start + dt.timedelta(days=rng.randrange(max(span, 1))) for _ in range(stays)
        )
        for arrival in arrivals:
            hotel = home if rng.random() < 0.4 else self._any_hotel()
            departure = min(arrival + dt.timedelta(days=rng.choice(NIGHTS)), maker.today)
            if departure <= arrival:
                continue
            cancelled = rng.random() < CANCELLED_SHARE
            self._stay(hotel, arrival, departure, "CANCELLED" if cancelled else "COMPLETED")
        if rng.random() < BOOKED_SHARE:
            arrival = maker.today + dt.timedelta(days=rng.randrange(0, 45))
            hotel = home if rng.random() < 0.5 else self._any_hotel()
            self._stay(hotel, arrival, arrival + dt.timedelta(days=rng.choice(NIGHTS)), "BOOKED")
        self._member_row(enrolled, home)

    def _stay_count(self) -> int:
        # A log-normal activity level with mean 1 scales the average; Poisson-like rounding.
        sigma = ACTIVITY_SIGMA
        level = self.rng.lognormvariate(-sigma * sigma / 2, sigma)
        expected = self.maker.mean_stays * level
        return int(expected) + (1 if self.rng.random() < expected - int(expected) else 0)

    def _any_hotel(self) -> Hotel:
        maker = self.maker
        pick = self.rng.random() * maker._cum_weights[-1]
        low, high = 0, len(maker._cum_weights) - 1
        while low < high:  # bisect by hand: the weights list is shared and sorted
            middle = (low + high) // 2
            if maker._cum_weights[middle] < pick:
                low = middle + 1
            else:
                high = middle
        return maker.hotels[low]

    def _folio(self, hotel: Hotel, arrival: dt.date, departure: dt.date) -> Folio:
        rng, nights = self.rng, (departure - arrival).days
        rate_code = rng.choice(RATE_CODES)
        usd_rate = self.maker.usd_per_unit(hotel.currency, departure)
        nightly_usd = hotel.nightly_usd * rng.uniform(0.6, 1.3)
        room = _money(nightly_usd * nights / float(usd_rate))
        dining = _money(nightly_usd * nights * rng.uniform(0, 0.3) / float(usd_rate))
        if rate_code in {"AWARD", "STAFF", "COMP"}:
            room, dining = Decimal(0), dining if rate_code == "AWARD" else Decimal(0)
        return Folio(arrival, departure, rate_code, hotel.currency, room, dining, Decimal(0))

    def _stay(self, hotel: Hotel, arrival: dt.date, departure: dt.date, status: str) -> None:
        folio = self._folio(hotel, arrival, departure)
        stay_id = self.ids.take("stays")
        recorded = _at(min(departure, self.maker.today), self.rng)
        self.rows["stays"].append(
            (
                stay_id,
                self.id,
                hotel.id,
                f"C{stay_id:09d}",
                status,
                arrival,
                departure,
                self.rng.choice(ROOM_TYPES),
                folio.rate_code,
                folio.currency,
                folio.room_revenue,
                folio.food_and_beverage_revenue,
                Decimal(0),
                recorded,
                recorded,
            )
        )
        snapshot = _snapshot(folio)
        self.rows["stay_revisions"].append(
            (self.ids.take("stay_revisions"), stay_id, status, json.dumps(snapshot), recorded)
        )
        if status == "COMPLETED":
            self._credit(hotel, stay_id, folio, snapshot, recorded)

    def _credit(
        self, hotel: Hotel, stay_id: int, folio: Folio, snapshot: dict[str, str], at: dt.datetime
    ) -> None:
        maker, checkout = self.maker, folio.checkout
        rules = maker.rules_on(checkout)
        rate = maker.usd_per_unit(folio.currency, checkout)
        credit = stay_credit(folio, rules, rate)
        tier = self._tier_on(checkout, rules)
        bonus = tier_bonus(credit.base_points, tier)
        credit_id = self.ids.take("credits")
        detail = {
            "folio": snapshot,
            "eligible_usd": format(credit.eligible_usd, "f"),
            "usd_per_unit": format(rate, "f"),
            "tier_at_checkout": tier.code,
        }
        self.rows["credits"].append(
            (credit_id, self.id, "STAY", stay_id, checkout, rules.version, json.dumps(detail), at)
        )
        for year in credit.years:
            if year.nights or year.stays or year.base_points:
                self.rows["qualifying_credits"].append(
                    (
                        self.ids.take("qualifying_credits"),
                        credit_id,
                        self.id,
                        year.year,
                        year.nights,
                        year.stays,
                        year.base_points,
                    )
                )
                was = self.totals.get(year.year, YearTotals(0, 0, 0))
                self.totals[year.year] = YearTotals(
                    was.nights + year.nights,
                    was.stays + year.stays,
                    was.base_points + year.base_points,
                )
        label = f"at {hotel.code}, {folio.arrival:%d %b %Y} to {folio.departure:%d %b %Y}"
        self._post(credit_id, "EARN", credit.base_points, at, checkout, f"Stay {label}")
        self._post(credit_id, "BONUS", bonus, at, checkout, f"{tier.name} bonus: stay {label}")
        if any(y.nights or y.stays for y in credit.years):
            self.last_activity = max(self.last_activity or checkout, checkout)
        for qualification_year in sorted({y.year for y in credit.years}):
            self._qualify(qualification_year, checkout, credit_id, at)
        if self.balance >= REDEEM_ABOVE and self.rng.random() < REDEEM_CHANCE:
            self._redeem(checkout, at)

    def _tier_on(self, day: dt.date, rules: ProgramVersion) -> Tier:
        period = held_period(self.periods, day)
        return (rules.tier(period.tier_code) if period else None) or rules.base_tier

    def _post(
        self,
        credit_id: int | None,
        kind: str,
        points: int,
        at: dt.datetime,
        on: dt.date,
        description: str,
    ) -> None:
        if points == 0:
            return
        self.balance += points
        self.rows["ledger_entries"].append(
            (
                self.ids.take("ledger_entries"),
                self.id,
                credit_id,
                kind,
                points,
                self.balance,
                at,
                on,
                description[:300],
                0,
            )
        )
        if kind in {"EARN", "BONUS", "REDEEM"}:
            self.last_activity = max(self.last_activity or on, on)

    def _qualify(self, year: int, on: dt.date, credit_id: int, at: dt.datetime) -> None:
        rules = self.maker.rules_on(on)
        if self.best.get(year) == rules.tiers_by_rank()[-1].rank:
            return  # the top tier is reached: nothing more to earn this year
        earned, path = qualified_tier(rules, self.totals.get(year, YearTotals(0, 0, 0)))
        if path is None or earned.rank <= self.best.get(year, rules.base_tier.rank):
            return
        self.best[year] = earned.rank
        through = status_valid_through(year, rules)
        self.periods.append(StatusPeriod(earned.code, earned.rank, on, through))
        reached = f"Reached in {year} by qualifying {path.value.lower().replace('_', ' ')}"
        self.rows["status_periods"].append(
            (
                self.ids.take("status_periods"),
                self.id,
                earned.code,
                earned.rank,
                year,
                on,
                through,
                "QUALIFIED",
                reached,
                credit_id,
                at,
            )
        )

    def _redeem(self, on: dt.date, at: dt.datetime) -> None:
        affordable = [p for p in REDEMPTIONS if p <= self.balance]
        if affordable:
            price = self.rng.choice(affordable)
            self._post(None, "REDEEM", -price, at, on, "Award night")

    def _member_row(self, enrolled: dt.date, home: Hotel) -> None:
        rng, maker = self.rng, self.maker
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        number = member_number(self.index)
        rules = maker.rules_on(maker.today)
        tier = self._tier_on(maker.today, rules)
        self.batch.tiers[tier.code] = self.batch.tiers.get(tier.code, 0) + 1
        # The words guest search finds the member by, as enrolment writes them.
        for term in sorted(search_terms(first, last)):
            self.rows["member_search_terms"].append(
                (self.ids.take("member_search_terms"), self.id, term[:100])
            )
        # Stated preferences for some guests, from the catalog's non-sensitive categories.
        recorded = _at(enrolled, rng)
        for category in rng.sample(sorted(STATED), rng.choice(PREFERENCE_COUNTS)):
            value = rng.choice(STATED[category])  # one value per category, as guests state
            row = (self.ids.take("preferences"), self.id, category, value, "GUEST", False)
            self.rows["preferences"].append((*row, recorded))
        self.rows["members"].append(
            (
                self.id,
                number,
                first,
                last,
                f"{first}.{last}.{number}@example.com".lower(),
                None,
                rng.choice(LANGUAGES),
                home.time_zone,
                home.code,
                enrolled,
                self.balance,
                self.last_activity,
                _at(enrolled, rng),
            )
        )


def _money(amount: float) -> Decimal:
    return Decimal(math.floor(amount * 100)) / 100


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), tzinfo=dt.UTC)


def _snapshot(folio: Folio) -> dict[str, str]:
    return {
        "arrival": folio.arrival.isoformat(),
        "departure": folio.departure.isoformat(),
        "rate_code": folio.rate_code,
        "currency": folio.currency,
        "room": format(folio.room_revenue.normalize(), "f"),
        "food_and_beverage": format(folio.food_and_beverage_revenue.normalize(), "f"),
        "other": "0",
    }


Progress = Callable[[int], None]
