"""Points between members as program data and pure rules: the new sections are optional
(an older program file loads with the defaults), each mistake is named on load, every
member column has a merge rule, and the limits are judged in milliseconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.merge import MergeParty, merge_refusal, most_restrictive_consent
from staytier.domain.sharing import contribution_refusal, seat_refusal, transfer_refusal
from staytier.program.loader import load_program
from staytier.program.sharing import PoolingRules, TransferRules
from tests.program_files import DEMO, load_variant

SECTIONS_START = "  # Points between members:"


def without_sharing_sections(text: str) -> str:
    while SECTIONS_START in text:  # one block per version
        start = text.index(SECTIONS_START)
        end = text.index("max_received_per_year = 500000\n", start) + 31
        text = text[:start] + text[end:]
    return text


def test_a_program_without_the_sections_loads_with_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "older.toml"
    path.write_text(without_sharing_sections(DEMO))

    rules = load_program(path).versions[-1]

    assert "pooling" not in path.read_text() and "transfers" not in path.read_text()
    assert rules.pooling == PoolingRules(max_members=11, joins_per_year=1)
    assert rules.transfers.enabled and rules.transfers.max_sent_per_year == 100_000


def test_sharing_mistakes_are_each_named(tmp_path: Path) -> None:
    changes = {
        "max_members = 11": "max_members = 1",
        "joins_per_year = 1": "joins_per_year = 0",
        "max_points_per_year = 500000": "max_points_per_year = -1",
        "max_sent_per_year = 100000": "max_sent_per_year = 10",
    }
    text = DEMO
    for old, new in changes.items():
        text = text.replace(old, new)

    mistakes = load_variant(tmp_path, text)

    for expected in (
        "pooling.max_members must be 0 (no pooling) or at least 2 (the owner and one more)",
        "pooling.joins_per_year must be at least 1",
        "pooling.max_points_per_year must not be negative (0 means no limit)",
        "transfers.max_sent_per_year must be at least transfers.min_points",
    ):
        assert any(expected in m for m in mistakes), (expected, mistakes)


def refused(call: object) -> ErrorCode | None:
    try:
        assert callable(call)
        call()
    except BusinessRuleError as error:
        return error.code
    return None


@pytest.mark.parametrize(
    ("points", "sent", "received", "expected"),
    [
        (1_000, 0, 0, None),
        (100_000, 0, 0, None),
        (100_001, 0, 0, ErrorCode.TRANSFER_LIMIT_REACHED),
        (1_000, 99_500, 0, ErrorCode.TRANSFER_LIMIT_REACHED),
        (1_000, 0, 499_500, ErrorCode.TRANSFER_LIMIT_REACHED),
        (999, 0, 0, ErrorCode.INVALID_AMOUNT),
    ],
)
def test_transfer_limits(points: int, sent: int, received: int, expected: ErrorCode | None) -> None:
    rules = TransferRules(min_points=1_000)

    assert refused(lambda: transfer_refusal(rules, points, sent, received)) == expected


def test_transfers_and_pools_can_be_turned_off() -> None:
    assert refused(lambda: transfer_refusal(TransferRules(enabled=False), 1, 0, 0)) == (
        ErrorCode.TRANSFERS_NOT_OFFERED
    )
    assert refused(lambda: seat_refusal(PoolingRules(max_members=2), 2, "x")) == ErrorCode.POOL_FULL
    limited = PoolingRules(max_points_per_year=10_000)
    assert refused(lambda: contribution_refusal(limited, 5_001, 5_000)) == (
        ErrorCode.POOL_LIMIT_REACHED
    )
    assert refused(lambda: contribution_refusal(PoolingRules(), 10**9, 10**9)) is None


def party(number: str, *, erased: bool = False, lifetime: str | None = None) -> MergeParty:
    return MergeParty(member_number=number, erased=erased, merged=False, lifetime_tier=lifetime)


def test_merge_refusals() -> None:
    def code(survivor: MergeParty, duplicate: MergeParty) -> ErrorCode | None:
        refusal = merge_refusal(survivor, duplicate)
        return None if refusal is None else refusal.code

    assert code(party("1"), party("1")) == ErrorCode.MERGE_INTO_SELF
    assert code(party("1"), party("2", erased=True)) == ErrorCode.MEMBER_ERASED
    assert code(party("1", lifetime="GOLD"), party("2", lifetime="PLATINUM")) == (
        ErrorCode.LIFETIME_STATUS_CONFLICT
    )
    assert code(party("1", lifetime="GOLD"), party("2")) is None
    assert code(party("1"), party("2", lifetime="GOLD")) is None


def test_the_most_restrictive_consent_wins() -> None:
    assert [most_restrictive_consent(a, b) for a in (True, False) for b in (True, False)] == [
        True, False, False, False
    ]  # fmt: skip
