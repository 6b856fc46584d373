"""Guest profile rules: what a preference may hold, what stays suggest, when a date recurs.

Pure functions over the catalog (:mod:`staytier.program.catalog`) and plain values; the
services store and read, these decide.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput
from staytier.program.catalog import Inference, PreferenceCatalog, PreferenceCategory


class PreferenceSource(enum.Enum):
    """Who said so: the guest, staff at a property, or the stay history."""

    GUEST = "GUEST"
    STAFF = "STAFF"
    INFERRED = "INFERRED"


class SpecialDateKind(enum.Enum):
    BIRTHDAY = "BIRTHDAY"
    ANNIVERSARY = "ANNIVERSARY"


# --- preference values ----------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def category_or_error(catalog: PreferenceCatalog, code: str) -> PreferenceCategory:
    """The catalog category ``code`` (any case), or UNKNOWN_PREFERENCE_CATEGORY."""
    category = catalog.category(code.strip().upper())
    if category is None:
        raise BusinessRuleError(
            ErrorCode.UNKNOWN_PREFERENCE_CATEGORY,
            f"No preference category {code!r} in the catalog.",
            "category",
        )
    return category


def checked_values(category: PreferenceCategory, values: Sequence[str]) -> list[str]:
    """The values as stored (codes upper-cased, free text trimmed), duplicates dropped, in
    the order given; or every mistake, each with the index of the value at fault."""
    mistakes: list[BusinessRuleError] = []
    cleaned: list[str] = []
    for index, raw in enumerate(values):
        field = f"values[{index}]"
        before = len(mistakes)
        if category.free_text_max_length is not None:
            value = _SPACES.sub(" ", raw).strip()
            if not value:
                mistakes.append(
                    BusinessRuleError(
                        ErrorCode.INVALID_PREFERENCE_VALUE, "A value is empty.", field
                    )
                )
            elif len(value) > category.free_text_max_length:
                mistakes.append(
                    BusinessRuleError(
                        ErrorCode.INVALID_PREFERENCE_VALUE,
                        f"{category.name}: at most {category.free_text_max_length} characters.",
                        field,
                    )
                )
        else:
            value = raw.strip().upper().replace(" ", "_").replace("-", "_")
            if value not in category.values:
                mistakes.append(
                    BusinessRuleError(
                        ErrorCode.INVALID_PREFERENCE_VALUE,
                        f"{raw!r} is not a {category.name.lower()} value; use one of "
                        f"{', '.join(category.values)}.",
                        field,
                    )
                )
        valid = len(mistakes) == before
        if valid and value.casefold() not in {v.casefold() for v in cleaned}:
            cleaned.append(value)
    if not values:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_PREFERENCE_VALUE,
                "Give at least one value (removePreference clears a category).",
                "values",
            )
        )
    if len(cleaned) > category.max_choices:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.TOO_MANY_CHOICES,
                f"{category.name}: at most {category.max_choices} choice(s), {len(cleaned)} given.",
                "values",
            )
        )
    if mistakes:
        raise InvalidInput(mistakes)
    return cleaned


# --- inference ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StayChoice:
    """What a guest chose on one completed stay (newest first when passed in)."""

    room_type: str | None
    floor: int | None
    rate_code: str | None


@dataclass(frozen=True)
class InferredPreference:
    category: str
    value: str
    confidence: int  # percent of the stays considered


def floor_band(floor: int, rules: Inference) -> str | None:
    """The floor preference a floor counts as, or None when no band holds it."""
    band = next((b for b in rules.floor_bands if b.from_floor <= floor <= b.to_floor), None)
    return band.value if band else None


def inferred_preferences(stays: Sequence[StayChoice], rules: Inference) -> list[InferredPreference]:
    """The preferences the last ``rules.last_stays`` stays suggest.

    A value counts when it was chosen on at least ``majority_percent`` of those stays (a
    stay that does not say counts against it), and only once there are ``min_stays``.
    """
    considered = list(stays[: rules.last_stays])
    if len(considered) < rules.min_stays:
        return []
    found: list[InferredPreference] = []
    for category, picks in (
        (
            rules.room_type_category,
            [s.room_type.strip().upper() if s.room_type else None for s in considered],
        ),
        (
            rules.floor_category,
            [floor_band(s.floor, rules) if s.floor is not None else None for s in considered],
        ),
        (rules.rate_category, [s.rate_code.upper() if s.rate_code else None for s in considered]),
    ):
        if category is None:
            continue
        counts = Counter(pick for pick in picks if pick)
        if not counts:
            continue
        value, count = counts.most_common(1)[0]
        share = count * 100 // len(considered)
        if count * 100 >= rules.majority_percent * len(considered):
            found.append(InferredPreference(category, value, share))
    return found


# --- special dates --------------------------------------------------------------------------


def occurrence(month: int, day: int, year: int) -> dt.date:
    """The day a yearly date falls on in ``year``: 29 February is 28 February in other years."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return dt.date(year, month, day)


def occurrences_within(month: int, day: int, first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from ``first`` to ``last`` (inclusive) on which the yearly date falls."""
    found = (occurrence(month, day, year) for year in range(first.year, last.year + 1))
    return [on for on in found if first <= on <= last]


def special_date_mistakes(
    kind: SpecialDateKind, on: dt.date, today: dt.date
) -> list[BusinessRuleError]:
    """A birthday or anniversary is a day that has happened, in a plausible lifetime."""
    label = kind.value.lower()
    if on > today:
        return [
            BusinessRuleError(
                ErrorCode.INVALID_SPECIAL_DATE, f"A {label} cannot be in the future ({on}).", "date"
            )
        ]
    if on.year < today.year - 130:
        return [
            BusinessRuleError(ErrorCode.INVALID_SPECIAL_DATE, f"A {label} in {on.year}?", "date")
        ]
    return []


# --- search ---------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[^\w]+")


def normalised(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces: "Zoë O'Brien" is "zoe o brien"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NOT_WORD.sub(" ", bare).replace("_", " ").split())


def search_terms(*names: str) -> set[str]:
    """The words a member is found by, from their names."""
    return {word for name in names for word in normalised(name).split()}


def phone_key(phone: str | None) -> str | None:
    """The digits of a phone number (what a search compares), or None when too few."""
    if phone is None:
        return None
    digits = "".join(char for char in phone if char.isdigit())
    return digits if len(digits) >= 6 else None


def prefix_bounds(word: str) -> tuple[str, str]:
    """``(low, high)`` such that exactly the strings starting with ``word`` are in
    ``[low, high)``, so a prefix search is an index range on any database."""
    return word, word[:-1] + chr(ord(word[-1]) + 1)


def distinct_in_order(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
