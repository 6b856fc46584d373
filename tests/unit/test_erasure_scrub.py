"""What erasure leaves of text that mentions the guest: the member number becomes the
pseudonym, every other personal value ``[erased]``, other text untouched."""

from __future__ import annotations

from staytier.domain.erasure import ERASED, PersonalValues, scrub

ZOE = PersonalValues(
    member_number="1000000016",
    pseudonym="E0a1b2c3",
    names=("Zoë", "Li", "Zoë Li"),
    values=("zoe@example.com", "+1 212 555 0199", "12125550199", "SW555000111", "1990-05-04"),
)


def test_values_are_replaced_in_text_and_json() -> None:
    payload = {
        "member_number": "1000000016",
        "frequent_flyer_number": "SW555000111",
        "guest_name": "Zoë Li",
        "notes": ["mail ZOE@example.com", {"phone": "12125550199"}],
        "points": 30000,
    }

    assert scrub(payload, ZOE) == {
        "member_number": "E0a1b2c3",
        "frequent_flyer_number": ERASED,
        "guest_name": ERASED,
        "notes": [f"mail {ERASED}", {"phone": ERASED}],
        "points": 30000,
    }


def test_names_are_whole_words_and_other_text_is_left_alone() -> None:
    text = "Zoë flies from Lisbon to Li's home town"

    assert scrub(text, ZOE) == f"{ERASED} flies from Lisbon to {ERASED}'s home town"
    assert scrub("Stay at Staytier Times Square", ZOE) == "Stay at Staytier Times Square"
