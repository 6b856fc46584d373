"""Retry safety: the same idempotency key with the same input returns the first result.

The first request for a key stores its result in the same transaction as its effects, so a
result exists exactly when the effects do. Concurrent requests with one key are serialized
(an advisory lock on PostgreSQL; SQLite's writers are serialized already) so the second one
finds the first one's record instead of repeating its work.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import logging
import typing
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

import msgspec
from sqlalchemy import bindparam, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.services.runtime import Runtime
from staytier.store.models import Base, IdempotencyRecord

log = logging.getLogger(__name__)
Result = dict[str, Any]
T = TypeVar("T")
Receipt = TypeVar("Receipt", bound=msgspec.Struct)
ATTEMPTS = 5
MAX_KEY_LENGTH = 200


def fingerprint(request: object, known: dict[int, Any] | None = None) -> str:
    """A stable hash of a request, blind to how a decimal or a date is spelled.

    ``known`` are canonical forms already made of parts of ``request`` (by ``id``), from
    :func:`canonical`: a batch's request is made of the requests fingerprinted alone."""
    return digest_of(_canonical(request, known or {}))


def canonical(request: object) -> Any:
    """The form of ``request`` that :func:`fingerprint` hashes (see :func:`digest_of`)."""
    return _canonical(request, {})


