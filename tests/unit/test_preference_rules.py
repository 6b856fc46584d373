"""The profile rules without a database: catalog values, inference, recurring dates, search
terms."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput
from staytier.domain.preferences import (
    SpecialDateKind,
    StayChoice,
    category_or_error,
    checked_values,
    floor_band,
    inferred_preferences,
    normalised,
    occurrence,
    occurrences_within,
    phone_key,
    prefix_bounds,
    search_terms,
    special_date_mistakes,
)
from staytier.program.catalog import load_preference_catalog

CATALOG = load_preference_catalog()
RULES = CATALOG.inference
D = dt.date


def codes(error: BusinessRuleError) -> list[tuple[ErrorCode, str | None]]:
    errors = error.errors if isinstance(error, InvalidInput) else [error]
    return [(e.code, e.field) for e in errors]


def test_coded_values_are_matched_in_any_case_and_spelling() -> None:
    pillow = category_or_error(CATALOG, "pillow")

    assert checked_values(pillow, ["feather-free", "Memory Foam"]) == [
        "FEATHER_FREE",
        "MEMORY_FOAM",
    ]


def test_duplicates_count_once_toward_the_choices() -> None:
    assert checked_values(category_or_error(CATALOG, "BED_TYPE"), ["KING", "king"]) == ["KING"]


def test_every_mistake_in_a_list_is_reported_with_its_index() -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_values(category_or_error(CATALOG, "NEWSPAPER"), ["LOCAL", "TABLOID", "NONE", "X"])

    assert codes(refused.value) == [
        (ErrorCode.INVALID_PREFERENCE_VALUE, "values[1]"),
        (ErrorCode.INVALID_PREFERENCE_VALUE, "values[3]"),
    ]


def test_too_many_choices() -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_values(category_or_error(CATALOG, "NEWSPAPER"), ["LOCAL", "NONE", "FINANCIAL"])

    assert codes(refused.value) == [(ErrorCode.TOO_MANY_CHOICES, "values")]


def test_free_text_is_trimmed_and_bounded() -> None:
    drink = category_or_error(CATALOG, "FAVOURITE_DRINK")

    assert checked_values(drink, ["  Earl   Grey "]) == ["Earl Grey"]
    with pytest.raises(InvalidInput):
        checked_values(drink, [""])
    with pytest.raises(InvalidInput):
        checked_values(drink, ["t" * 61])


def test_an_empty_list_is_refused() -> None:
    with pytest.raises(InvalidInput):
        checked_values(category_or_error(CATALOG, "SCENT"), [])


def test_unknown_category() -> None:
    with pytest.raises(BusinessRuleError) as refused:
        category_or_error(CATALOG, "ZODIAC")

    assert refused.value.code is ErrorCode.UNKNOWN_PREFERENCE_CATEGORY


def stays(*choices: tuple[str | None, int | None, str | None]) -> list[StayChoice]:
    return [StayChoice(room_type=r, floor=f, rate_code=c) for r, f, c in choices]


def test_the_room_type_floor_and_rate_of_most_recent_stays_are_inferred() -> None:
    history = stays(
        ("KING DELUXE", 12, "BAR"),
        ("king deluxe", 20, "BAR"),
        ("TWIN", 3, "CORP"),
        ("KING DELUXE", 9, "BAR"),
        ("KING DELUXE", 4, "CORP"),
    )

    found = {(p.category, p.value, p.confidence) for p in inferred_preferences(history, RULES)}

    assert found == {
        ("ROOM_TYPE", "KING DELUXE", 80),
        ("FLOOR", "HIGH", 60),
        ("RATE_PLAN", "BAR", 60),
    }


def test_no_majority_no_inference() -> None:
    history = stays(("A", 1, "X"), ("B", 10, "Y"), ("C", 2, "Z"), ("A", 11, "Y"))

    assert inferred_preferences(history, RULES) == []


def test_too_few_stays_infer_nothing() -> None:
    assert inferred_preferences(stays(("A", 1, "X"), ("A", 1, "X")), RULES) == []


def test_only_the_last_n_stays_count() -> None:
    recent = [("SUITE", None, None)] * 5
    older = [("TWIN", None, None)] * 20

    [found] = inferred_preferences(stays(*recent, *older), RULES)

    assert (found.value, found.confidence) == ("SUITE", 100)


def test_stays_without_the_detail_count_against_it() -> None:
    history = stays(
        ("SUITE", None, None), ("SUITE", None, None), (None, None, None), (None, None, None)
    )

    assert inferred_preferences(history, RULES) == []


def test_floor_bands() -> None:
    assert [floor_band(floor, RULES) for floor in (-2, 5, 6, 300, 301)] == [
        "LOW",
        "LOW",
        "HIGH",
        "HIGH",
        None,
    ]


def test_a_29_february_date_falls_on_28_february_in_other_years() -> None:
    assert occurrence(2, 29, 2027) == D(2027, 2, 28)
    assert occurrence(2, 29, 2028) == D(2028, 2, 29)


def test_occurrences_within_a_stay_over_new_year() -> None:
    assert occurrences_within(1, 1, D(2026, 12, 30), D(2027, 1, 2)) == [D(2027, 1, 1)]
    assert occurrences_within(12, 31, D(2026, 12, 30), D(2027, 1, 2)) == [D(2026, 12, 31)]
    assert occurrences_within(7, 14, D(2026, 12, 30), D(2027, 1, 2)) == []


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31)), st.integers(0, 400))
@example(D(2000, 2, 1), 32)
def test_a_yearly_date_falls_at_most_once_in_365_days_and_at_least_once_in_366(
    born: dt.date, start_offset: int
) -> None:
    # Not "exactly once in 365": 2 February 2020 to 31 January 2021 holds 29 February and
    # no 1 February.
    first = D(2020, 1, 1) + dt.timedelta(days=start_offset)
    year = occurrences_within(born.month, born.day, first, first + dt.timedelta(days=364))
    leap_year = occurrences_within(born.month, born.day, first, first + dt.timedelta(days=365))
    assert len(year) <= 1
    assert len(leap_year) >= 1


def test_a_special_date_cannot_be_in_the_future() -> None:
    today = D(2026, 3, 2)

    assert special_date_mistakes(SpecialDateKind.BIRTHDAY, today, today) == []
    [mistake] = special_date_mistakes(SpecialDateKind.BIRTHDAY, D(2026, 3, 3), today)
    assert mistake.code is ErrorCode.INVALID_SPECIAL_DATE
    assert special_date_mistakes(SpecialDateKind.ANNIVERSARY, D(1850, 1, 1), today)


def test_names_are_found_without_accents_or_case() -> None:
    assert normalised("  Zoë  O'Brien-Núñez ") == "zoe o brien nunez"
    assert search_terms("Zoë", "O'Brien") == {"zoe", "o", "brien"}
    assert search_terms("Ångström", "Straße") == {"angstrom", "strasse"}


def test_phone_keys_are_digits() -> None:
    assert phone_key("+1 (212) 555-0100") == "12125550100"
    assert phone_key("12-34") is None
    assert phone_key(None) is None


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=8),
)
def test_prefix_bounds_hold_exactly_the_words_with_the_prefix(prefix: str, word: str) -> None:
    low, high = prefix_bounds(prefix)
    assert (low <= word < high) == word.startswith(prefix)


def test_each_utc_midnight_falls_on_one_local_day_per_zone() -> None:
    from staytier.services.birthdays import local_days

    assert local_days("Asia/Tokyo", D(2026, 3, 10), D(2026, 3, 11)) == [
        D(2026, 3, 10),
        D(2026, 3, 11),
    ]
    assert local_days("America/Los_Angeles", D(2026, 3, 10), D(2026, 3, 11)) == [
        D(2026, 3, 9),
        D(2026, 3, 10),
    ]


_CODED = [c for c in CATALOG.categories if c.values]


def _normal(raw: str) -> str:
    return raw.strip().upper().replace(" ", "_").replace("-", "_")


@given(st.data())
def test_stored_values_are_exactly_the_known_codes_given_within_the_choices(
    data: st.DataObject,
) -> None:
    """Values as a client might send them (codes in any case, with spaces or hyphens for
    underscores, padded; sometimes a word that is no code): accepted exactly when every value
    is a code of the category and there are between one and ``max_choices`` different ones,
    and then stored as those codes, once each, in the order given."""
    category = data.draw(st.sampled_from(_CODED))
    known = st.tuples(
        st.sampled_from(list(category.values)),
        st.sampled_from([str.upper, str.lower, str.title]),
        st.sampled_from(["_", "-", " "]),
        st.sampled_from(["", " ", "  "]),
    ).map(lambda t: t[3] + t[1](t[0]).replace("_", t[2]) + t[3])
    unknown = st.text(alphabet="QXZ", min_size=1, max_size=4).map(lambda w: "NOT " + w)
    values = data.draw(st.lists(known, max_size=category.max_choices + 2))
    if data.draw(st.integers(0, 3)) == 0:
        values.insert(data.draw(st.integers(0, len(values))), data.draw(unknown))

    codes = [_normal(v) for v in values]
    distinct = list(dict.fromkeys(codes))
    acceptable = (
        bool(values)
        and all(code in category.values for code in codes)
        and len(distinct) <= category.max_choices
    )
    event("accepted" if acceptable else "refused")
    try:
        stored = checked_values(category, values)
    except InvalidInput as refused:
        assert not acceptable, f"{values!r} refused: {refused.errors}"
        return
    assert acceptable, f"{values!r} accepted as {stored!r}"
    assert stored == distinct
