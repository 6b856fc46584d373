"""Partners for tests: simulators on 127.0.0.1, a runtime pointed at them, and a small
points-for-a-partner operation written the way the privileges' use cases use the outbox
(a ledger debit and its partner request in one transaction, a refund on rejection).

Registered as a pytest plugin by ``tests/conftest.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from staytier.clock import TestClock
from staytier.connectors.simulators import PartnerSimulator
from staytier.domain.guest_approvals import Spender
from staytier.domain.outbox import Backoff
from staytier.domain.points import LedgerKind
from staytier.services.delivery import DeliveryWorker
from staytier.services.donations import DonatePoints, donate_points
from staytier.services.enrollment import EnrollGuest, enroll_guest
from staytier.services.ledger import post_entry
from staytier.services.partners import Partner, PartnerKind, Partners
from staytier.services.runtime import Runtime
from staytier.store.models import Donation, Member, PartnerRequest

API_KEYS = {
    "TEST_SKYWAYS_API_KEY": "sky-key",
    "TEST_GREENTREES_API_KEY": "green-key",
    "TEST_PMS_API_KEY": "pms-key",
}
# Short timeouts: a TIME_OUT simulator costs the test this long per attempt.
TIMEOUT_SECONDS = 1
BACKOFF = Backoff(first_seconds=60, multiplier=2, max_seconds=3600, jitter_percent=20)
MAX_ATTEMPTS = 4


def partners_at(urls: dict[str, str], environ: dict[str, str] | None = None) -> Partners:
    """SKYWAYS, GREENTREES and PMS at the given simulator URLs, with test API keys."""
    common: dict[str, Any] = {
        "timeout_seconds": TIMEOUT_SECONDS,
        "max_attempts": MAX_ATTEMPTS,
        "backoff": BACKOFF,
    }
    partners = [
        Partner(
            code="SKYWAYS",
            kind=PartnerKind.AIRLINE,
            name="Skyways",
            base_url=urls["SKYWAYS"],
            api_key_env="TEST_SKYWAYS_API_KEY",
            frequent_flyer_pattern=r"SW\d{9}",
            **common,
        ),
        Partner(
            code="GREENTREES",
            kind=PartnerKind.CHARITY,
            name="Green Trees",
            base_url=urls["GREENTREES"],
            api_key_env="TEST_GREENTREES_API_KEY",
            minimum_points=1000,
            step_points=1000,
            **common,
        ),
        Partner(
            code="PMS",
            kind=PartnerKind.PMS,
            name="Property systems",
            base_url=urls["PMS"],
            api_key_env="TEST_PMS_API_KEY",
            **common,
        ),
    ]
    return Partners(partners, dict(API_KEYS) if environ is None else environ)


@dataclasses.dataclass
class SimulatedPartners:
    airline: PartnerSimulator
    charity: PartnerSimulator
    pms: PartnerSimulator

    @property
    def urls(self) -> dict[str, str]:
        return {"SKYWAYS": self.airline.url, "GREENTREES": self.charity.url, "PMS": self.pms.url}


@pytest.fixture
async def simulators() -> AsyncIterator[SimulatedPartners]:
    """An airline, a charity and a PMS simulator, serving on free ports of 127.0.0.1."""
    running = SimulatedPartners(
        airline=PartnerSimulator(PartnerKind.AIRLINE, api_key=API_KEYS["TEST_SKYWAYS_API_KEY"]),
        charity=PartnerSimulator(PartnerKind.CHARITY, api_key=API_KEYS["TEST_GREENTREES_API_KEY"]),
        pms=PartnerSimulator(PartnerKind.PMS, api_key=API_KEYS["TEST_PMS_API_KEY"]),
    )
    for simulator in (running.airline, running.charity, running.pms):
        await simulator.start()
    yield running
    for simulator in (running.airline, running.charity, running.pms):
        await simulator.stop()


@pytest.fixture
async def partner_runtime(runtime: Runtime, simulators: SimulatedPartners) -> Runtime:
    """The test runtime with its partners at the simulators."""
    return dataclasses.replace(runtime, partners=partners_at(simulators.urls))


_donations = itertools.count(1)


async def donate(runtime: Runtime, member_number: str, points: int) -> int:
    """The signed-in guest gives ``points`` to GREENTREES through the service's own use case
    (the debit, the donation and its request to the charity in one transaction); returns the
    partner request's id. Its outcome is settled by the real ``charity.donate`` handler."""
    command = DonatePoints(
        idempotency_key=f"test-donation-{next(_donations)}",
        member_number=member_number,
        charity="GREENTREES",
        points=points,
    )
    donated = await donate_points(runtime, command, spender=Spender.MEMBER)
    async with runtime.db.reading() as session:
        request_id = await session.scalar(
            select(Donation.partner_request_id).where(Donation.id == donated.donation.id)
        )
    assert request_id is not None
    return int(request_id)


async def member_with_points(runtime: Runtime, points: int, name: str = "Ada") -> str:
    """A newly enrolled member holding ``points`` (a goodwill adjustment)."""
    enrolled = await enroll_guest(runtime, EnrollGuest(first_name=name, last_name="Guest"))
    async with runtime.db.transaction() as session:
        member = await session.get(Member, enrolled.member_id, with_for_update=True)
        assert member is not None
        post_entry(
            session,
            member,
            kind=LedgerKind.ADJUSTMENT,
            points=points,
            occurred_at=runtime.now(),
            effective_on=runtime.today(),
            description="opening balance",
        )
        return member.member_number


async def balance(runtime: Runtime, member_number: str) -> int:
    async with runtime.db.reading() as session:
        found = await session.scalar(
            select(Member.points_balance).where(Member.member_number == member_number)
        )
    assert found is not None
    return int(found)


async def requests(runtime: Runtime) -> list[PartnerRequest]:
    async with runtime.db.reading() as session:
        return list(await session.scalars(select(PartnerRequest).order_by(PartnerRequest.id)))


def worker(runtime: Runtime, name: str = "worker-1", seed: int = 1) -> DeliveryWorker:
    return DeliveryWorker(runtime, name=name, rng=random.Random(seed))


def advance(runtime: Runtime, delta: dt.timedelta) -> None:
    clock = runtime.clock
    assert isinstance(clock, TestClock)
    clock.set(clock.now() + delta)
