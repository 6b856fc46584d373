"""The night audit in bulk: a batch of stay reports, each credited or refused on its own.

Every stay goes through the write path of ``recordStay``
(:func:`~staytier.services.stay_reports.checked_report` and
:func:`~staytier.services.stays.settle_report`), so single and bulk reports share every rule,
the trust rules included. What the batch adds:

- **One transaction, its writes held to one flush.** The batch defers its writes
  (:mod:`staytier.store.deferred`): rows get their ids from blocks taken ahead and stay
  pending, and the flush at the end inserts each table's rows in one statement. A stay is
  refused before anything of it is written (:func:`~staytier.services.stays.settle_refusal`
  and the checks before it), so it writes nothing and never stops or undoes the others.
- **Run again with a savepoint per stay when that cannot hold.** A stay refused after its
  rows were written (a points bound crossed by a promotion, say), or an integrity error at
  the flush, rolls the whole attempt back; the batch then runs again as it did before
  deferring, each stay under a savepoint that its refusal rolls back to.
- **Reads for the whole batch first**, in a fixed number of statements: the members by
  number (locked, in id order), the properties by code, the stays already stored under the
  batch's confirmation numbers (locked) and the idempotency records of the stays' keys.
  Members are locked in one order and the stays are then processed in member order, so two
  batches touching the same members queue instead of deadlocking.
- **Crediting's reads for the whole batch too** (:mod:`staytier.services.credit_reads`):
  the six reads crediting makes of a member (status rows with the year's totals, referral,
  promotion standings, sweepstakes entries, last stays, inferred preferences) are one
  statement each for every member whose first stay in the batch is newly COMPLETED. They
  serve that first stay only, credited or refused: a member's later stays, corrections of
  completed stays, cancellations and bookings read as ``recordStay`` does (and a read
  flushes what the batch holds first, so it sees the batch's own rows).
- **Idempotent twice over.** The batch's key stores the whole answer (a retry returns it and
  awards nothing); each stay has its own key (its ``idempotency_key``, or
  ``<batch key>:<index>`` when it has none) stored as ``recordStay`` stores it, so a stay
  already reported alone, or in another batch, with the same key is not credited twice.

A batch of newly completed stays of distinct members takes the same statements whatever its
size (pinned in tests/integration/test_record_stays.py; see docs/performance.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import instance_state

from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput
from staytier.domain.stay_ownership import SYSTEM, StayActor, StayActorKind
from staytier.domain.stays import Folio, StayStatus
from staytier.services.credit_reads import CreditReads, MemberReads, read_for_batch
from staytier.services.idempotency import MAX_KEY_LENGTH, Result, fingerprint, run_once_as
from staytier.services.runtime import Runtime
from staytier.services.stay_reports import RecordStay, checked_report
from staytier.services.stays import settle_refusal, settle_report
from staytier.store.deferred import defer_writes
from staytier.store.models import IdempotencyRecord, Member, Property, Stay
from staytier.store.queries import stays_and_properties, surviving_member

# The operation each stay's own idempotency record is stored under: recordStay's, so that a
# key means one stay whichever mutation carried it.
log = logging.getLogger(__name__)

STAY_OPERATION = "recordStay"
BATCH_OPERATION = "recordStays"

_MEMBERS = (
    select(Member)
    .where(Member.member_number.in_(bindparam("numbers", expanding=True)))
    .order_by(Member.id)
    .with_for_update()
)
_PROPERTIES = select(Property).where(Property.code.in_(bindparam("codes", expanding=True)))
# Every stay at the batch's properties with one of its confirmation numbers: a superset of
# the pairs asked for (a number used at two of them), matched by pair in Python.
_STAYS = (
    select(Stay)
    .where(
        Stay.property_id.in_(bindparam("property_ids", expanding=True)),
        Stay.confirmation_number.in_(bindparam("numbers", expanding=True)),
    )
    .order_by(Stay.id)
    .with_for_update()
)
_KEYS = select(IdempotencyRecord).where(
    IdempotencyRecord.scope == bindparam("scope"),
    IdempotencyRecord.operation == STAY_OPERATION,
    IdempotencyRecord.key.in_(bindparam("keys", expanding=True)),
)


@dataclass(frozen=True)
class RecordStays:
    """A batch of stay reports under one idempotency key. A stay's own ``idempotency_key``
    may be empty: it is then ``<batch key>:<index>``."""

    idempotency_key: str
    stays: tuple[RecordStay, ...]


@dataclass(frozen=True)
class StayOutcome:
    """One stay of a batch: recorded (``stay_id``) or refused (``errors``)."""

    index: int
    confirmation_number: str
    stay_id: int | None
    member_id: int | None
    completed: bool
    errors: tuple[BusinessRuleError, ...]

    @property
    def refused(self) -> bool:
        return bool(self.errors)


@dataclass(frozen=True)
class BatchOutcome:
    """The outcomes in input order, and each recorded stay by id with its property."""

    results: tuple[StayOutcome, ...]
    stays: Mapping[int, tuple[Stay, Property]] = field(default_factory=dict)

    def receipt(self) -> Result:
        return {"results": [_stored_outcome(outcome) for outcome in self.results]}

    @staticmethod
    async def replay(session: AsyncSession, receipt: Result) -> BatchOutcome:
        results = tuple(_outcome(row) for row in receipt["results"])
        return BatchOutcome(results, await stays_and_properties(session, _stay_ids(results)))

    @property
    def recorded(self) -> int:
        return sum(not r.refused for r in self.results)

    @property
    def credited(self) -> int:
        """Stays recorded as COMPLETED: credited (or, resent unchanged, already credited)."""
        return sum(r.completed and not r.refused for r in self.results)

    @property
    def refused(self) -> int:
        return sum(r.refused for r in self.results)


def stay_key(batch_key: str, index: int, stay: RecordStay) -> str:
    """The stay's idempotency key: its own, or derived from the batch's."""
    return stay.idempotency_key or f"{batch_key}:{index}"


def batch_mistake(runtime: Runtime, command: RecordStays) -> BusinessRuleError | None:
    """Why the batch as a whole is refused before anything runs: no stays, or more than the
    program's ``limits.max_stays_per_batch``."""
    if not command.stays:
        return BusinessRuleError(
            ErrorCode.INVALID_INPUT, "A batch holds at least one stay.", "stays"
        )
    bound = runtime.rules_on(runtime.today()).limits.max_stays_per_batch
    if len(command.stays) > bound:
        return BusinessRuleError(
            ErrorCode.BATCH_TOO_LARGE,
            f"A batch holds at most {bound:,} stays; this one has {len(command.stays):,}. "
            "Send it in several.",
            "stays",
        )
    return None


