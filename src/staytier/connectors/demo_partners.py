"""The partners of ``staytier serve --demo``: a simulator per outbound partner, and a
delivery worker in the same process, so a donation made in the tour reaches the charity.

It wires simulators (this package) to the delivery worker (a service), so it sits in the
layer above the services, which never import connectors."""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from staytier.connectors.simulators import PartnerSimulator
from staytier.services.delivery import DeliveryWorker
from staytier.services.partners import PartnerKind
from staytier.services.runtime import Runtime

log = logging.getLogger("staytier.demo")
SIMULATED = (PartnerKind.AIRLINE, PartnerKind.CHARITY, PartnerKind.PMS)


@asynccontextmanager
async def simulated_partners(
    runtime: Runtime, environ: MutableMapping[str, str]
) -> AsyncIterator[dict[str, PartnerSimulator]]:
    """Starts a simulator for each airline, charity and PMS partner, and a worker that
    delivers to them, for as long as the block runs. An API key the environment does not
    set is made up for the run (in ``environ``) and given to the simulator, which checks it.
    """
    simulators: dict[str, PartnerSimulator] = {}
    for partner in runtime.partners.all:
        if partner.kind not in SIMULATED:
            continue
        api_key = None
        if partner.api_key_env:
            api_key = environ.setdefault(partner.api_key_env, secrets.token_urlsafe(24))
        simulators[partner.code] = PartnerSimulator(partner.kind, api_key=api_key)
    stop = asyncio.Event()
    worker: DeliveryWorker | None = None
    running: asyncio.Task[None] | None = None
    try:
        urls = {
            code: await simulator.start(_preferred_port(runtime.partners.by_code[code].base_url))
            for code, simulator in simulators.items()
        }
        for code, url in urls.items():
            log.info(
                "partner simulator %s listening on %s (state at %s/_simulator)", code, url, url
            )
        worker = DeliveryWorker(runtime, partners=runtime.partners.pointed_at(urls))
        running = asyncio.create_task(worker.run(stop))
        yield simulators
    finally:
        stop.set()
        if running is not None:
            await running
        if worker is not None:
            await worker.aclose()
        for simulator in simulators.values():
            await simulator.stop()


def _preferred_port(base_url: str) -> int:
    """The port of a local base URL if it is free (so the tour's addresses hold), else 0."""
    parts = urlsplit(base_url)
    if parts.hostname != "127.0.0.1" or parts.port is None:
        return 0
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", parts.port))
        except OSError:
            return 0
    return parts.port
