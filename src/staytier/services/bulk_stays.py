"""The night audit in bulk: a batch of stay reports, each credited or refused on its own.

Every stay goes through the write path of ``recordStay``
(:func:`~staytier.services.stay_reports.checked_report` and
:func:`~staytier.services.stays.settle_report`), so single and bulk reports share every rule,
the trust rules included. What the batch adds:

- **One transaction, its writes held to one flush.** The batch defers its writes
  (:mod:`staytier.store.deferred`): rows get their ids from blocks taken ahead and are
  held (as plain values where nothing reads them back as objects), and the writes at the
  end insert each table's rows in one Core statement. A stay is refused before anything
  of it is written (:func:`~staytier.services.stays.settle_refusal`
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

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.stay_ownership import SYSTEM, StayActor
from staytier.services.idempotency import Result, canonical, digest_of, run_once_as
from staytier.services.runtime import Runtime
from staytier.services.stay_batch import RecordStays as RecordStays  # where callers find it
from staytier.services.stay_batch import StayBatch, StayOutcome, Unsettled
from staytier.store.models import Property, Stay
from staytier.store.queries import stays_and_properties

log = logging.getLogger(__name__)

BATCH_OPERATION = "recordStays"


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

    # Each stay's canonical form, made once for its own key's fingerprint and the batch's.
    forms = {id(stay): canonical(stay) for stay in command.stays}
    digests = [digest_of(forms[id(stay)]) for stay in command.stays]

    async def run(*, deferred: bool) -> BatchOutcome:
        async def work(session: AsyncSession) -> BatchOutcome:
            batch = StayBatch(
                session,
                runtime,
                command,
                scope=scope,
                actor=actor,
                deferred=deferred,
                digests=digests,
            )
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
            known=forms,
        )

    try:
        return await run(deferred=True)
    except (Unsettled, IntegrityError) as reason:
        # Nothing of the attempt was kept (its transaction rolled back): the batch again,
        # a savepoint per stay, so the stay that failed midway is refused alone.
        log.info(
            "recordStays %s again with a savepoint per stay: %r", command.idempotency_key, reason
        )
        return await run(deferred=False)


def _stay_ids(results: Iterable[StayOutcome]) -> set[int]:
    return {r.stay_id for r in results if r.stay_id is not None}


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