async def record_stays(
    runtime: Runtime, command: RecordStays, *, scope: str = "", actor: StayActor = SYSTEM
) -> BatchOutcome:
    """Records a batch of stays, each as :func:`~staytier.services.stays.record_stay` would
    (as ``actor``), in one transaction; the outcomes are in input order. Raises only for
    the batch as a whole (:func:`batch_mistake`, the batch key reused for another batch)."""
    mistake = batch_mistake(runtime, command)
    if mistake is not None:
        raise mistake

    async def run(*, deferred: bool) -> BatchOutcome:
        async def work(session: AsyncSession) -> BatchOutcome:
            batch = _Batch(session, runtime, command, scope=scope, actor=actor, deferred=deferred)
            results = tuple(await batch.run())
            return BatchOutcome(results, await batch.written_stays(_stay_ids(results)))

        return await run_once_as(
            runtime,
            BatchOutcome,
            operation=BATCH_OPERATION,
            key=command.idempotency_key,
            request=command,
            work=work,
            scope=scope,
        )

    try:
        return await run(deferred=True)
    except (_Unsettled, IntegrityError) as reason:
        # Nothing of the attempt was kept (its transaction rolled back): the batch again,
        # a savepoint per stay, so the stay that failed midway is refused alone.
        log.info(
            "recordStays %s again with a savepoint per stay: %r", command.idempotency_key, reason
        )
        return await run(deferred=False)


class _Unsettled(Exception):
    """A stay was refused after its rows were written: a deferred batch cannot take them
    back alone, so the whole attempt is rolled back and the batch run with savepoints."""


def _stay_ids(results: Iterable[StayOutcome]) -> set[int]:
    return {r.stay_id for r in results if r.stay_id is not None}


