"""API clients: created with a role and a scope, called with a key only its holder knows.

A key reads ``stk_<key id>_<secret>``. The key id is not secret: it finds the client's row.
Only an argon2 hash of the whole key is stored; the key is shown once, when it is created or
rotated. Every request reads the row again, so a revoked or rotated key stops working at
once. Argon2 is slow on purpose, so a key that verified once is remembered for the process
by a SHA-256 of it next to the stored hash it matched: a rotation changes the hash and the
memory no longer applies. Argon2 itself runs in a bounded pool of threads (:class:`KeyVerifier`),
never on the event loop, so a burst of keys to verify delays only those requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.access import Principal, Role
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.services import audit
from staytier.services.runtime import Runtime
from staytier.store.models import ApiClient
from staytier.store.queries import property_by_code

KEY_PREFIX = "stk"
_hasher = PasswordHasher()
_verified: OrderedDict[tuple[int, str], str] = OrderedDict()
_VERIFIED_MAX = 10_000


@dataclass(frozen=True)
class IssuedKey:
    """A key as shown once to whoever created or rotated the client."""

    client: ApiClient
    key: str


def _new_key() -> tuple[str, str]:
    key_id = secrets.token_hex(6)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def principal_of(client: ApiClient) -> Principal:
    """The principal a request made with this client's key acts as."""
    return Principal(
        role=Role(client.role),
        client_id=f"client:{client.key_id}",
        name=client.name,
        property_codes=frozenset(client.property_codes.split()),
        partner_code=client.partner_code,
    )


def _described(client: ApiClient) -> dict[str, object]:
    return {
        "name": client.name,
        "role": client.role,
        "keyId": client.key_id,
        "properties": client.property_codes.split(),
        "partner": client.partner_code,
        "revoked": client.revoked_at is not None,
    }


def _audit(
    session: AsyncSession,
    runtime: Runtime,
    action: str,
    key_id: str,
    before: dict[str, object] | None,
    client: ApiClient,
) -> None:
    audit.record(
        session,
        at=runtime.now(),
        subject="client",
        action=action,
        subject_key=key_id,
        before=before,
        after=_described(client),
    )


async def _scope_mistakes(
    session: AsyncSession, role: Role, properties: list[str], partner: str | None
) -> list[str]:
    mistakes = []
    if role is Role.FRONT_DESK:
        if not properties:
            mistakes.append("A front desk client needs at least one --property.")
        for code in properties:
            if await property_by_code(session, code) is None:
                mistakes.append(f"No property {code}.")
    elif properties:
        mistakes.append("Only a front desk client is scoped to properties.")
    if role is Role.BOOKING_PARTNER and not partner:
        mistakes.append("A booking partner client needs a --partner code.")
    if role is not Role.BOOKING_PARTNER and partner:
        mistakes.append("Only a booking partner client is scoped to a partner.")
    return mistakes


async def create_client(
    runtime: Runtime,
    *,
    role: Role,
    name: str,
    properties: list[str] | None = None,
    partner: str | None = None,
) -> IssuedKey:
    """Creates a client and returns its key, which is not kept and cannot be shown again."""
    codes = sorted({code.strip().upper() for code in properties or [] if code.strip()})
    partner = partner.strip().upper() if partner else None
    async with runtime.db.transaction() as session:
        mistakes = await _scope_mistakes(session, role, codes, partner)
        if not name.strip() or len(name) > 100:
            mistakes.append("A name is required (at most 100 characters).")
        if mistakes:
            raise BusinessRuleError(ErrorCode.INVALID_INPUT, " ".join(mistakes))
        key_id, key = _new_key()
        client = ApiClient(
            key_id=key_id,
            key_hash=_hasher.hash(key),
            name=name.strip(),
            role=role.value,
            property_codes=" ".join(codes),
            partner_code=partner,
            created_at=runtime.now(),
        )
        session.add(client)
        await session.flush()
        _audit(session, runtime, "CREATED", key_id, None, client)
    return IssuedKey(client=client, key=key)


async def _client(session: AsyncSession, key_id: str) -> ApiClient:
    client = await session.scalar(
        select(ApiClient).where(ApiClient.key_id == key_id).with_for_update()
    )
    if client is None:
        raise BusinessRuleError(ErrorCode.INVALID_INPUT, f"No client with key id {key_id}.")
    return client


