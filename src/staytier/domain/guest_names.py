"""Name match: a stay or an activity is credited to a member only when the guest's name on it
is the member's, as programs require before posting points.

The last name must match, ignoring case, accents and the marks names are written with in
some systems and not others (spaces, hyphens, apostrophes, dots); where a first name is
given, its first letter must match the member's (a PMS often keeps only an initial). Pure:
the member's names and the report's are passed in.

Folding is done here with :mod:`unicodedata` and a short table for the Latin letters that
have no decomposition (ø, æ, ł, ...), rather than a transliteration library: names only
need comparing, never spelling out, and this keeps the rule in a dozen readable lines.
"""

from __future__ import annotations

import unicodedata

from staytier.domain.errors import BusinessRuleError, ErrorCode

# Letters NFKD does not split into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"}
)
# Written in some systems and left out in others: "O'Brien", "OBrien", "Saint-Just".
_IGNORED = frozenset(" -'`.,\u2018\u2019")


def folded(name: str) -> str:
    """``name`` as compared: case folded, accents and ignored marks removed."""
    lowered = name.casefold().translate(_UNDECOMPOSED)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(
        char
        for char in decomposed
        if not unicodedata.combining(char) and char not in _IGNORED and not char.isspace()
    )


def name_mismatch(
    *,
    member_first_name: str,
    member_last_name: str,
    guest_last_name: str,
    guest_first_name: str | None = None,
) -> BusinessRuleError | None:
    """``None`` when the guest's name on a report is the member's, else the refusal.

    The refusal never repeats the member's name: a caller that got it wrong learns only
    that it is wrong.
    """
    given_last = folded(guest_last_name)
    if not given_last or given_last != folded(member_last_name):
        return BusinessRuleError(
            ErrorCode.GUEST_NAME_MISMATCH,
            "The guest's last name does not match the member's.",
            "guestLastName",
        )
    given_first = folded(guest_first_name or "")
    if given_first and given_first[0] != folded(member_first_name)[:1]:
        return BusinessRuleError(
            ErrorCode.GUEST_NAME_MISMATCH,
            "The guest's first name does not match the member's.",
            "guestFirstName",
        )
    return None