class _Batch:
    """One batch's unit of work: the prefetched rows, then each stay in member order."""

    def __init__(
        self,
        session: AsyncSession,
        runtime: Runtime,
        command: RecordStays,
        *,
        scope: str,
        actor: StayActor,
        deferred: bool,
    ) -> None:
        self.session, self.runtime, self.scope, self.actor = session, runtime, scope, actor
        self.deferred = deferred
        self.command = command
        self.keys = [
            stay_key(command.idempotency_key, index, stay)
            for index, stay in enumerate(command.stays)
        ]
        self.members: dict[str, Member] = {}
        self.properties: dict[str, Property] = {}
        self.stays: dict[tuple[int, str], Stay] = {}
        # Each stay key already used: its request's fingerprint and its result.
        self.used: dict[str, tuple[str, Result]] = {}
        # The stays this batch wrote, by id, with their properties.
        self.written: dict[int, tuple[Stay, Property]] = {}
        self.records: list[dict[str, Any]] = []
        # What crediting reads of each member, read for all of them, for their first stay.
        self.reads = CreditReads()

    async def run(self) -> list[StayOutcome]:
        await self._prefetch()
        order = sorted(
            range(len(self.command.stays)),
            key=lambda i: (self._member_order(self.command.stays[i]), i),
        )
        self.reads = await read_for_batch(self.session, self.runtime, self._firsts(order))
        if self.deferred:
            defer_writes(self.session, block=len(self.command.stays))
        outcomes: dict[int, StayOutcome] = {}
        for index in order:
            outcomes[index] = await self._one(index)
        if self.records:  # the stays' own idempotency records, in one statement
            await self.session.execute(insert(IdempotencyRecord), self.records)
        return [outcomes[index] for index in range(len(self.command.stays))]

    async def written_stays(self, ids: set[int]) -> dict[int, tuple[Stay, Property]]:
        """The stays of ``ids`` with their properties: those this batch wrote as they are,
        the others (reported before under the same key) read in one statement."""
        found = {stay_id: self.written[stay_id] for stay_id in ids if stay_id in self.written}
        found.update(await stays_and_properties(self.session, ids - found.keys()))
        return found

    async def _prefetch(self) -> None:
        stays = self.command.stays
        session = self.session
        numbers = sorted({stay.member_number for stay in stays})
        for member in await session.scalars(_MEMBERS, {"numbers": numbers}):
            self.members[member.member_number] = member
        codes = sorted({stay.property_code for stay in stays})
        for hotel in await session.scalars(_PROPERTIES, {"codes": codes}):
            self.properties[hotel.code] = hotel
        if self.properties:
            confirmations = sorted({stay.confirmation_number for stay in stays})
            found = await session.scalars(
                _STAYS,
                {
                    "property_ids": sorted(h.id for h in self.properties.values()),
                    "numbers": confirmations,
                },
            )
            for stay in found:
                self.stays[(stay.property_id, stay.confirmation_number)] = stay
        keys = sorted({key for key in self.keys if 0 < len(key) <= MAX_KEY_LENGTH})
        for record in await session.scalars(_KEYS, {"scope": self.scope, "keys": keys}):
            self.used[record.key] = (record.request_hash, dict(record.result))

    def _firsts(self, order: list[int]) -> list[tuple[Member, Folio]]:
        """Each member whose first stay (in ``order``) is reported COMPLETED over no stay or
        a stay not completed yet, with that stay's folio: the stays crediting will read the
        member's state for. A merged member's old number stands for its survivor."""
        firsts: dict[int, tuple[Member, Folio] | None] = {}
        for index in order:
            command = self.command.stays[index]
            member = self.members.get(command.member_number)
            if member is None:
                continue
            member_id = member.merged_into_id or member.id
            if member_id in firsts or member.merged_into_id is not None:
                firsts.setdefault(member_id, None)  # a survivor's row is read later, alone
                continue
            hotel = self.properties.get(command.property_code)
            stored = (
                self.stays.get((hotel.id, command.confirmation_number))
                if hotel is not None
                else None
            )
            new = stored is None or stored.status != StayStatus.COMPLETED.value
            completed = command.status is StayStatus.COMPLETED
            firsts[member_id] = (member, command.folio) if new and completed else None
        return [first for first in firsts.values() if first is not None]

    def _member_order(self, stay: RecordStay) -> int:
        member = self.members.get(stay.member_number)
        return member.id if member is not None else 0

    async def _one(self, index: int) -> StayOutcome:
        command = self.command.stays[index]
        key = self.keys[index]
        try:
            result = await self._record(command, key)
        except BusinessRuleError as error:
            await self._reload_expired()
            mistakes = error.errors if isinstance(error, InvalidInput) else [error]
            return StayOutcome(
                index, command.confirmation_number, None, None, False, tuple(mistakes)
            )
        return StayOutcome(
            index,
            command.confirmation_number,
            result["stay_id"],
            result["member_id"],
            command.status is StayStatus.COMPLETED,
            (),
        )

    async def _record(self, command: RecordStay, key: str) -> Result:
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            raise BusinessRuleError(
                ErrorCode.INVALID_INPUT,
                f"An idempotency key has 1 to {MAX_KEY_LENGTH} characters.",
                "idempotencyKey",
            )
        digest = fingerprint(command)
        if key in self.used:
            stored_digest, result = self.used[key]
            if stored_digest != digest:
                raise BusinessRuleError(
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "This idempotency key was already used for a different request.",
                    "idempotencyKey",
                )
            return result  # reported before: its effects are on record already
        # The property first: a client learns nothing of members at properties not its own.
        if self.actor.kind is StayActorKind.PROPERTY and not self.actor.is_property(
            command.property_code
        ):
            raise BusinessRuleError(
                ErrorCode.STAY_CHANGE_NOT_ALLOWED,
                f"{command.property_code} is not one of this client's properties.",
                "propertyCode",
            )
        member, hotel = await self._member_and_property(command)
        # The member's reads serve their first stay here only, whatever becomes of it.
        reads = self.reads.take(member.id)
        report = checked_report(self.runtime, command, member, hotel)
        stored = self.stays.get((hotel.id, report.confirmation_number))
        if self.deferred:
            stay = await self._settle_deferred(report, member, hotel, stored, reads)
        else:
            async with self.session.begin_nested():
                stay = await settle_report(
                    self.session, self.runtime, report, member, hotel, stored, self.actor, reads
                )
        self.stays[(hotel.id, report.confirmation_number)] = stay
        self.written[stay.id] = (stay, hotel)
        result = {"stay_id": stay.id, "member_id": member.id}
        self.used[key] = (digest, result)
        self.records.append(
            {
                "scope": self.scope,
                "operation": STAY_OPERATION,
                "key": key,
                "request_hash": digest,
                "result": result,
                "created_at": self.runtime.now(),
            }
        )
        return result

    async def _settle_deferred(
        self,
        report: RecordStay,
        member: Member,
        hotel: Property,
        stored: Stay | None,
        reads: MemberReads | None,
    ) -> Stay:
        """The stay settled with its writes held for the batch's one flush: refused before
        anything is written, as a savepoint would have left it, or not at all."""
        refusal = settle_refusal(self.runtime, report, member, hotel, stored, self.actor)
        if refusal is not None:
            raise refusal
        try:
            return await settle_report(
                self.session, self.runtime, report, member, hotel, stored, self.actor, reads
            )
        except BusinessRuleError as late:
            raise _Unsettled(report.confirmation_number) from late

    async def _member_and_property(self, command: RecordStay) -> tuple[Member, Property]:
        member = self.members.get(command.member_number)
        if member is not None and member.merged_into_id is not None:
            # An old number of a merged member: its survivor, locked (rare; one statement).
            member = await surviving_member(self.session, member, for_update=True)
        if member is None:
            raise BusinessRuleError(
                ErrorCode.MEMBER_NOT_FOUND, f"No member {command.member_number}.", "memberNumber"
            )
        hotel = self.properties.get(command.property_code)
        if hotel is None:
            raise BusinessRuleError(
                ErrorCode.PROPERTY_NOT_FOUND,
                f"No property {command.property_code}.",
                "propertyCode",
            )
        return member, hotel

    async def _reload_expired(self) -> None:
        """A savepoint rolled back expires what it changed; the rows the batch holds are
        read again before the next stay uses them (an expired attribute cannot be loaded
        lazily in async code)."""
        for row in _held(self.members.values(), self.stays.values()):
            if instance_state(row).expired_attributes:
                await self.session.refresh(row)


def _held(*groups: Iterable[Member | Stay]) -> Iterable[Member | Stay]:
    for group in groups:
        yield from group


def _stored_outcome(outcome: StayOutcome) -> dict[str, Any]:
    return {
        "index": outcome.index,
        "confirmation_number": outcome.confirmation_number,
        "stay_id": outcome.stay_id,
        "member_id": outcome.member_id,
        "completed": outcome.completed,
        "errors": [
            {"code": e.code.value, "field": e.field, "message": e.message} for e in outcome.errors
        ],
    }


def _outcome(row: dict[str, Any]) -> StayOutcome:
    return StayOutcome(
        index=row["index"],
        confirmation_number=row["confirmation_number"],
        stay_id=row["stay_id"],
        member_id=row["member_id"],
        completed=row["completed"],
        errors=tuple(
            BusinessRuleError(ErrorCode(e["code"]), e["message"], e["field"]) for e in row["errors"]
        ),
    )
