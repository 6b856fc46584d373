"""Program files written for a test: the demo program with a change."""

from __future__ import annotations

from pathlib import Path

import pytest

from staytier.program.loader import ProgramFileError, default_program_path, load_program

DEMO = default_program_path().read_text()


def load_variant(tmp_path: Path, text: str, suffix: str = ".toml") -> list[str]:
    path = tmp_path / f"program{suffix}"
    path.write_text(text)
    with pytest.raises(ProgramFileError) as raised:
        load_program(path)
    return raised.value.mistakes
