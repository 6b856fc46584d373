"""Partner simulators: small real HTTP servers standing in for an airline, a charity and a
property system, for the tests and the demo.

Each listens on 127.0.0.1 on a free port and can be told how to behave: succeed, fail
with 500, time out, answer garbage, or decline. Like a real partner, it deduplicates by
the ``Idempotency-Key`` header: a key it has acted on gets the same answer again and no
second effect. :attr:`PartnerSimulator.effects` holds one entry per distinct key acted
on; :attr:`PartnerSimulator.received` every request that arrived.

``TIME_OUT`` and ``GARBAGE`` act on the request before failing to answer properly: the
worst case for the sender, which cannot tell whether anything happened and must resend.

The behaviour can also be changed over HTTP (for the demo): ``GET /_simulator`` shows the
state, ``POST /_simulator/behaviour`` with ``{"behaviour": "FAIL"}`` switches it.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
import uvicorn

from staytier.services.partners import PartnerKind

STARTUP_SECONDS = 10


class Behaviour(enum.Enum):
    SUCCEED = "SUCCEED"
    FAIL = "FAIL"  # 500, nothing done
    TIME_OUT = "TIME_OUT"  # done, then no answer
    GARBAGE = "GARBAGE"  # done, then an answer that is not JSON
    DECLINE = "DECLINE"  # a final no


@dataclass(frozen=True)
class Received:
    """One request as it reached the simulator."""

    path: str
    idempotency_key: str
    body: dict[str, Any]
    behaviour: Behaviour


# What each kind of partner accepts, and how it says yes and no.
_PATHS = {
    PartnerKind.AIRLINE: "/miles/transfers",
    PartnerKind.CHARITY: "/donations",
    PartnerKind.PMS: "/room-guarantees",
}


def _yes(kind: PartnerKind, number: int) -> dict[str, Any]:
    if kind is PartnerKind.AIRLINE:
        return {"status": "CREDITED", "reference": f"MILES-{number:06d}"}
    if kind is PartnerKind.CHARITY:
        return {"status": "RECEIVED", "receipt_number": f"GIFT-{number:06d}"}
    return {"outcome": "HONOURED", "confirmation_number": f"G{number:07d}"}


def _no(kind: PartnerKind) -> dict[str, Any]:
    if kind is PartnerKind.AIRLINE:
        return {"status": "REJECTED", "reason": "the frequent-flyer account is closed"}
    if kind is PartnerKind.CHARITY:
        return {"status": "DECLINED", "reason": "the charity no longer accepts points"}
    return {"outcome": "DECLINED", "reason": "the hotel is closed for renovation"}


class PartnerSimulator:
    """A partner of ``kind`` (AIRLINE, CHARITY or PMS) serving over real HTTP."""

    def __init__(self, kind: PartnerKind, *, api_key: str | None = None) -> None:
        if kind not in _PATHS:
            raise ValueError(f"no simulator for {kind.value} partners")
        self.kind = kind
        self.api_key = api_key
        self.behaviour = Behaviour.SUCCEED
        self._script: list[Behaviour] = []
        self.received: list[Received] = []
        self.effects: dict[str, dict[str, Any]] = {}  # idempotency key -> the request acted on
        self._answers: dict[str, tuple[int, dict[str, Any]]] = {}
        self._numbers = itertools.count(1)
        self._arrivals = asyncio.Condition()
        self._released = asyncio.Event()
        self._server: uvicorn.Server | None = None
        self._serving: asyncio.Task[None] | None = None
        self.url = ""

    # --- steering -----------------------------------------------------------------------

    def behave(self, behaviour: Behaviour, *then: Behaviour) -> None:
        """Behaves as ``behaviour`` from now on; with ``then``, as those for the next
        requests first, one each, before settling on ``behaviour``."""
        self.behaviour = behaviour
        self._script = list(then)

    async def wait_for_requests(self, count: int) -> None:
        """Waits until ``count`` requests have arrived in all (bound it with
        ``asyncio.timeout``)."""
        async with self._arrivals:
            await self._arrivals.wait_for(lambda: len(self.received) >= count)

    # --- serving ------------------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        """Starts serving on 127.0.0.1, on ``port`` or else a free one; returns the base URL."""
        config = uvicorn.Config(
            self, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self._server = _QuietServer(config)
        self._serving = asyncio.create_task(self._server.serve())
        async with asyncio.timeout(STARTUP_SECONDS):
            while not self._server.started:
                if self._serving.done():
                    self._serving.result()
                await asyncio.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        self._released.set()  # let hanging requests go
        if self._server is not None and self._serving is not None:
            self._server.should_exit = True
            await self._serving

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await _body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        status, reply = await self._respond(scope["method"], scope["path"], headers, body)
        if isinstance(reply, bytes):
            await _send(send, status, reply, b"text/html")
        else:
            await _send(send, status, msgspec.json.encode(reply), b"application/json")

    async def _respond(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | bytes]:
        if path == "/_simulator":
            return 200, self.state()
        if path == "/_simulator/behaviour" and method == "POST":
            try:
                self.behave(Behaviour(msgspec.json.decode(body)["behaviour"]))
            except (msgspec.DecodeError, KeyError, ValueError, TypeError):
                return 400, {"error": f"behaviour is one of {[b.value for b in Behaviour]}"}
            return 200, self.state()
        if path != _PATHS[self.kind] or method != "POST":
            return 404, {"error": f"no such endpoint: {method} {path}"}
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, {"error": "missing or wrong API key"}
        key = headers.get("idempotency-key", "")
        if not key:
            return 400, {"error": "the Idempotency-Key header is required"}
        try:
            request = msgspec.json.decode(body, type=dict[str, Any])
        except msgspec.DecodeError as exc:
            return 400, {"error": str(exc)}
        behaviour = self._script.pop(0) if self._script else self.behaviour
        async with self._arrivals:
            self.received.append(Received(path, key, request, behaviour))
            self._arrivals.notify_all()
        return await self._act(key, request, behaviour)

    async def _act(
        self, key: str, request: dict[str, Any], behaviour: Behaviour
    ) -> tuple[int, dict[str, Any] | bytes]:
        if behaviour is Behaviour.FAIL:
            return 500, {"error": "internal error"}
        if key not in self._answers:  # a key acted on before gets the same answer again
            if behaviour is Behaviour.DECLINE:
                self._answers[key] = (200, _no(self.kind))
            else:
                self.effects[key] = request
                self._answers[key] = (200, _yes(self.kind, next(self._numbers)))
        if behaviour is Behaviour.TIME_OUT:
            await self._released.wait()
            return 503, {"error": "shutting down"}
        if behaviour is Behaviour.GARBAGE:
            return 200, b"<html>Service temporarily unavail"
        return self._answers[key]

    def state(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "behaviour": self.behaviour.value,
            "requests_received": len(self.received),
            "effects": self.effects,
        }


class _QuietServer(uvicorn.Server):
    """Leaves the process's signal handlers to the main server (or the test runner)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _body(receive: Any) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(send: Any, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type)],
        }
    )
    await send({"type": "http.response.body", "body": body})
