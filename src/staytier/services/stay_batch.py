"""One night audit's unit of work: the batch's rows read once, then each stay settled in
member order (see :mod:`staytier.services.bulk_stays`, which runs it and answers for it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import instance_state

from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput
from staytier.domain.stay_ownership import StayActor, StayActorKind
from staytier.domain.stays import Folio, StayStatus
from staytier.services.credit_reads import CreditReads, MemberReads, read_members
from staytier.services.idempotency import MAX_KEY_LENGTH, Result, fingerprint
from staytier.services.promotion_budgets import HeldBudgets
from staytier.services.runtime import Runtime
from staytier.services.stay_reports import RecordStay, checked_report
from staytier.services.stays import settle_refusal, settle_report
from staytier.store.deferred import defer_writes
from staytier.store.models import IdempotencyRecord, Member, Property, Stay
from staytier.store.queries import stays_and_properties, surviving_member

# The operation each stay's own idempotency record is stored under: recordStay's, so that a
# key means one stay whichever mutation carried it.
STAY_OPERATION = "recordStay"

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


def stay_key(batch_key: str, index: int, stay: RecordStay) -> str:
    """The stay's idempotency key: its own, or derived from the batch's."""
    return stay.idempotency_key or f"{batch_key}:{index}"


class Unsettled(Exception):
    """A stay was refused after its rows were written: a deferred batch cannot take them
    back alone, so the whole attempt is rolled back and the batch run with savepoints."""


class StayBatch:
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
        digests: list[str] | None = None,
    ) -> None:
        self.session, self.runtime, self.scope, self.actor = session, runtime, scope, actor
        self.deferred = deferred
        self.command = command
        self.keys = [
            stay_key(command.idempotency_key, index, stay)
            for index, stay in enumerate(command.stays)
        ]
        # Each stay's fingerprint, if the caller made them already.
        self.digests = digests
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
        self.reads = await read_members(self.session, self.runtime, self._firsts(order))
        if self.deferred:
            defer_writes(self.session, block=len(self.command.stays))
        outcomes: dict[int, StayOutcome] = {}
        for index in order:
            outcomes[index] = await self._one(index)
        await HeldBudgets.write(self.session)  # what the stays took from promotion budgets
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
            result = await self._record(index, command, key)
        except BusinessRuleError as error:
            if not self.deferred:  # a deferred stay is refused before it writes anything
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

    async def _record(self, index: int, command: RecordStay, key: str) -> Result:
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            raise BusinessRuleError(
                ErrorCode.INVALID_INPUT,
                f"An idempotency key has 1 to {MAX_KEY_LENGTH} characters.",
                "idempotencyKey",
            )
        digest = self.digests[index] if self.digests is not None else fingerprint(command)
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
            raise Unsettled(report.confirmation_number) from late

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
