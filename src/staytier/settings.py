"""Typed settings, read once by the CLI or the app factory and passed in; never at import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec

from staytier.program.catalog import default_catalog_path
from staytier.program.loader import default_exchange_rates_path, default_program_path
from staytier.services.partners import default_partners_path

PREFIX = "STAYTIER_"
# A secret shorter than this, or one of these, is a placeholder, not a secret.
MIN_SECRET_LENGTH = 32
PLACEHOLDER_SECRETS = frozenset({"change-me", "changeme", "secret", "development", "staytier"})


AtLeastOne = Annotated[int, msgspec.Meta(ge=1)]


class UnsafeSettings(ValueError):
    """Production was asked for with a missing secret or with development features on."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = "sqlite+aiosqlite:///staytier.db"
    # A read replica of that database (PostgreSQL streaming replication) for the reads of
    # GraphQL queries; empty: every read goes to the primary.
    read_database_url: str = ""
    program: str = str(default_program_path())
    exchange_rates: str = str(default_exchange_rates_path())
    preferences: str = str(default_catalog_path())
    partners: str = str(default_partners_path())
    host: str = "127.0.0.1"
    port: int = 8000
    environment: Literal["development", "production"] = "development"
    test_clock: bool = False
    log_level: str = "INFO"
    # "json" (one object per line), "text", or "auto": JSON in production, text otherwise.
    log_format: Literal["auto", "json", "text"] = "auto"
    # Send OpenTelemetry traces (needs the `tracing` extra and OTEL_* variables).
    tracing: bool = False
    # Largest request body accepted, in bytes.
    max_body_bytes: int = 1_000_000
    # Signs guest tokens; required in production, random per process in development.
    secret_key: str = ""
    # Requests per minute per client before the service answers 429.
    rate_limit_per_minute: int = 3_000
    # Failed credentials (wrong key secrets, unknown key ids, bad guest tokens, wrong
    # sign-in codes) allowed per window before that credential is answered 429 unchecked:
    # per client address and key id, per key id from anywhere, and per address for
    # credentials that name no client. See docs/access-control.md.
    auth_failure_window_seconds: AtLeastOne = 60
    auth_failures_per_address_and_key: AtLeastOne = 10
    auth_failures_per_key: AtLeastOne = 50
    auth_failures_per_address: AtLeastOne = 50
    # Argon2 checks of API keys run in at most this many threads at once.
    argon2_threads: AtLeastOne = 2
    # A serving process collects its youngest generation of objects once this many more
    # were made than freed (Python's default: 700); see api/http/app.py, settle_heap.
    gc_threshold: AtLeastOne = 50_000
    # Mail for guest sign-in codes; without a host, development logs the message instead.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_sender: str = "staytier@localhost"
    smtp_username: str = ""
    smtp_password: str = ""
    # Set by `serve --demo`: demo data and ready keys for every role.
    demo: bool = False
    # A directory with the brand's logo, colours and texts for /app and /desk (docs/pages.md);
    # empty: the shipped ones.
    pages_brand: str = ""
    # How often the front desk's arrivals board asks for tonight's arrivals again.
    desk_refresh_seconds: int = 30
    # Persisted queries (docs/graphql.md): the operations preloaded at start (empty: the
    # shipped graphql/operations/), how many documents clients register per process, and
    # whether only the preloaded ones run.
    persisted_queries_dir: str = ""
    persisted_queries_cache_size: AtLeastOne = 1_000
    persisted_queries_only: bool = False

    @property
    def development(self) -> bool:
        return self.environment == "development"

    def __repr__(self) -> str:
        return "Settings(...)"  # never the secret, in a log or a traceback

    def production_problems(self) -> list[str]:
        """Why these settings must not serve production; empty when they may."""
        if self.development:
            return []
        problems = []
        secret = self.secret_key.strip()
        if len(secret) < MIN_SECRET_LENGTH or secret.lower() in PLACEHOLDER_SECRETS:
            problems.append(
                f"Set {PREFIX}SECRET_KEY to a random value of at least {MIN_SECRET_LENGTH} "
                "characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )
        if self.test_clock:
            problems.append("The test clock is a development feature: drop --test-clock.")
        if self.demo:
            problems.append("The demo is a development feature: drop --demo.")
        return problems

    def check_production(self) -> None:
        """Raises :class:`UnsafeSettings` listing every problem, if there is one."""
        problems = self.production_problems()
        if problems:
            raise UnsafeSettings("Refusing to start in production: " + " ".join(problems))

    @classmethod
    def load(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Settings from ``STAYTIER_*`` variables, then explicit overrides (CLI flags) on top."""
        values: dict[str, Any] = {}
        for name in cls.__struct_fields__:
            raw = environ.get(PREFIX + name.upper())
            if raw is not None:
                values[name] = raw
        values.update({key: value for key, value in overrides.items() if value is not None})
        try:
            return msgspec.convert(values, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise ValueError(f"bad setting: {exc} (from {PREFIX}* variables or flags)") from exc
