"""The delivery worker: takes due partner requests from the outbox and delivers them.

Each pass claims a batch (a lease per request), sends every request of the batch over
HTTP at once, and records each answer. Delivery is at least once: a worker that dies
between sending and recording leaves its lease to expire, and the request is sent again
with the same ``Idempotency-Key``, which the partner uses to apply it once. Any number of
workers may run against one database; the claim keeps them off each other's requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import socket
import uuid
from dataclasses import dataclass

import httpx
import msgspec

from staytier.domain.outbox import Backoff, RequestState
from staytier.services import guest_mail, outbox
from staytier.services.guest_mail import MAIL_PARTNER
from staytier.services.partner_protocol import Answer, answer
from staytier.services.partners import MissingSecret, Partner, Partners
from staytier.services.runtime import Runtime

log = logging.getLogger("staytier.worker")

DEFAULT_MAX_ATTEMPTS = 8
# A lease outlives the slowest partner's timeout by this much.
LEASE_MARGIN = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Delivery:
    """One attempt a pass made, as the logs and tests see it."""

    partner_request_id: int
    request_id: str
    attempt: int
    state: RequestState | None  # None: the lease was lost and the answer dropped
    error: str


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:4]}"


class DeliveryWorker:
    """Delivers due partner requests. ``partners`` defaults to the runtime's (the demo
    passes its simulators' addresses instead)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        partners: Partners | None = None,
        name: str | None = None,
        batch_size: int = 20,
        lease: dt.timedelta | None = None,
        http: httpx.AsyncClient | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.runtime = runtime
        self.partners = partners or runtime.partners
        self.name = name or worker_name()
        self.batch_size = batch_size
        slowest = max((p.timeout_seconds for p in self.partners.all), default=10)
        self.lease = lease or dt.timedelta(seconds=slowest) + LEASE_MARGIN
        self._own_http = http is None
        self.http = http or httpx.AsyncClient()
        self.rng = rng or random.Random()

    async def deliver_due(self) -> list[Delivery]:
        """One pass: claims what is due now and delivers it; returns the attempts made."""
        claimed = await outbox.claim(
            self.runtime, self.name, limit=self.batch_size, lease=self.lease
        )
        return list(await asyncio.gather(*(self._deliver(request) for request in claimed)))

    async def run(self, stop: asyncio.Event, *, idle_seconds: float = 1.0) -> None:
        """Passes until ``stop`` is set, resting ``idle_seconds`` when nothing was due."""
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                done = await self.deliver_due()
            except Exception:
                log.exception("worker %s: a delivery pass failed; trying again", self.name)
                done = []
            if not done:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)
        log.info("worker %s stopped", self.name)

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def _deliver(self, request: outbox.Claimed) -> Delivery:
        request_id = uuid.uuid4().hex
        partner = self.partners.get(request.partner)
        result = await self._send(request, partner, request_id)
        state = await outbox.record(
            self.runtime,
            request,
            result,
            max_attempts=partner.max_attempts if partner else DEFAULT_MAX_ATTEMPTS,
            backoff=partner.backoff if partner else Backoff(),
            draw=self.rng.random(),
        )
        said = result.outcome.reason if result.outcome else result.error
        log.info(
            "partner request %s (%s to %s, key %s) attempt %d, request id %s: %s; %s",
            request.id,
            request.operation,
            request.partner,
            request.idempotency_key,
            request.attempt,
            request_id,
            state.value if state else "lease lost, answer dropped",
            said,
        )
        return Delivery(request.id, request_id, request.attempt, state, result.error)

    async def _send(
        self, request: outbox.Claimed, partner: Partner | None, request_id: str
    ) -> Answer:
        if request.partner == MAIL_PARTNER:
            return await guest_mail.deliver(self.runtime, request.payload)
        connector = self.runtime.connectors.get(request.operation)
        if partner is None:
            return Answer.retry(f"no partner {request.partner} in the partners file")
        if connector is None:
            return Answer.retry(f"no connector performs {request.operation}")
        if not partner.base_url:
            return Answer.retry(f"partner {partner.code} has no base_url to send to")
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": request.idempotency_key,
            "X-Request-Id": request_id,
        }
        if partner.api_key_env:
            try:
                key = self.partners.secret(partner, partner.api_key_env, "the API key")
            except MissingSecret as exc:
                return Answer.retry(str(exc))
            headers["Authorization"] = f"Bearer {key}"
        url = partner.base_url.rstrip("/") + connector.path
        try:
            response = await self.http.post(
                url,
                content=msgspec.json.encode(request.payload),
                headers=headers,
                timeout=partner.timeout_seconds,
            )
        except httpx.TimeoutException:
            return Answer.retry(f"no answer from {url} within {partner.timeout_seconds} s")
        except httpx.HTTPError as exc:
            return Answer.retry(f"cannot reach {url}: {type(exc).__name__}: {exc}")
        return answer(connector, response.status_code, response.content)
