"""Every benchmark script still imports: they run by hand, outside the suite, so a name
moved in ``src/`` would otherwise break one unnoticed until someone measures."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

SCRIPTS = sorted(
    path.stem
    for path in (Path(__file__).resolve().parents[2] / "bench").glob("*.py")
    if path.stem != "__init__"
)


def test_the_benchmarks_are_found() -> None:
    assert {"record_stay", "raw_server", "outbox_delivery"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_benchmark_script_imports(script: str) -> None:
    module = importlib.import_module(f"bench.{script}")
    assert module.__file__ is not None and module.__file__.endswith(f"{script}.py")