def digest_of(form: Any) -> str:
    """The fingerprint of a request whose canonical form is ``form``."""
    return hashlib.sha256(
        json.dumps(form, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


# Values that are their own canonical form, by exact type (an enum of str is not one).
_ATOMS = frozenset({str, int, float, bool, type(None)})
# The fields of each dataclass fingerprinted so far, but its idempotency key.
_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def _canonical(value: object, known: dict[int, Any]) -> Any:
    # A batch's request is a thousand stays or more, each fingerprinted alone too: the
    # common cases are answered first, and a dataclass's fields looked up once.
    kind = type(value)
    if kind in _ATOMS:
        return value
    if known and id(value) in known:
        return known[id(value)]
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(
            field.name for field in dataclasses.fields(value) if field.name != "idempotency_key"
        )
    if names is not None:
        return {name: _canonical(getattr(value, name), known) for name in names}
    if isinstance(value, msgspec.Struct):
        return _canonical(msgspec.structs.asdict(value), known)
    if isinstance(value, Decimal):
        return _canonical_decimal(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_canonical(item, known) for item in value]
    if isinstance(value, dict):
        return {str(key): _canonical(item, known) for key, item in value.items()}
    return value


# Beyond this exponent a decimal is refused by the bounds anyway; it is kept as written
# rather than normalized, which would overflow or spell out a million digits.
_PLAIN_EXPONENT = 40


def _canonical_decimal(value: Decimal) -> str:
    if value.is_zero():
        return "0"
    if not value.is_finite() or abs(value.adjusted()) > _PLAIN_EXPONENT:
        return str(value)
    return format(value.normalize(), "f")


async def _serialize_on_key(session: AsyncSession, lock_name: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": lock_name}
        )


class Receipted(Protocol):
    """A service's typed result that a retry can rebuild: ``receipt()`` gives the ids it
    needs, as JSON, and ``replay`` builds the result again from them in a session."""

    def receipt(self) -> Result: ...

    @classmethod
    async def replay(cls, session: AsyncSession, receipt: Result) -> Self: ...


Typed = TypeVar("Typed", bound=Receipted)

_RECEIPT_KEY = "receipt_key"


def stored_as(key: str) -> dict[str, str]:
    """Field metadata for a :class:`FieldsReceipted` field whose receipt key is not the
    usual one (receipts already stored use ``key``)."""
    return {_RECEIPT_KEY: key}


@dataclasses.dataclass(frozen=True)
class _Part:
    """How one field of a result goes into its receipt: under ``key``, as the row's id when
    the field is a ``model`` row, else as it is."""

    name: str
    key: str
    model: type[Base] | None

    def stored(self, value: Any) -> Any:
        if self.model is None:
            return value
        # The row's own key, not its identity: a row numbered ahead of a deferred flush
        # (store/deferred.py) has its id before it is persistent.
        [row_id] = inspect(self.model).primary_key_from_instance(value)
        return row_id

    async def read(self, session: AsyncSession, stored: Any) -> Any:
        if self.model is None:
            return stored
        row = await session.get(self.model, stored)
        assert row is not None, f"{self.model.__name__} {stored} of a stored receipt is gone"
        return row


_PLAIN = (int, str, bool)
_PARTS: dict[type[Any], tuple[_Part, ...]] = {}


def _parts(result_type: type[Any]) -> tuple[_Part, ...]:
    if result_type not in _PARTS:
        _PARTS[result_type] = _read_parts(result_type)
    return _PARTS[result_type]


def _read_parts(result_type: type[Any]) -> tuple[_Part, ...]:
    hints = typing.get_type_hints(result_type)
    parts = []
    for field in dataclasses.fields(result_type):
        hint = hints[field.name]
        model = hint if isinstance(hint, type) and issubclass(hint, Base) else None
        if model is None and hint not in _PLAIN:
            raise TypeError(
                f"{result_type.__name__}.{field.name}: a receipt keeps a row or an int, str or "
                f"bool, not {hint}; write receipt() and replay() for this result"
            )
        key = field.metadata.get(_RECEIPT_KEY, f"{field.name}_id" if model else field.name)
        parts.append(_Part(field.name, key, model))
    return tuple(parts)


class FieldsReceipted:
    """A :class:`Receipted` for a result dataclass that is only rows and plain values: a
    field typed as a stored model is kept in the receipt as the row's id, under
    ``<field>_id`` (or the key :func:`stored_as` names), and read back with ``session.get``
    on a retry; an int, str or bool field is kept as it is. A result that takes more to
    rebuild (a join, rows found through other rows) writes its own ``receipt`` and
    ``replay``."""

    if TYPE_CHECKING:
        # Each subclass is a dataclass; its generated __init__ takes its fields.
        def __init__(self, **fields: Any) -> None: ...

    def receipt(self) -> Result:
        return {part.key: part.stored(getattr(self, part.name)) for part in _parts(type(self))}

    @classmethod
    async def replay(cls, session: AsyncSession, receipt: Result) -> Self:
        return cls(
            **{part.name: await part.read(session, receipt[part.key]) for part in _parts(cls)}
        )


async def run_once_as(
    runtime: Runtime,
    result_type: type[Typed],
    *,
    operation: str,
    key: str | None,
    request: object,
    work: Callable[[AsyncSession], Awaitable[Typed]],
    scope: str = "",
    known: dict[int, Any] | None = None,
) -> Typed:
    """Runs ``work`` in one transaction, at most once per ``(scope, operation, key)``, for a
    service whose typed result is a :class:`Receipted`.

    The first run stores the result's receipt (the ids a retry needs, as JSON) with its
    effects; a retry with the same key and request replays the receipt, in the transaction
    that found it, to build the typed result again from what is stored now. ``known``:
    canonical forms of parts of ``request`` already made (see :func:`fingerprint`).
    """
    return await _run_once(
        runtime,
        operation=operation,
        key=key,
        request=request,
        work=work,
        receipt=result_type.receipt,
        replay=result_type.replay,
        scope=scope,
        known=known,
    )


class KeyedCommand(Protocol):
    """A use case's command that carries the idempotency key its retries repeat."""

    @property
    def idempotency_key(self) -> str | None: ...


# What a use case returns: a Receipted result, or a msgspec struct that is its own receipt.
AnyResult = TypeVar("AnyResult", bound=Receipted | msgspec.Struct)


async def run_command_once(
    runtime: Runtime,
    result_type: type[AnyResult],
    operation: str,
    command: KeyedCommand,
    work: Callable[[AsyncSession], Awaitable[AnyResult]],
    *,
    scope: str = "",
) -> AnyResult:
    """:func:`run_once_returning` (for a msgspec struct) or :func:`run_once_as` (for a
    :class:`Receipted`) for a use case whose command is the whole request: the command's
    own ``idempotency_key`` is the key, and a retry must repeat the command field for field."""
    once: Callable[..., Awaitable[Any]] = run_once_as
    if issubclass(result_type, msgspec.Struct):
        once = run_once_returning
    result: AnyResult = await once(
        runtime,
        result_type,
        operation=operation,
        key=command.idempotency_key,
        request=command,
        work=work,
        scope=scope,
    )
    return result


async def _run_once(
    runtime: Runtime,
    *,
    operation: str,
    key: str | None,
    request: object,
    work: Callable[[AsyncSession], Awaitable[T]],
    receipt: Callable[[T], Result],
    replay: Callable[[AsyncSession, Result], Awaitable[T]],
    scope: str = "",
    known: dict[int, Any] | None = None,
) -> T:
    """The one implementation: without a key the work simply runs; with one, the stored
    receipt is replayed or the work runs and its receipt is stored. A unique-constraint race
    (two first requests for the same natural key), or a transaction the database aborted to
    break a deadlock (:func:`retryable`), rolls back and tries again from the start."""
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        raise BusinessRuleError(
            ErrorCode.INVALID_INPUT,
            f"An idempotency key has 1 to {MAX_KEY_LENGTH} characters.",
            "idempotencyKey",
        )
    digest = fingerprint(request, known) if key is not None else ""
    for attempt in range(ATTEMPTS):
        try:
            async with runtime.db.transaction() as session:
                if key is not None:
                    await _serialize_on_key(session, f"{scope}/{operation}/{key}")
                    stored = await _stored(session, scope, operation, key)
                    if stored is not None:
                        if stored.request_hash != digest:
                            raise BusinessRuleError(
                                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                                "This idempotency key was already used for a different request.",
                                "idempotencyKey",
                            )
                        return await replay(session, stored.result)
                result = await work(session)
                if key is not None:
                    session.add(
                        IdempotencyRecord(
                            scope=scope,
                            operation=operation,
                            key=key,
                            request_hash=digest,
                            result=receipt(result),
                            created_at=runtime.now(),
                        )
                    )
                    await session.flush()
                return result
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
        except DBAPIError as error:
            if not retryable(error) or attempt == ATTEMPTS - 1:
                raise
            log.warning("%s rolled back by the database (%s); trying again", operation, error.orig)
    raise AssertionError("unreachable")


# PostgreSQL's deadlock_detected and serialization_failure: the database rolled the whole
# transaction back so that another could go on, and says running it again is safe.
RETRYABLE_STATES = frozenset({"40P01", "40001"})


def retryable(error: DBAPIError) -> bool:
    """Whether the database aborted the transaction only to let another through (a
    deadlock between two writers' locks, a serialization failure): nothing of it was kept,
    and the same work run again can succeed."""
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_STATES


async def run_once_returning(
    runtime: Runtime,
    result_type: type[Receipt],
    *,
    operation: str,
    key: str | None,
    request: object,
    work: Callable[[AsyncSession], Awaitable[Receipt]],
    scope: str = "",
) -> Receipt:
    """:func:`run_once_as` for a service whose typed result is its own receipt: a small
    struct of ids and figures, stored as its fields and decoded again on a retry."""

    async def replay(_session: AsyncSession, stored: Result) -> Receipt:
        return msgspec.convert(stored, result_type)

    def receipt(result: Receipt) -> Result:
        return msgspec.structs.asdict(result)

    return await _run_once(
        runtime,
        operation=operation,
        key=key,
        request=request,
        work=work,
        receipt=receipt,
        replay=replay,
        scope=scope,
    )


_STORED = select(IdempotencyRecord).where(
    IdempotencyRecord.scope == bindparam("scope"),
    IdempotencyRecord.operation == bindparam("operation"),
    IdempotencyRecord.key == bindparam("key"),
)


async def _stored(
    session: AsyncSession, scope: str, operation: str, key: str
) -> IdempotencyRecord | None:
    found: IdempotencyRecord | None = await session.scalar(
        _STORED, {"scope": scope, "operation": operation, "key": key}
    )
    return found
