"""Name match: a report is credited only when the guest's name on it is the member's."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from staytier.domain.errors import ErrorCode
from staytier.domain.guest_names import folded, name_mismatch


def check(last: str, first: str | None = None) -> str | None:
    """The field refused for the member Zoë Brontë-O'Hara, or None when the name matches."""
    refusal = name_mismatch(
        member_first_name="Zoë",
        member_last_name="Brontë-O'Hara",
        guest_last_name=last,
        guest_first_name=first,
    )
    if refusal is None:
        return None
    assert refusal.code is ErrorCode.GUEST_NAME_MISMATCH
    assert "Bront" not in refusal.message  # the member's name is never repeated
    return refusal.field


def test_the_last_name_matches_without_accents_case_or_punctuation() -> None:
    assert check("Brontë-O'Hara") is None
    assert check("BRONTE O HARA") is None
    assert check("bronte-o\u2019hara") is None
    assert check("  Bronteohara ") is None


def test_another_last_name_is_refused() -> None:
    assert check("Bronte") == "guestLastName"
    assert check("O'Hara") == "guestLastName"
    assert check("") == "guestLastName"
    assert check("-'") == "guestLastName"


def test_a_first_name_is_checked_by_its_initial() -> None:
    assert check("Bronte-O'Hara", "Zoe") is None
    assert check("Bronte-O'Hara", "z.") is None
    assert check("Bronte-O'Hara", "Zachary") is None
    assert check("Bronte-O'Hara", "") is None
    assert check("Bronte-O'Hara", "Anna") == "guestFirstName"


def test_letters_without_a_decomposition_are_folded_too() -> None:
    assert folded("Søren Æbelø") == folded("soren aebelo")
    assert folded("Łukasz") == "lukasz"
    assert folded("Straße") == folded("STRASSE")


def _accented(name: str) -> str:
    """``name`` with an acute accent on each vowel, as some systems write it."""
    return "".join(ch + "\u0301" if ch.lower() in "aeiou" else ch for ch in name)


names = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=1, max_size=20)


@given(names)
def test_a_name_always_matches_itself_however_it_is_written(name: str) -> None:
    for written in (name, name.upper(), name.lower(), _accented(name)):
        variant = unicodedata.normalize("NFC", written)
        refusal = name_mismatch(
            member_first_name="A", member_last_name=name, guest_last_name=variant
        )
        assert refusal is None, (name, variant)


@given(names, names)
def test_names_that_fold_apart_never_match(member: str, given_name: str) -> None:
    refusal = name_mismatch(
        member_first_name="A", member_last_name=member, guest_last_name=given_name
    )
    assert (refusal is None) == (folded(member) == folded(given_name) != "")
