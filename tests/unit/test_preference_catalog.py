"""The preference catalog file: loaded, checked, every mistake reported in one pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from staytier.program.catalog import ConsentPurpose, load_preference_catalog
from staytier.program.loader import ProgramFileError


def test_the_shipped_catalog_holds_the_categories_the_front_desk_needs() -> None:
    catalog = load_preference_catalog()

    codes = {category.code for category in catalog.categories}
    assert {
        "FLOOR",
        "ELEVATOR",
        "BED_TYPE",
        "SMOKING",
        "ACCESSIBILITY",
        "PILLOW",
        "MINIBAR",
    } <= codes
    assert {"NEWSPAPER", "DIET", "ALLERGIES", "FAVOURITE_DRINK", "SCENT", "MUSIC"} <= codes
    assert {"ROOM_TEMPERATURE", "WALL_COLOUR", "LANGUAGE", "HOBBIES"} <= codes
    assert set(catalog.sensitive_codes(ConsentPurpose.PERSONALISED_SERVICE)) >= {
        "ALLERGIES",
        "DIET",
        "HEALTH",
    }


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "preferences.toml"
    path.write_text(text)
    return path


def test_every_mistake_is_listed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
staff_note_max_length = 0

[inference]
last_stays = 3
min_stays = 4
majority_percent = 50
floor_category = "FLOOR"
room_type_category = "NOPE"
floor_bands = [{ value = "UP", from_floor = 5, to_floor = 1 }]

[[categories]]
code = "FLOOR"
name = "Floor"
values = ["HIGH", "low"]
max_choices = 3

[[categories]]
code = "FLOOR"
name = "Again"
free_text_max_length = 10

[[categories]]
code = "drink"
name = "Drink"
values = ["TEA"]
free_text_max_length = 10

[[categories]]
code = "NOTHING"
name = "Nothing"
""",
    )

    with pytest.raises(ProgramFileError) as refused:
        load_preference_catalog(path)

    assert refused.value.mistakes == [
        "categories: 'FLOOR' is listed 2 times",
        "categories[0] (FLOOR): value 'low' must be an upper-case code",
        "categories[0] (FLOOR): max_choices 3 exceeds its 2 values",
        "categories[2] (drink): code must be upper case and not empty",
        "categories[2] (drink): give either values or free_text_max_length, not both",
        "categories[3] (NOTHING): give the allowed values or a free_text_max_length",
        "staff_note_max_length must be at least 1",
        "inference.min_stays must be between 1 and last_stays",
        "inference.majority_percent must be above 50 and at most 100",
        "inference.room_type_category: unknown category 'NOPE'",
        "inference.floor_bands: 'UP' ends below where it starts",
        "inference.floor_bands: 'UP' is not a value of 'FLOOR'",
    ]


def test_an_unknown_field_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[[categories]]\ncode = "A"\nname = "A"\nvalues = ["X"]\ncolour = 1\n')

    with pytest.raises(ProgramFileError) as refused:
        load_preference_catalog(path)

    assert refused.value.mistakes == ["categories[0]: Object contains unknown field `colour`"]


def test_an_unknown_consent_purpose_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[categories]]\ncode = "A"\nname = "A"\nvalues = ["X"]\nsensitive = true\n'
        'consent_purpose = "GOSSIP"\n',
    )

    with pytest.raises(ProgramFileError) as refused:
        load_preference_catalog(path)

    assert "consent_purpose" in refused.value.mistakes[0]
