"""Whatever a night audit holds, a batch leaves the books exactly as the same reports sent
one by one through ``recordStay`` would: the same stays credited or refused with the same
codes, and, member by member, the same balance, ledger, qualifying totals, status,
promotion awards, mail queued, sweepstakes entries and inferred preferences.

A batch defers its writes to one flush and reads its members' state once (see
``services/bulk_stays.py``); the single path writes and reads as it goes. Each Hypothesis
example enrolls two sets of the same guests, sends random reports (bookings, check-outs,
corrections, cancellations, no-shows, reports a stay may not take, a member reported twice)
for one set as two nights' batches, and the same reports for the other set one at a time in
the order the batches take them (night by night; by member, then as sent). The guests
have addresses to mail (one withdrew consent to it), and a budgeted promotion rewards every
completed stay, so the batch's consent reads and budget claims are checked too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staytier.domain.errors import BusinessRuleError, InvalidInput
from staytier.domain.stays import Folio, StayStatus
from staytier.program.promotions import Promotion, PromotionEffects, PromotionLimits
from staytier.services.bulk_stays import RecordStays, record_stays
from staytier.services.runtime import Runtime
from staytier.services.stays import RecordStay, record_stay
from tests.integration.test_record_stays import CONSENT, member_rows
from tests.support import ENROLL, GraphQLClient, new_key, with_newest_version

GUESTS = ("Lovelace", "Hopper", "Noether")
FIRST_ARRIVAL = dt.date(2026, 1, 5)  # the test clock stands at 2 March 2026


@dataclass(frozen=True)
class Report:
    guest: int  # which of GUESTS
    slot: int  # which of the guest's confirmation numbers
    status: StayStatus
    arrival_day: int  # days after FIRST_ARRIVAL
    nights: int
    room: int  # room revenue, USD


reports = st.builds(
    Report,
    guest=st.integers(0, len(GUESTS) - 1),
    slot=st.integers(0, 2),
    status=st.sampled_from(list(StayStatus)),
    arrival_day=st.integers(0, 50),
    nights=st.integers(1, 6),
    room=st.integers(0, 2_400),
)


def command(report: Report, number: str, tag: str) -> RecordStay:
    arrival = FIRST_ARRIVAL + dt.timedelta(days=report.arrival_day)
    return RecordStay(
        idempotency_key=new_key(),
        member_number=number,
        guest_last_name=GUESTS[report.guest],
        property_code="NYCTS",
        confirmation_number=f"{tag}-{report.guest}-{report.slot}",
        status=report.status,
        folio=Folio(
            arrival,
            arrival + dt.timedelta(days=report.nights),
            "BAR",
            "USD",
            Decimal(report.room),
        ),
    )


async def alone(runtime: Runtime, stay: RecordStay) -> list[str]:
    """The codes ``recordStay`` refuses ``stay`` with; none when it records it."""
    try:
        await record_stay(runtime, stay)
    except InvalidInput as mistakes:
        return [error.code.value for error in mistakes.errors]
    except BusinessRuleError as error:
        return [error.code.value]
    return []


RUSH = Promotion(
    code="RUSH", name="Checkout rush", starts_on=dt.date(2026, 1, 1),
    ends_on=dt.date(2026, 12, 31), effects=PromotionEffects(points=400),
    # Budgets are the program's, not a member's: one both sets of guests never exhaust, so
    # each set gets what the other does (tests/integration/test_record_stays.py spends one).
    limits=PromotionLimits(budget_points=10_000_000),
)  # fmt: skip


def with_rush(runtime: Runtime) -> Runtime:
    """The demo program with a budgeted promotion every completed stay earns."""
    promotions = [*runtime.program.versions[-1].promotions, RUSH]
    return with_newest_version(runtime, promotions=promotions)


async def enroll_with_email(client: GraphQLClient, last_name: str) -> str:
    fields = {"firstName": "Ada", "lastName": last_name, "email": f"{new_key()}@example.test"}
    data = (await client(ENROLL, input=fields))["enrollGuest"]
    assert data["userErrors"] == []
    number: str = data["guest"]["memberNumber"]
    return number


async def guest(client: GraphQLClient, last_name: str) -> str:
    """A guest with an address to mail; the second of GUESTS has withdrawn consent to it."""
    number = await enroll_with_email(client, last_name)
    if last_name == GUESTS[1]:
        done = await client(
            CONSENT, input={"memberNumber": number, "purpose": "MARKETING", "granted": False}
        )
        assert done["setConsent"]["userErrors"] == []
    return number


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(audit=st.lists(reports, min_size=1, max_size=10), split=st.integers(0, 10))
async def test_a_batch_leaves_the_books_as_the_same_reports_sent_one_by_one(
    runtime: Runtime, client: GraphQLClient, audit: list[Report], split: int
) -> None:
    batched = [await guest(client, name) for name in GUESTS]
    single = [await guest(client, name) for name in GUESTS]
    runtime = with_rush(runtime)
    tag = new_key()
    # Two nights' audits: the second completes, corrects or cancels what the first booked.
    nights = [range(0, min(split, len(audit))), range(min(split, len(audit)), len(audit))]

    results = []
    for night in nights:
        if not night:
            continue
        outcome = await record_stays(
            runtime,
            RecordStays(
                idempotency_key=new_key(),
                stays=tuple(command(audit[i], batched[audit[i].guest], f"B{tag}") for i in night),
            ),
        )
        results += [[e.code.value for e in r.errors] for r in outcome.results]
    # A batch takes its stays member by member (in the order it locks them), each member's
    # as sent: the single path gets each night's reports in that order.
    refused: dict[int, list[str]] = {}
    for night in nights:
        for index in sorted(night, key=lambda i: (audit[i].guest, i)):
            report = audit[index]
            refused[index] = await alone(runtime, command(report, single[report.guest], f"S{tag}"))

    assert results == [refused[i] for i in range(len(audit))]
    for mine, theirs in zip(batched, single, strict=True):
        assert await member_rows(runtime, mine) == await member_rows(runtime, theirs)
