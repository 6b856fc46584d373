"""Typed settings, read once by the CLI or the app factory and passed in; never at import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from staytier.connectors.partners import default_partners_path
from staytier.program.catalog import default_catalog_path
from staytier.program.loader import default_exchange_rates_path, default_program_path

PREFIX = "STAYTIER_"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = "sqlite+aiosqlite:///staytier.db"
    program: str = str(default_program_path())
    exchange_rates: str = str(default_exchange_rates_path())
    preferences: str = str(default_catalog_path())
    partners: str = str(default_partners_path())
    host: str = "127.0.0.1"
    port: int = 8000
    environment: Literal["development", "production"] = "development"
    test_clock: bool = False
    log_level: str = "INFO"
    # Largest request body accepted, in bytes.
    max_body_bytes: int = 1_000_000

    @property
    def development(self) -> bool:
        return self.environment == "development"

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
