"""Settings come from STAYTIER_* variables, with command-line flags on top."""

from __future__ import annotations

import pytest

from staytier.settings import Settings


def test_variables_are_read_and_typed() -> None:
    settings = Settings.load(
        {
            "STAYTIER_PORT": "8001",
            "STAYTIER_TEST_CLOCK": "true",
            "STAYTIER_ENVIRONMENT": "production",
        }
    )
    assert (settings.port, settings.test_clock, settings.development) == (8001, True, False)


def test_flags_win_over_variables_and_unset_flags_do_not() -> None:
    settings = Settings.load({"STAYTIER_PORT": "8001"}, port=9000, host=None)
    assert (settings.port, settings.host) == (9000, "127.0.0.1")


def test_a_bad_value_names_the_setting() -> None:
    with pytest.raises(ValueError, match=r"\$\.port"):
        Settings.load({"STAYTIER_PORT": "eighty"})


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ValueError, match="environment"):
        Settings.load({"STAYTIER_ENVIRONMENT": "staging"})


async def test_a_read_replica_url_gives_the_database_a_replica_and_none_by_default() -> None:
    from staytier.api.http.app import build_runtime

    plain = build_runtime(Settings.load({"STAYTIER_DATABASE_URL": "sqlite+aiosqlite://"}))
    replicated = build_runtime(
        Settings.load(
            {
                "STAYTIER_DATABASE_URL": "sqlite+aiosqlite://",
                "STAYTIER_READ_DATABASE_URL": "postgresql+asyncpg://reader@replica.internal/st",
            }
        )
    )

    assert plain.db.replica_engine is None
    assert replicated.db.replica_engine is not None
    assert replicated.db.replica_engine.url.host == "replica.internal"
    await plain.db.dispose()
    await replicated.db.dispose()
