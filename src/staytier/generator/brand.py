"""The invented brand a load fills: its hotels and the guests, rates and rooms they book.

These are data, not rules: the rules come from the program file (see :mod:`.credits`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from staytier.generator.tables import Row, shape
from staytier.services.enrollment import member_number_with_check_digit

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
    name: str
    currency: str
    time_zone: str
    country: str
    category: int
    nightly_usd: int

    @property
    def brand(self) -> str:
        return "Staytier" if self.category >= 4 else "Staytier Select"


def make_properties(count: int, first_id: int, rng: random.Random) -> list[Hotel]:
    """``count`` hotels spread over the markets, categories 1 to 8."""
    hotels = []
    for i in range(count):
        currency, zone, country, usd = MARKETS[i % len(MARKETS)]
        category = min(8, max(1, round(rng.gauss(4.5, 1.6))))
        nightly = round(usd * 1.12 ** (category - 1))
        number = i + 1
        city = f"{zone.split('/')[-1].replace('_', ' ')} {CITIES[number % 8]}"
        name = f"Staytier {city} {number}"
        hotels.append(
            Hotel(first_id + i, f"H{number:05d}", name, currency, zone, country, category, nightly)
        )
    return hotels


PROPERTIES = shape(
    "properties", "id", "code", "name", "brand", "time_zone", "category", "currency", "country"
)


def property_rows(hotels: list[Hotel]) -> list[Row]:
    """The hotels' rows, in :data:`PROPERTIES`' columns."""
    return [
        (h.id, h.code, h.name, h.brand, h.time_zone, h.category, h.currency, h.country)
        for h in hotels
    ]
