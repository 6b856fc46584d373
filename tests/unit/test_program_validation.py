"""A program file with mistakes fails to load with one clear sentence per mistake."""

from __future__ import annotations

from pathlib import Path

from staytier.program.loader import default_program_path, load_program
from tests.program_files import DEMO, load_variant


def test_the_demo_program_loads_with_two_versions() -> None:
    program = load_program(default_program_path())
    assert [v.version for v in program.versions] == ["2025.1", "2026.1"]
    assert [t.code for t in program.versions[-1].tiers_by_rank()] == [
        "MEMBER",
        "SILVER",
        "GOLD",
        "PLATINUM",
    ]


def test_thresholds_that_do_not_increase_with_rank_are_refused(tmp_path: Path) -> None:
    text = DEMO.replace("qualifying_nights = 25", "qualifying_nights = 8")
    mistakes = load_variant(tmp_path, text)
    assert any(
        "qualifying_nights must increase with rank" in m and "'GOLD' needs 8" in m for m in mistakes
    ), mistakes


def test_a_benefit_for_an_unknown_tier_is_refused(tmp_path: Path) -> None:
    text = DEMO.replace('{ tier = "GOLD", detail = "2 pm"', '{ tier = "DIAMOND", detail = "2 pm"')
    mistakes = load_variant(tmp_path, text)
    assert any("LATE_CHECKOUT" in m and "unknown tier 'DIAMOND'" in m for m in mistakes)


def test_every_mistake_is_listed_not_just_the_first(tmp_path: Path) -> None:
    text = (
        DEMO.replace("base_points_per_usd = 10", "base_points_per_usd = -10")
        .replace("bonus_percent = 50", "bonus_percent = -5")
        .replace('tier = "PLATINUM"\n  years_at_tier', 'tier = "TITANIUM"\n  years_at_tier')
    )
    mistakes = load_variant(tmp_path, text)
    # each version repeats the mistakes: 3 mistakes x 2 versions
    assert sum("base_points_per_usd must not be negative" in m for m in mistakes) == 2
    assert sum("negative bonus_percent" in m for m in mistakes) == 2
    assert sum("unknown tier 'TITANIUM'" in m for m in mistakes) == 2


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    text = DEMO.replace("effective_from = 2026-01-01", "effective_from = 2025-01-01")
    mistakes = load_variant(tmp_path, text)
    assert any("overlap" in m and "2025-01-01" in m for m in mistakes), mistakes


def test_a_version_that_runs_past_the_next_one_is_refused(tmp_path: Path) -> None:
    text = DEMO.replace(
        "effective_from = 2025-01-01\n",
        "effective_from = 2025-01-01\neffective_until = 2026-06-30\n",
    )
    mistakes = load_variant(tmp_path, text)
    assert any("'2025.1' (until 2026-06-30) overlaps '2026.1'" in m for m in mistakes), mistakes


def test_the_newest_version_cannot_end(tmp_path: Path) -> None:
    text = DEMO.replace(
        "effective_from = 2026-01-01\n",
        "effective_from = 2026-01-01\neffective_until = 2026-12-31\n",
    )
    mistakes = load_variant(tmp_path, text)
    assert any("newest version '2026.1' must not have effective_until" in m for m in mistakes)


def test_activity_codes_must_be_upper_case(tmp_path: Path) -> None:
    mistakes = load_variant(tmp_path, DEMO.replace('source = "MEETINGS"', 'source = "meetings"'))
    assert any("meetings/EVENT" in m and "upper case" in m for m in mistakes), mistakes


def test_a_wrong_type_names_where_it_is(tmp_path: Path) -> None:
    text = DEMO.replace("rank = 2", 'rank = "two"', 1)
    (mistake,) = load_variant(tmp_path, text)
    assert "versions[0].tiers[2].rank" in mistake and "int" in mistake


def test_an_unknown_field_is_refused_rather_than_ignored(tmp_path: Path) -> None:
    text = DEMO.replace("rollover_nights = false", "rollover_nights = false\n  rolover = true", 1)
    (mistake,) = load_variant(tmp_path, text)
    assert "rolover" in mistake


def test_invalid_toml_is_reported_as_such(tmp_path: Path) -> None:
    (mistake,) = load_variant(tmp_path, DEMO + "\n[[versions]\n")
    assert mistake.startswith("not valid TOML")


def test_a_program_in_json_loads_too(tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(
        '{"code": "TINY", "name": "Tiny", "versions": [{"version": "1", '
        '"effective_from": "2026-01-01", "tiers": ['
        '{"code": "BASE", "name": "Base", "rank": 0},'
        '{"code": "TOP", "name": "Top", "rank": 5, "qualifying_stays": 2, "bonus_percent": 5}'
        "]}]}"
    )
    program = load_program(path)
    assert program.version_on(program.versions[0].effective_from).tier("TOP") is not None


def test_a_serving_window_out_of_range_is_refused(tmp_path: Path) -> None:
    text = DEMO.replace("days_after_departure = 7", "days_after_departure = -1", 1)
    mistakes = load_variant(tmp_path, text)
    assert any(
        "serving.days_after_departure must be between 0 and 366 days (it is -1)" in m
        for m in mistakes
    ), mistakes


def test_a_program_without_a_serving_section_gets_the_default_window(tmp_path: Path) -> None:
    lines = DEMO.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "[versions.serving]" in line)
    path = tmp_path / "program.toml"
    path.write_text("".join(lines[:start] + lines[start + 3 :]))
    serving = load_program(path).versions[0].serving
    assert (serving.days_before_arrival, serving.days_after_departure) == (30, 7)


