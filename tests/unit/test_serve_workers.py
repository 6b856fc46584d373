"""`serve --workers N` hands every worker process the same settings and the same secret."""

from __future__ import annotations

import dataclasses

from staytier.cli_serve import worker_environment
from staytier.clock import TestClock
from staytier.program.loader import (
    FIXTURES,
    default_program_path,
    load_exchange_rates,
    load_program,
)
from staytier.services.runtime import Runtime
from staytier.settings import Settings
from staytier.store.database import Database


def runtime() -> Runtime:
    return Runtime(
        db=Database("sqlite+aiosqlite://"),
        clock=TestClock(),
        program=load_program(default_program_path()),
        rates=load_exchange_rates(FIXTURES / "exchange_rates.toml"),
    )


def test_without_a_configured_secret_every_worker_gets_this_processs_secret() -> None:
    served = runtime()
    settings = Settings.load({"STAYTIER_PORT": "8001"})

    environment = worker_environment(settings, served)

    assert environment["STAYTIER_SECRET_KEY"] == served.secret_key != ""
    assert environment["STAYTIER_PORT"] == "8001"
    # What each worker builds from those variables signs with that same secret.
    assert Settings.load(environment).secret_key == served.secret_key


def test_a_configured_secret_is_passed_on_as_it_is() -> None:
    served = dataclasses.replace(runtime(), secret_key="s" * 48)
    settings = Settings.load({"STAYTIER_SECRET_KEY": "k" * 48, "STAYTIER_TEST_CLOCK": "true"})

    environment = worker_environment(settings, served)

    assert environment["STAYTIER_SECRET_KEY"] == "k" * 48
    assert environment["STAYTIER_TEST_CLOCK"] == "true"
