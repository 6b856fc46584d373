"""Invented but lawful member histories: the rows a brand's database would hold.

Every member gets an activity level from a skewed distribution (most guests stay once or
twice, a few stay every week), stays spread over the last three years at properties of every
currency, the rows the service writes when a stay is recorded, and for each completed stay
the rows its crediting writes (see :mod:`.credits`), so balances equal the sum of the ledger
and each tier is backed by the credits that earned it.

Rows are plain tuples in the columns of their table's :class:`~.tables.Shape`, built without
the ORM: this is the hot loop of a ten-million-stay load.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from staytier.domain.preferences import PreferenceSource, search_terms
from staytier.domain.stays import Folio, StayStatus
from staytier.generator.brand import (
    ACTIVITY_SIGMA,
    BOOKED_SHARE,
    CANCELLED_SHARE,
    FIRST_NAMES,
    LANGUAGES,
    LAST_NAMES,
    NIGHTS,
    PREFERENCE_COUNTS,
    PROPERTIES,
    RATE_CODES,
    ROOM_TYPES,
    STATED,
    Hotel,
    member_number,
)
from staytier.generator.credits import (
    CREDITS,
    LEDGER_ENTRIES,
    QUALIFYING_CREDITS,
    STATUS_PERIODS,
    Account,
    Rules,
)
from staytier.generator.tables import TABLES, Row, Shape, shape
from staytier.program.model import ExchangeRates, Program
from staytier.services.crediting import folio_snapshot

MEMBERS = shape(
    "members",
    "id",
    "member_number",
    "first_name",
    "last_name",
    "email",
    "language",
    "time_zone",
    "home_property_code",
    "enrolled_on",
    "points_balance",
    "last_activity_on",
    "created_at",
)
MEMBER_SEARCH_TERMS = shape("member_search_terms", "id", "member_id", "term")
PREFERENCES = shape("preferences", "id", "member_id", "category", "value", "source", "recorded_at")
STAYS = shape(
    "stays",
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
)
GUEST = PreferenceSource.GUEST.value
STAY_REVISIONS = shape("stay_revisions", "id", "stay_id", "status", "folio", "recorded_at")

# Every table a load fills, by name: what its generated tuples hold.
SHAPES: dict[str, Shape] = {
    s.name: s
    for s in (
        PROPERTIES,
        MEMBERS,
        MEMBER_SEARCH_TERMS,
        PREFERENCES,
        STAYS,
        STAY_REVISIONS,
        CREDITS,
        QUALIFYING_CREDITS,
        LEDGER_ENTRIES,
        STATUS_PERIODS,
    )
}


@dataclass
class Ids:
    """The next id of every table; rows are written with explicit ids."""

    next: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 1))

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class Batch:
    """The rows of a batch of members, per table."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in TABLES})
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
        self.rules, self.hotels = Rules(program, rates), hotels
        self.today, self.mean_stays, self.seed = today, stays_per_member, seed
        self.first_day = today - dt.timedelta(days=3 * 365)
        # Popular hotels get more stays: weights fall off like a Zipf law.
        self.hotel_weights = [1 / (i + 1) ** 0.6 for i in range(len(hotels))]
        self._cum_weights = list(_accumulate(self.hotel_weights))

    def batch(self, first_index: int, count: int, ids: Ids) -> Batch:
        """Members ``first_index`` .. ``first_index + count - 1`` with all their rows; the
        same indexes and seed always give the same rows."""
        batch = Batch()
        for index in range(first_index, first_index + count):
            _Member(self, index, ids, batch).build()
        return batch

    def any_hotel(self, rng: random.Random) -> Hotel:
        """A hotel picked by popularity."""
        pick = rng.random() * self._cum_weights[-1]
        low, high = 0, len(self._cum_weights) - 1
        while low < high:  # bisect by hand: the weights list is shared and sorted
            middle = (low + high) // 2
            if self._cum_weights[middle] < pick:
                low = middle + 1
            else:
                high = middle
        return self.hotels[low]


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
        self.id = ids.take(MEMBERS.name)
        self.index = index
        self.account = Account(self.id, maker.rules, batch.rows, ids.take, self.rng)

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
        # A guest sleeps in one hotel a night: a stay starts once the last one they stayed
        # has ended. Their stays then check out, and are credited, in the order they arrive,
        # as the service credits them (credit ids follow credit dates).
        free_from = start
        for drawn in arrivals:
            arrival = max(drawn, free_from)
            hotel = home if rng.random() < 0.4 else maker.any_hotel(rng)
            departure = min(arrival + dt.timedelta(days=rng.choice(NIGHTS)), maker.today)
            if departure <= arrival:
                continue
            cancelled = rng.random() < CANCELLED_SHARE
            status = StayStatus.CANCELLED if cancelled else StayStatus.COMPLETED
            self._stay(hotel, arrival, departure, status)
            if status is StayStatus.COMPLETED:
                free_from = departure
        if rng.random() < BOOKED_SHARE:
            arrival = maker.today + dt.timedelta(days=rng.randrange(0, 45))
            hotel = home if rng.random() < 0.5 else maker.any_hotel(rng)
            departure = arrival + dt.timedelta(days=rng.choice(NIGHTS))
            self._stay(hotel, arrival, departure, StayStatus.BOOKED)
        self._member_row(enrolled, home)

    def _stay_count(self) -> int:
        # A log-normal activity level with mean 1 scales the average; Poisson-like rounding.
        sigma = ACTIVITY_SIGMA
        level = self.rng.lognormvariate(-sigma * sigma / 2, sigma)
        expected = self.maker.mean_stays * level
        return int(expected) + (1 if self.rng.random() < expected - int(expected) else 0)

    def _folio(self, hotel: Hotel, arrival: dt.date, departure: dt.date) -> Folio:
        rng, nights = self.rng, (departure - arrival).days
        rate_code = rng.choice(RATE_CODES)
        usd_rate = self.maker.rules.usd_per_unit(hotel.currency, departure)
        nightly_usd = hotel.nightly_usd * rng.uniform(0.6, 1.3)
        room = _money(nightly_usd * nights / float(usd_rate))
        dining = _money(nightly_usd * nights * rng.uniform(0, 0.3) / float(usd_rate))
        if rate_code in {"AWARD", "STAFF", "COMP"}:
            room, dining = Decimal(0), dining if rate_code == "AWARD" else Decimal(0)
        return Folio(arrival, departure, rate_code, hotel.currency, room, dining, Decimal(0))

    def _stay(self, hotel: Hotel, arrival: dt.date, departure: dt.date, status: StayStatus) -> None:
        """The stay as recorded, its revision, and its credit once completed."""
        folio = self._folio(hotel, arrival, departure)
        stay_id = self.ids.take(STAYS.name)
        confirmation = f"C{stay_id:09d}"
        recorded = _at(min(departure, self.maker.today), self.rng)
        room_type = self.rng.choice(ROOM_TYPES)
        self.rows[STAYS.name].append(
            (
                stay_id,
                self.id,
                hotel.id,
                confirmation,
                status.value,
                arrival,
                departure,
                room_type,
                folio.rate_code,
                folio.currency,
                folio.room_revenue,
                folio.food_and_beverage_revenue,
                folio.other_revenue,
                recorded,
                recorded,
            )
        )
        snapshot = json.dumps(folio_snapshot(folio))
        self.rows[STAY_REVISIONS.name].append(
            (self.ids.take(STAY_REVISIONS.name), stay_id, status.value, snapshot, recorded)
        )
        if status is StayStatus.COMPLETED:
            self.account.credit_stay(hotel, stay_id, confirmation, folio, recorded)

    def _member_row(self, enrolled: dt.date, home: Hotel) -> None:
        rng, maker, account = self.rng, self.maker, self.account
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        number = member_number(self.index)
        tier = account.tier_on(maker.today)
        self.batch.tiers[tier.code] = self.batch.tiers.get(tier.code, 0) + 1
        # The words guest search finds the member by, as enrolment writes them.
        for term in sorted(search_terms(first, last)):
            self.rows[MEMBER_SEARCH_TERMS.name].append(
                (self.ids.take(MEMBER_SEARCH_TERMS.name), self.id, term[:100])
            )
        # Stated preferences for some guests, from the catalog's non-sensitive categories.
        recorded = _at(enrolled, rng)
        for category in rng.sample(sorted(STATED), rng.choice(PREFERENCE_COUNTS)):
            value = rng.choice(STATED[category])  # one value per category, as guests state
            self.rows[PREFERENCES.name].append(
                (self.ids.take(PREFERENCES.name), self.id, category, value, GUEST, recorded)
            )
        email = f"{first}.{last}.{number}@example.com".lower()
        self.rows[MEMBERS.name].append(
            (
                self.id,
                number,
                first,
                last,
                email,
                rng.choice(LANGUAGES),
                home.time_zone,
                home.code,
                enrolled,
                account.balance,
                account.last_activity,
                _at(enrolled, rng),
            )
        )


def _money(amount: float) -> Decimal:
    return Decimal(math.floor(amount * 100)) / 100


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), tzinfo=dt.UTC)