def test_limits_that_cannot_bound_anything_are_refused(tmp_path: Path) -> None:
    text = (
        DEMO.replace("max_revenue_per_night_usd = 25000", "max_revenue_per_night_usd = 300000")
        .replace("max_points_per_transaction = 5000000", "max_points_per_transaction = 3000000000")
        .replace("max_points_per_activity = 1000000", "max_points_per_activity = 10000")
        .replace("horizon_days = 731", "horizon_days = 0")
    )
    mistakes = load_variant(tmp_path, text)
    for expected in (
        "limits.max_revenue_per_night_usd must not exceed max_revenue_per_stay_usd",
        "limits.max_points_per_transaction must be between 1 and 2,147,483,647 (2^31 - 1)",
        "activities[2] (PROMOTION/BONUS): max_points_from_partner is above "
        "limits.max_points_per_activity",
        "limits.horizon_days must be between 1 and 3660",
    ):
        assert sum(expected in m for m in mistakes) == 2, (expected, mistakes)


def test_a_program_without_limits_gets_the_documented_defaults(tmp_path: Path) -> None:
    start = DEMO.index("  # The most one report may claim")
    end = DEMO.index("horizon_days = 731", start) + len("horizon_days = 731")
    path = tmp_path / "program.toml"
    path.write_text(DEMO.replace(DEMO[start:end], ""))
    limits = load_program(path).versions[0].limits
    assert (
        limits.max_revenue_per_night_usd,
        limits.max_revenue_per_stay_usd,
        limits.max_points_per_transaction,
        limits.max_points_per_activity,
        limits.horizon_days,
    ) == (25_000, 250_000, 5_000_000, 1_000_000, 731)


def test_a_program_without_guest_approval_rules_gets_the_defaults() -> None:
    program = load_program(default_program_path())
    older, newer = program.versions
    assert (older.guest_approval.code_minutes, older.guest_approval.code_digits) == (10, 8)
    assert older.guest_approval.max_attempts == 5
    assert newer.guest_approval == older.guest_approval


def test_guest_approval_rules_out_of_range_are_refused(tmp_path: Path) -> None:
    text = (
        DEMO.replace("code_minutes = 10", "code_minutes = 0")
        .replace("code_digits = 8", "code_digits = 4")
        .replace("max_attempts = 5 ", "max_attempts = 50 ")
    )
    mistakes = load_variant(tmp_path, text)
    assert mistakes == [
        "versions[1] (2026.1): guest_approval.code_minutes must be between 1 and 1440 (a day)",
        "versions[1] (2026.1): guest_approval.code_digits must be between 6 and 12",
        "versions[1] (2026.1): guest_approval.max_attempts must be between 1 and 20",
    ], mistakes


def test_a_certificate_prize_with_points_or_no_category_is_refused(tmp_path: Path) -> None:
    runner_up = '{ name = "Runner-up", points = 10000, count = 2 },'
    both = '{ name = "Runner-up", points = 10, certificate = { max_category = 0 } },'
    nothing = '{ name = "Runner-up", count = 2 },'

    with_both = load_variant(tmp_path, DEMO.replace(runner_up, both))
    with_nothing = load_variant(tmp_path, DEMO.replace(runner_up, nothing))

    where = "versions[1] (2026.1): sweepstakes[0] (NIGHTS2026): prize 'Runner-up'"
    assert with_both == [
        f"{where} gives points or a certificate, not both (list two prizes)",
        f"{where}: certificate.max_category must be at least 1",
    ]
    assert with_nothing == [f"{where} needs positive points or a certificate"]


def test_a_recovery_benefit_needs_an_upper_case_code_and_a_value_in_points(
    tmp_path: Path,
) -> None:
    text = DEMO.replace(
        'code = "FREE_NIGHT"\n  allowance_points = 4000', 'code = "free"\n  allowance_points = 0'
    )

    mistakes = load_variant(tmp_path, text)

    assert any(
        m.endswith(
            "complaints.recovery_benefits[0] (free): the code must be non-empty and upper case"
        )
        for m in mistakes
    ), mistakes
    assert any(
        "complaints.recovery_benefits[0] (free): allowance_points (what it counts against the "
        "goodwill and recognition allowances) must be at least 1" in m
        for m in mistakes
    ), mistakes


def test_a_program_without_recovery_benefits_or_certificate_prizes_still_loads(
    tmp_path: Path,
) -> None:
    start = DEMO.index("  # A benefit a resolution may grant")
    end = DEMO.index("[versions.status_grants]")
    older = DEMO.replace(DEMO[start:end], "\n  # Status not earned by stays\n  ")
    path = tmp_path / "older.toml"
    path.write_text(older)

    program = load_program(path)

    assert [v.complaints.recovery_benefits for v in program.versions] == [[], []]


def test_a_goodwill_reason_listed_twice_or_not_in_capitals_is_refused(tmp_path: Path) -> None:
    text = DEMO.replace('code = "ROOM_NOT_READY"', 'code = "SERVICE_RECOVERY"').replace(
        'code = "BILLING_ERROR"', 'code = "billing"'
    )
    mistakes = load_variant(tmp_path, text)
    # each version lists the reasons, so each mistake is named once per version
    assert (
        sum(m.endswith("goodwill_reasons: 'SERVICE_RECOVERY' is listed 2 times") for m in mistakes)
        == 2
    )
    assert (
        sum(
            m.endswith("goodwill_reasons: 'billing' must be a non-empty upper-case code")
            for m in mistakes
        )
        == 2
    )
