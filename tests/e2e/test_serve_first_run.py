"""``staytier serve`` as an operator starts it: the demo on either database, and a first
run without any API client, which warns with the command to run."""

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
def serving(*args: str, cwd: Path) -> Iterator[tuple[str, list[str]]]:
    """Runs ``staytier serve ARGS`` until the block ends, once it is ready; yields its base
    URL and the lines it prints, as they come."""
    port = free_port()
    environment = {**os.environ, "STAYTIER_LOG_FORMAT": "text", "COLUMNS": "60"}
    environment.pop("STAYTIER_DATABASE_URL", None)
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


def test_the_demo_serves_on_the_database_it_is_given(database_url: str, tmp_path: Path) -> None:
    # On PostgreSQL this crashed with "attached to a different loop" before serving.
    with serving("--demo", "--database", database_url, cwd=tmp_path) as (base, printed):
        keys = dict(line.split("=", 1) for line in printed if line.startswith("ADMIN_KEY="))
        assert keys, printed
        answer = httpx.post(
            f"{base}/graphql",
            json={"query": '{ guest(memberNumber: "1000000032") { lastName tier { code } } }'},
            headers={"Authorization": f"Bearer {keys['ADMIN_KEY']}"},
            timeout=10,
        )
    assert answer.json() == {
        "data": {"guest": {"lastName": "Johnson", "tier": {"code": "SILVER"}}}
    }, printed
    assert "Demo: 5 properties, 4 members and 17 stays added." in printed
    assert not [line for line in printed if "Traceback" in line], printed


def test_a_server_without_any_client_says_how_to_make_the_first(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    with serving("--database", database, cwd=tmp_path) as (base, printed):
        refused = httpx.post(
            f"{base}/graphql",
            json={"query": "{ clock { now } }"},
            headers={"Authorization": "Bearer stk_000000000000_nothing"},
            timeout=5,
        )
        assert refused.status_code == 401
    warning = [line for line in printed if line.startswith("No API client exists yet")]
    assert warning == [
        'No API client exists yet: every request will be refused with "Not allowed.". '
        f"Create the first admin key with staytier init --database {database}"
    ], printed
