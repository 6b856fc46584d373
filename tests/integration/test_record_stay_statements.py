"""How many SQL statements crediting a completed stay takes: pinned, since each one is a
round trip inside the member's lock and the busiest write path pays it on every checkout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal

from staytier.domain.stays import Folio, StayStatus
from staytier.services.enrollment import EnrollGuest, enroll_guest
from staytier.services.runtime import Runtime
from staytier.services.stays import CancelStay, RecordStay, cancel_stay, record_stay
from staytier.store.database import Database
from staytier.store.models import Member
from tests.support import (
    GraphQLClient,
    counting_statements,
    enroll,
    new_key,
    record,
    stay_input,
)

D = dt.date

# The transaction's first statement (BEGIN IMMEDIATE on SQLite, the idempotency key's
# advisory lock on PostgreSQL); a result stored for the key; the member with the property;
# the stay; then what crediting reads of the member (services/credit_reads.py), as a batch
# reads its members: the status rows with the year's totals before the credit and the
# member's referral (one statement: the totals after are those plus the credit's own), the
# member's registrations and progress in the promotions running at checkout (the demo runs
# promotions through 2027) with their entries in the sweepstakes open that day (one
# statement; the demo program runs one through 2026), the last stays and the preferences
# they may infer (two); then the writes: stay, credit, revision, balance, ledger entry,
# qualifying row, audit entry, the sweepstakes entries earned, the survey invitation (one
# insert, ignored for a stay already invited) and the result stored for the key. (This
# member has no email: an invitation's mail to one who has costs two more, the MARKETING
# consent and the outbox row.)
STATEMENTS_PER_CREDITED_STAY = 18


async def new_member(runtime: Runtime) -> str:
    created = await enroll_guest(runtime, EnrollGuest(first_name="Ada", last_name="Guest"))
    async with runtime.db.reading() as session:
        member = await session.get(Member, created.member_id)
    assert member is not None
    return member.member_number


async def report_stay(
    runtime: Runtime,
    number: str,
    arrival: dt.date,
    *,
    confirmation: str | None = None,
    status: StayStatus = StayStatus.COMPLETED,
) -> None:
    """One night at NYCTS in a deluxe room on the 12th floor, 100 USD: base points only
    once completed."""
    await record_stay(
        runtime,
        RecordStay(
            idempotency_key=new_key(),
            member_number=number,
            guest_last_name="Guest",
            property_code="NYCTS",
            confirmation_number=confirmation or new_key(),
            status=status,
            folio=Folio(arrival, arrival + dt.timedelta(days=1), "BAR", "USD", Decimal(100)),
            room_type="DELUXE",
            floor=12,
        ),
    )


async def test_a_members_first_completed_stay_is_credited_in_a_fixed_number_of_statements(
    runtime: Runtime,
) -> None:
    number = await new_member(runtime)
    with counting_statements(runtime.db, writes=True) as statements:
        await report_stay(runtime, number, D(2026, 2, 1))
    assert len(statements) == STATEMENTS_PER_CREDITED_STAY, "\n".join(s[:90] for s in statements)


async def test_preferences_already_inferred_are_not_read_again_to_be_kept(
    runtime: Runtime,
) -> None:
    number = await new_member(runtime)
    # The third stay infers the room type, floor band and rate; in the year before, so that
    # the fourth is the first of its year and earns no status to write.
    for day in (1, 5, 9):
        await report_stay(runtime, number, D(2025, 11, day))
    with counting_statements(runtime.db, writes=True) as statements:
        await report_stay(runtime, number, D(2026, 2, 13))
    assert len(statements) == STATEMENTS_PER_CREDITED_STAY, "\n".join(s[:90] for s in statements)


async def test_a_booked_stay_reported_completed_takes_as_many_statements_as_a_new_one(
    runtime: Runtime,
) -> None:
    # The stay is updated instead of inserted, and, never completed before, has no credit to
    # look up and reverse.
    number = await new_member(runtime)
    await report_stay(runtime, number, D(2026, 2, 1), confirmation="NY1", status=StayStatus.BOOKED)
    with counting_statements(runtime.db, writes=True) as statements:
        await report_stay(runtime, number, D(2026, 2, 1), confirmation="NY1")
    assert len(statements) == STATEMENTS_PER_CREDITED_STAY, "\n".join(s[:90] for s in statements)


# Through the API, the resolver adds only the guest it shows (the member in sight, then their
# tier and progress): the stay and its property are the ones the service wrote.
STATEMENTS_PER_RECORDSTAY = STATEMENTS_PER_CREDITED_STAY + 2
# A retry with the same key: the transaction's first statement, the stored result, the stay
# with its property (one statement), and the guest's two.
STATEMENTS_PER_RETRIED_RECORDSTAY = 5


@contextmanager
def every_statement(db: Database) -> Iterator[list[str]]:
    """Every statement on the database, whichever engine runs it (on PostgreSQL the reads
    go through the write engine's pool, whose count holds them already)."""
    found: list[str] = []
    with ExitStack() as stack:
        writes = stack.enter_context(counting_statements(db, writes=True))
        reads = stack.enter_context(counting_statements(db)) if db.is_sqlite else []
        yield found
    found += writes + reads


async def test_recordstay_through_the_api_and_its_retry_take_a_fixed_number_of_statements(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client, "Ada", "Guest")
    stay = {"member_number": number, "arrival": D(2026, 2, 1), "nights": 1, "last_name": "Guest"}
    with every_statement(runtime.db) as first:
        done = await record(client, **stay, key="API-1", confirmation="API1")
    with every_statement(runtime.db) as again:
        retried = await record(client, **stay, key="API-1", confirmation="API1")

    assert done["userErrors"] == [] and done["stay"]["status"] == "COMPLETED"
    assert done["guest"]["points"]["balance"] > 0
    assert retried == done
    assert len(first) == STATEMENTS_PER_RECORDSTAY, "\n".join(s[:90] for s in first)
    assert len(again) == STATEMENTS_PER_RETRIED_RECORDSTAY, "\n".join(s[:90] for s in again)


# A booking site reads the outcome, not the guest: the payload reads the guest only when
# the operation selects it.
OUTCOME_ONLY = """mutation($input: RecordStayInput!) {
  recordStay(input: $input) { stay { status } userErrors { code } } }"""
GUEST_BY_FRAGMENT = """mutation($input: RecordStayInput!) {
  recordStay(input: $input) { ...Shown userErrors { code } } }
fragment Shown on RecordStayPayload {
  stay { status }
  ... on RecordStayPayload { holder: guest { points { balance } } } }"""


async def test_recordstay_reads_no_guest_when_none_is_selected(
    client: GraphQLClient, runtime: Runtime
) -> None:
    number = await enroll(client, "Ada", "Guest")
    stay = stay_input(number, arrival=D(2026, 2, 1), nights=1, last_name="Guest")
    with every_statement(runtime.db) as first:
        done = await client(OUTCOME_ONLY, input=stay)
    with every_statement(runtime.db) as again:
        retried = await client(OUTCOME_ONLY, input=stay)

    assert done["recordStay"] == {"stay": {"status": "COMPLETED"}, "userErrors": []}
    assert retried == done
    assert len(first) == STATEMENTS_PER_CREDITED_STAY, "\n".join(s[:90] for s in first)
    assert len(again) == STATEMENTS_PER_RETRIED_RECORDSTAY - 2, "\n".join(s[:90] for s in again)


async def test_a_guest_selected_through_a_fragment_and_an_alias_is_read(
    client: GraphQLClient,
) -> None:
    number = await enroll(client, "Ada", "Guest")
    stay = stay_input(number, arrival=D(2026, 2, 1), nights=2, last_name="Guest")
    done = (await client(GUEST_BY_FRAGMENT, input=stay))["recordStay"]

    assert done["stay"] == {"status": "COMPLETED"}
    assert done["holder"]["points"]["balance"] > 0


# Cancelling a booking: the transaction's first statement, a result stored for the key, the
# property with the stay's member, the member locked, the stay, its status, its cancelled
# version (a stay revision), the stay's credit (a booking has none to reverse), an award
# redemption to refund (none either), and the result stored for the key. A late
# cancellation of a completed stay adds the reversal's statements.
STATEMENTS_PER_CANCELLED_BOOKING = 10


async def test_a_booking_is_cancelled_in_a_fixed_number_of_statements(runtime: Runtime) -> None:
    number = await new_member(runtime)
    await report_stay(runtime, number, D(2026, 2, 1), confirmation="NY9", status=StayStatus.BOOKED)
    with counting_statements(runtime.db, writes=True) as statements:
        cancelled = await cancel_stay(
            runtime,
            CancelStay(idempotency_key=new_key(), property_code="NYCTS", confirmation_number="NY9"),
        )
    assert cancelled.stay.status == StayStatus.CANCELLED.value
    assert len(statements) == STATEMENTS_PER_CANCELLED_BOOKING, "\n".join(
        s[:90] for s in statements
    )
