"""Workers as separate processes (``staytier worker``) on the test's database, delivering
to a simulator over real HTTP: one killed between sending and recording, two at once."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

from staytier.clock import TestClock
from staytier.connectors.simulators import Behaviour
from staytier.services.runtime import Runtime
from tests.partners import (
    API_KEYS,
    SimulatedPartners,
    balance,
    donate,
    member_with_points,
    requests,
    worker,
)

PROCESS_START_SECONDS = 60


def _partners_file(path: Path, charity_url: str) -> Path:
    path.write_text(
        f"""
[[partners]]
code = "GREENTREES"
kind = "CHARITY"
name = "Green Trees"
base_url = "{charity_url}"
timeout_seconds = 30
api_key_env = "TEST_GREENTREES_API_KEY"
minimum_points = 1000
step_points = 1000
"""
    )
    return path


def _start_worker(runtime: Runtime, partners: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **API_KEYS, "STAYTIER_LOG_LEVEL": "INFO"}
    command = [sys.executable, "-m", "staytier.cli", "worker", "--database", runtime.db.url]
    return subprocess.Popen(
        [*command, "--partners", str(partners), "--idle-seconds", "0.2", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


async def _exited(process: subprocess.Popen[bytes]) -> str:
    output, _ = await asyncio.to_thread(process.communicate, timeout=PROCESS_START_SECONDS)
    assert process.returncode == 0, output.decode()
    return output.decode()


async def test_a_worker_killed_between_send_and_record_leaves_one_effect_at_the_partner(
    partner_runtime: Runtime, simulators: SimulatedPartners, tmp_path: Path
) -> None:
    member = await member_with_points(partner_runtime, 5000)
    await donate(partner_runtime, member, 2000)
    # The charity acts on the donation, then never answers: the worker is still waiting
    # when it is killed, so the answer is never recorded.
    simulators.charity.behave(Behaviour.SUCCEED, Behaviour.TIME_OUT)
    process = _start_worker(
        partner_runtime, _partners_file(tmp_path / "p.toml", simulators.charity.url)
    )
    try:
        async with asyncio.timeout(PROCESS_START_SECONDS):
            await simulators.charity.wait_for_requests(1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    [sent] = await requests(partner_runtime)
    assert sent.state == "PENDING" and sent.attempts == 1 and sent.lease_owner is not None
    assert sent.lease_expires_at is not None

    # Another worker takes the request over once the dead one's lease has expired.
    clock = partner_runtime.clock
    assert isinstance(clock, TestClock)
    clock.set(sent.lease_expires_at - dt.timedelta(seconds=1))
    assert await worker(partner_runtime).deliver_due() == []
    clock.set(sent.lease_expires_at)
    await worker(partner_runtime).deliver_due()

    [row] = await requests(partner_runtime)
    assert row.state == "ACCEPTED" and row.attempts == 2
    keys = [received.idempotency_key for received in simulators.charity.received]
    assert keys == [row.idempotency_key, row.idempotency_key]
    assert len(simulators.charity.effects) == 1
    assert await balance(partner_runtime, member) == 3000


async def test_two_worker_processes_deliver_each_request_once(
    partner_runtime: Runtime, simulators: SimulatedPartners, tmp_path: Path
) -> None:
    members = [await member_with_points(partner_runtime, 50_000, f"G{i}") for i in range(10)]
    for points in (1000, 2000, 3000):
        for member in members:
            await donate(partner_runtime, member, points)
    partners = _partners_file(tmp_path / "p.toml", simulators.charity.url)

    first = _start_worker(partner_runtime, partners, "--once", "--batch-size", "3")
    second = _start_worker(partner_runtime, partners, "--once", "--batch-size", "3")
    logs = await _exited(first) + await _exited(second)
    # "--once" stops when nothing is due; requests waiting behind a guest's earlier one
    # may remain for a later pass.
    while await worker(partner_runtime).deliver_due():
        pass

    rows = await requests(partner_runtime)
    assert {row.state for row in rows} == {"ACCEPTED"}
    keys = [received.idempotency_key for received in simulators.charity.received]
    assert sorted(keys) == sorted(row.idempotency_key for row in rows)  # none sent twice
    assert len(simulators.charity.effects) == 30
    assert "partner request" in logs and "request id" in logs
