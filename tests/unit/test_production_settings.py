"""Production refuses placeholder secrets and development features; development needs none."""

from __future__ import annotations

import pytest

from staytier.settings import Settings, UnsafeSettings

SECRET = "k" * 48


def production(**values: str) -> Settings:
    return Settings.load({"STAYTIER_ENVIRONMENT": "production", **values})


@pytest.mark.parametrize("secret", ["", "change-me", "secret", "short-but-random-9f3a"])
def test_production_refuses_a_missing_or_placeholder_secret(secret: str) -> None:
    with pytest.raises(UnsafeSettings, match="STAYTIER_SECRET_KEY"):
        production(STAYTIER_SECRET_KEY=secret).check_production()


def test_production_refuses_the_test_clock_and_the_demo_all_at_once() -> None:
    settings = Settings.load(
        {"STAYTIER_ENVIRONMENT": "production", "STAYTIER_SECRET_KEY": SECRET},
        test_clock=True,
        demo=True,
    )
    problems = settings.production_problems()
    assert len(problems) == 2
    assert "test clock" in problems[0] and "demo" in problems[1]


def test_production_with_a_real_secret_starts() -> None:
    production(STAYTIER_SECRET_KEY=SECRET).check_production()


def test_development_needs_no_secret_and_settings_never_show_it() -> None:
    Settings.load({}).check_production()
    shown = repr(Settings.load({"STAYTIER_SECRET_KEY": SECRET}))
    assert SECRET not in shown
