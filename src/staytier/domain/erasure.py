"""What erasing a guest does to text the service keeps about them elsewhere.

Erasure deletes the profile and pseudonymises the member row; what remains are records the
books need (stays, credits, ledger entries, transfers, partner requests and receipts). Their
text and JSON may still carry the guest's personal values: a partner request names the
member number and frequent-flyer number, a webhook receipt the member number, a partner's
answer may echo a name. :func:`scrub` replaces each of those values wherever it appears:
the old member number by the pseudonym (so the records still join up), anything else by
:data:`ERASED`. Pure text rules; the service decides which rows to pass through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ERASED = "[erased]"
# Shorter values (an initial, "Li") would erase ordinary words elsewhere in a text.
SHORTEST_NAME = 2
SHORTEST_VALUE = 4


@dataclass(frozen=True)
class PersonalValues:
    """The values of one guest to remove: the member number (replaced by ``pseudonym``),
    name words (matched as whole words), and other values (email, phone, frequent-flyer
    numbers, dates) matched anywhere; all case-insensitive."""

    member_number: str
    pseudonym: str
    names: tuple[str, ...] = ()
    values: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern[str]:
        names = sorted({n.strip() for n in self.names if len(n.strip()) >= SHORTEST_NAME})
        values = sorted({v.strip() for v in self.values if len(v.strip()) >= SHORTEST_VALUE})
        # Longest first, so "Ada Lovelace" goes as one before "Ada" could split it.
        alternatives = [re.escape(self.member_number)] + [
            re.escape(value) for value in sorted(values, key=len, reverse=True)
        ]
        alternatives += [rf"\b{re.escape(name)}\b" for name in sorted(names, key=len, reverse=True)]
        return re.compile("|".join(alternatives), re.IGNORECASE)


def scrub(value: Any, personal: PersonalValues, pattern: re.Pattern[str] | None = None) -> Any:
    """``value`` (text, or JSON: dicts, lists, scalars) with ``personal``'s values replaced;
    values that hold none come back unchanged (equal)."""
    pattern = pattern or personal.pattern()
    if isinstance(value, str):
        return pattern.sub(
            lambda found: (
                personal.pseudonym if found.group(0) == personal.member_number else ERASED
            ),
            value,
        )
    if isinstance(value, list):
        return [scrub(item, personal, pattern) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item, personal, pattern) for key, item in value.items()}
    return value