async def rotate_client(runtime: Runtime, key_id: str) -> IssuedKey:
    """Gives the client a new key; the old one stops working at once."""
    async with runtime.db.transaction() as session:
        client = await _client(session, key_id)
        if client.revoked_at is not None:
            raise BusinessRuleError(ErrorCode.INVALID_INPUT, "A revoked client stays revoked.")
        before = _described(client)
        client.key_id, key = _new_key()
        client.key_hash = _hasher.hash(key)
        client.rotated_at = runtime.now()
        _audit(session, runtime, "ROTATED", key_id, before, client)
    return IssuedKey(client=client, key=key)


async def revoke_client(runtime: Runtime, key_id: str) -> ApiClient:
    """Revokes the client: its key stops working with the next request."""
    async with runtime.db.transaction() as session:
        client = await _client(session, key_id)
        before = _described(client)
        if client.revoked_at is None:
            client.revoked_at = runtime.now()
            _audit(session, runtime, "REVOKED", key_id, before, client)
    return client


async def list_clients(runtime: Runtime) -> list[ApiClient]:
    """Every client, revoked ones included, oldest first."""
    async with runtime.db.reading() as session:
        return list(await session.scalars(select(ApiClient).order_by(ApiClient.id)))


def _key_id_of(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1]:
        return None
    return parts[1]


def _remembered(client: ApiClient, key: str) -> bool:
    return _verified.get((client.id, client.key_hash)) == _digest(key)


def _remember(client: ApiClient, key: str) -> None:
    _verified[(client.id, client.key_hash)] = _digest(key)
    if len(_verified) > _VERIFIED_MAX:
        _verified.popitem(last=False)


def _argon2_matches(key_hash: str, key: str) -> bool:
    try:
        _hasher.verify(key_hash, key)
    except (VerificationError, InvalidHashError):
        return False
    return True


class KeyVerifier:
    """Checks a key against its argon2 hash in a worker thread, at most ``threads`` at a
    time: argon2 takes tens of milliseconds of CPU and memory per check, and on the event
    loop it would stall every other request while it ran.

    Requests that arrive together with the same key share one check, so a client's burst
    of first requests costs (and is counted as) one verification, not one each.
    """

    def __init__(self, threads: int = 2) -> None:
        self._threads = anyio.CapacityLimiter(threads)
        self._checking: dict[tuple[str, str], asyncio.Future[bool]] = {}

    async def matches(self, key_hash: str, key: str, admit: Callable[[], None]) -> bool:
        """Whether ``key`` matches ``key_hash``; a new check runs only once ``admit()``
        returned (it raises to refuse)."""
        slot = (key_hash, _digest(key))
        pending = self._checking.get(slot)
        if pending is None:
            admit()
            pending = asyncio.ensure_future(
                anyio.to_thread.run_sync(_argon2_matches, key_hash, key, limiter=self._threads)
            )
            self._checking[slot] = pending
            pending.add_done_callback(lambda _: self._checking.pop(slot, None))
        return await asyncio.shield(pending)


@dataclass(frozen=True)
class KeyCheck:
    """What a presented key turned out to be."""

    principal: Principal | None
    known: bool  # a live client has the key's key id


def key_id_of(key: str) -> str | None:
    """The key id of ``stk_<key id>_<secret>``; None when the text is not shaped so."""
    if len(key) > 200:
        return None
    return _key_id_of(key)


# Every request with a key runs this lookup: built once, it is not rebuilt and re-keyed
# for the compiled cache each time, only its value changes.
_CLIENT_BY_KEY_ID = select(ApiClient).where(ApiClient.key_id == bindparam("key_id"))


async def check_key(
    runtime: Runtime,
    key: str,
    verifier: KeyVerifier,
    admit: Callable[[str], None] = lambda key_id: None,
) -> KeyCheck:
    """Looks the key's client up and checks the secret. A key this process verified before
    is recognised by its SHA-256; any other is checked with argon2 through ``verifier``,
    once ``admit(key_id)`` let it (it raises to refuse, e.g. a key id over its failure
    limit: then no argon2 runs)."""
    key_id = key_id_of(key)
    if key_id is None:
        return KeyCheck(None, known=False)
    async with runtime.db.reading() as session:
        client = await session.scalar(_CLIENT_BY_KEY_ID, {"key_id": key_id})
    if client is None or client.revoked_at is not None:
        return KeyCheck(None, known=False)
    if _remembered(client, key):
        return KeyCheck(principal_of(client), known=True)
    if not await verifier.matches(client.key_hash, key, lambda: admit(key_id)):
        return KeyCheck(None, known=True)
    _remember(client, key)
    return KeyCheck(principal_of(client), known=True)
