"""The preference catalog, as typed data: which preferences a guest profile may hold.

Like the program, the catalog is a file (``fixtures/preferences.toml``) checked when it is
loaded: every category with its allowed values or free-text rule, how many choices a guest
may make in it, and whether it is sensitive (stored only with the guest's consent). The
rules for inferring preferences from stay history live here too, so a brand tunes them
without a release.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import msgspec

from staytier.program.checks import at_least_one, is_code, listed_twice
from staytier.program.loader import FIXTURES, ProgramFileError, decode_file


class ConsentPurpose(enum.Enum):
    """What a guest may consent to. Sensitive categories name the purpose they need."""

    PERSONALISED_SERVICE = "PERSONALISED_SERVICE"
    MARKETING = "MARKETING"


class PreferenceCategory(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One kind of preference. Either ``values`` (the allowed codes) or
    ``free_text_max_length`` (any text up to that length) says what may be stored."""

    code: str
    name: str
    group: str = "GENERAL"
    values: list[str] = msgspec.field(default_factory=list)
    free_text_max_length: int | None = None
    max_choices: int = 1
    sensitive: bool = False
    consent_purpose: ConsentPurpose = ConsentPurpose.PERSONALISED_SERVICE

    @property
    def free_text(self) -> bool:
        return self.free_text_max_length is not None


class FloorBand(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Floors ``from_floor`` to ``to_floor`` (inclusive) count as the floor preference ``value``."""

    value: str
    from_floor: int
    to_floor: int


class Inference(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How preferences are inferred from the last completed stays.

    A value becomes an inferred preference when it was chosen on at least
    ``majority_percent`` of the last ``last_stays`` completed stays, and there are at least
    ``min_stays`` of them. The confidence is that share, in percent.
    """

    last_stays: int = 5
    min_stays: int = 3
    majority_percent: int = 60
    room_type_category: str | None = None
    floor_category: str | None = None
    rate_category: str | None = None
    floor_bands: list[FloorBand] = msgspec.field(default_factory=list)


class PreferenceCatalog(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    categories: list[PreferenceCategory]
    staff_note_max_length: int = 500
    inference: Inference = msgspec.field(default_factory=Inference)

    def category(self, code: str) -> PreferenceCategory | None:
        return next((c for c in self.categories if c.code == code), None)

    def sensitive_codes(self, purpose: ConsentPurpose) -> list[str]:
        """The categories whose values go when consent for ``purpose`` is withdrawn."""
        return [c.code for c in self.categories if c.sensitive and c.consent_purpose is purpose]


def catalog_mistakes(catalog: PreferenceCatalog) -> list[str]:
    """Every mistake in ``catalog``, one sentence each; empty when it is sound."""
    mistakes = list(_category_mistakes(catalog.categories))
    if catalog.staff_note_max_length < 1:
        mistakes.append("staff_note_max_length must be at least 1")
    mistakes.extend(_inference_mistakes(catalog))
    return mistakes


def _category_mistakes(categories: list[PreferenceCategory]) -> Iterator[str]:
    if not categories:
        yield "categories: the catalog needs at least one category"
    yield from listed_twice("categories", (c.code for c in categories))
    for index, category in enumerate(categories):
        where = f"categories[{index}] ({category.code})"
        if not category.code or category.code != category.code.upper():
            yield f"{where}: code must be upper case and not empty"
        if category.values and category.free_text:
            yield f"{where}: give either values or free_text_max_length, not both"
        if not category.values and not category.free_text:
            yield f"{where}: give the allowed values or a free_text_max_length"
        if category.free_text_max_length is not None and not (
            0 < category.free_text_max_length <= 200
        ):
            yield f"{where}: free_text_max_length must be between 1 and 200"
        for value, count in Counter(category.values).items():
            if count > 1:
                yield f"{where}: value {value!r} is listed {count} times"
        for value in category.values:
            if not is_code(value):
                yield f"{where}: value {value!r} must be an upper-case code"
        if category.max_choices < 1:
            yield f"{where}: max_choices must be at least 1"
        elif category.values and category.max_choices > len(category.values):
            yield (
                f"{where}: max_choices {category.max_choices} exceeds its "
                f"{len(category.values)} values"
            )


def _inference_mistakes(catalog: PreferenceCatalog) -> Iterator[str]:
    rules = catalog.inference
    yield from at_least_one("inference", last_stays=rules.last_stays)
    if not 1 <= rules.min_stays <= max(rules.last_stays, 1):
        yield "inference.min_stays must be between 1 and last_stays"
    if not 50 < rules.majority_percent <= 100:
        yield "inference.majority_percent must be above 50 and at most 100"
    for label, code in (
        ("room_type_category", rules.room_type_category),
        ("floor_category", rules.floor_category),
        ("rate_category", rules.rate_category),
    ):
        if code is not None and catalog.category(code) is None:
            yield f"inference.{label}: unknown category {code!r}"
    floor = catalog.category(rules.floor_category) if rules.floor_category else None
    if rules.floor_category and not rules.floor_bands:
        yield "inference.floor_bands: give the bands that map floors to the floor category"
    bands = sorted(rules.floor_bands, key=lambda band: band.from_floor)
    for index, band in enumerate(bands):
        if band.to_floor < band.from_floor:
            yield f"inference.floor_bands: {band.value!r} ends below where it starts"
        if floor is not None and floor.values and band.value not in floor.values:
            yield f"inference.floor_bands: {band.value!r} is not a value of {floor.code!r}"
        if index and band.from_floor <= bands[index - 1].to_floor:
            yield f"inference.floor_bands: {bands[index - 1].value!r} and {band.value!r} overlap"


def default_catalog_path() -> Path:
    return FIXTURES / "preferences.toml"


def load_preference_catalog(path: Path | str | None = None) -> PreferenceCatalog:
    """Loads and checks a catalog file; raises :class:`ProgramFileError` listing mistakes."""
    path = Path(path) if path is not None else default_catalog_path()
    catalog = decode_file(path, PreferenceCatalog)
    mistakes = catalog_mistakes(catalog)
    if mistakes:
        raise ProgramFileError(path, mistakes)
    return catalog
