"""Every text the pages show, one TOML file per language, a brand's overrides on top.

The shipped files live in ``strings/<language>.toml``; a brand directory
(``STAYTIER_PAGES_BRAND``) may hold ``strings/<language>.toml`` files with the keys it
wants to change. Templates read the texts server-side; the scripts get the same dictionary
as a JSON data block, so no text is written in JavaScript.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

SHIPPED = Path(__file__).parent / "strings"
DEFAULT_LANGUAGE = "en"


def _flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def _read(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    with path.open("rb") as file:
        return _flatten(tomllib.load(file))


class Strings:
    """The texts per language, loaded once when the app is built."""

    def __init__(self, brand_directory: Path | None = None) -> None:
        self.by_language: dict[str, dict[str, str]] = {}
        for shipped in sorted(SHIPPED.glob("*.toml")):
            texts = _read(shipped)
            if brand_directory is not None:
                texts.update(_read(brand_directory / "strings" / shipped.name))
            self.by_language[shipped.stem] = texts
        fallback = self.by_language[DEFAULT_LANGUAGE]
        for language, texts in self.by_language.items():
            # A text missing from a translation shows in the default language.
            self.by_language[language] = {**fallback, **texts}

    def for_request(self, accept_language: str) -> tuple[str, dict[str, str]]:
        """The best language ``Accept-Language`` asks for that we have, and its texts."""
        for language in _preferred(accept_language):
            if language in self.by_language:
                return language, self.by_language[language]
        return DEFAULT_LANGUAGE, self.by_language[DEFAULT_LANGUAGE]


def _preferred(accept_language: str) -> list[str]:
    """Primary language tags from an ``Accept-Language`` header, best first."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]
