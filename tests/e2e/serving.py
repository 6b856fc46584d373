"""Runs ``staytier serve`` as a separate process, as an operator or a container does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

START_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, list[str]]]:
    """Runs ``staytier serve ARGS`` until the block ends, once it is ready; yields its base
    URL and the lines it prints, as they come."""
    port = free_port()
    environment = {**os.environ, "STAYTIER_LOG_FORMAT": "text", "COLUMNS": "60"}
    environment.pop("STAYTIER_DATABASE_URL", None)
    environment.update(env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "staytier.cli", "serve", "--port", str(port), *args],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    printed: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(
        target=lambda: printed.extend(line.rstrip("\n") for line in process.stdout or []),
        daemon=True,
    )
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        assert process.poll() is None, printed
        yield base, printed
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=10)
