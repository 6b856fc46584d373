"""What crediting a stay reads about its member, read for one stay or for a batch's members
at once.

Crediting a newly completed stay reads seven things about its member, inside the member's
lock: their held status rows with the year's totals, their referral, their standings in the
promotions running at checkout, their entries in the sweepstakes open that day, their
last completed stays with the preferences those may infer, and, for a guest with an address
to mail, whether they withdrew consent to the survey invitation's mail. :func:`read_members`
reads them in five statements at most, for one member (a stay reported on its own, see
:func:`~staytier.services.stays.settle_report`) or for all the members of a batch (see
:mod:`staytier.services.bulk_stays`), after they are locked: the status rows, totals and
referral in one; the standings and the entries in another.

A member's reads describe them as they were before the batch, so they serve that member's
first stay of the batch only: :meth:`CreditReads.take` hands them out once, whether that
stay is then credited, refused or rolled back to its savepoint, and every later stay of the
member reads again, as a stay on its own does, since the first one changed what they say.
Another member's stay does not change them: a friend's first stay
rewards the referrer with a credit that has no qualifying nights (no totals, status,
sweepstakes entries or promotions of the referrer's change), and the referrer's count of
rewarded referrals is read in that stay, not here. (Stays go in member id order, and a
referrer enrolled before their friend, so the referrer's own first stay comes first anyway.)

The reads are used only by a stay newly COMPLETED (reported completed for the first time,
booked before or not); a correction of a completed stay reverses its credit first, and a
booking or a cancellation credits nothing, so those read what they need where they need it
(see :func:`~staytier.services.stays.settle_report`). Nothing here locks: the members are
locked beforehand.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, literal_column, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.calendar import qualification_year
from staytier.domain.promotions import Standing
from staytier.domain.stays import Folio
from staytier.domain.tiers import YearTotals
from staytier.services.guest_mail import consents_withdrawn, may_be_mailed
from staytier.services.inference import StayHistory, stay_histories
from staytier.services.promotions import (
    STANDING_ROWS,
    add_standing_row,
    blank_standings,
    running_on,
)
from staytier.services.runtime import Runtime
from staytier.services.sweepstakes import ENTRIES_HELD, blank_entries, open_codes
from staytier.store.models import Member, Referral, StatusPeriod
from staytier.store.queries import crediting_state_by_member


@dataclass(frozen=True)
class MemberReads:
    """One member's state before a stay of theirs is credited. A year, promotion or
    sweepstakes missing from these is read when the stay needs it."""

    status_rows: list[StatusPeriod]
    totals: dict[int, YearTotals]
    referral: Referral | None
    standings: Mapping[str, Standing]
    entries_held: Mapping[str, int]
    history: StayHistory | None  # None: the catalog infers nothing
    # Whether they withdrew consent to guest mail (a survey invitation's); read only for
    # a member with an address to mail, False for the others.
    mail_withdrawn: bool = False


class CreditReads:
    """The batch's members' :class:`MemberReads`, each handed out once."""

    def __init__(self, reads: dict[int, MemberReads] | None = None) -> None:
        self._reads = reads or {}

    def take(self, member_id: int) -> MemberReads | None:
        """The member's reads, the first time they are asked for; None after (and for a
        member not read)."""
        return self._reads.pop(member_id, None)


def years_of(runtime: Runtime, folio: Folio) -> set[int]:
    """The qualification years a stay's credit may touch: its arrival's and its checkout's
    (the nights' years and the checkout's, where promotions add nights). A folio longer
    than that is refused when checked; until then it costs the checkout's year alone."""
    start_month = runtime.rules_on(folio.checkout).qualification.year_start_month
    first = qualification_year(folio.arrival, start_month)
    last = qualification_year(folio.checkout, start_month)
    return {first, last} if 0 <= last - first <= 1 else {last}


# Members' standings in promotions and entries in sweepstakes, read together: the rows of
# promotions.STANDING_ROWS and of sweepstakes.ENTRIES_HELD (padded to the same columns),
# each with what it is as its last column.
_HELD = ENTRIES_HELD.subquery("held")  # member_id, code, entries
_COUNTERS: CompoundSelect[Any] = union_all(
    *(rows.add_columns(literal_column("'P'")) for rows in STANDING_ROWS),
    select(
        _HELD.c[0],
        _HELD.c[1],
        null(),
        _HELD.c[2],
        literal_column("0"),
        literal_column("0"),
        literal_column("'S'"),
    ),
)


async def standings_and_entries(
    session: AsyncSession,
    members: Collection[Member],
    promotions: Collection[str],
    sweepstakes: Collection[str],
) -> tuple[dict[int, dict[str, Standing]], dict[int, dict[str, int]]]:
    """Each member's standing in each promotion of ``promotions`` and entries held in each
    sweepstakes of ``sweepstakes``, in one statement (none when there are neither)."""
    standings = blank_standings(members, promotions)
    held = blank_entries(standings, sweepstakes)
    if not standings or not (promotions or sweepstakes):
        return standings, held
    rows = await session.execute(
        _COUNTERS,
        {
            "member_ids": sorted(standings),
            "codes": sorted(set(promotions)),
            "sweepstakes_codes": sorted(set(sweepstakes)),
        },
    )
    for row in rows:
        if row[-1] == "P":
            add_standing_row(standings, tuple(row))
        else:
            held[row[0]][row[1]] = int(row[3] or 0)
    return standings, held


async def read_members(
    session: AsyncSession,
    runtime: Runtime,
    firsts: Collection[tuple[Member, Folio]],
) -> CreditReads:
    """The reads of the members of ``firsts``, each with the folio of their first stay in
    the batch (which says the years, promotions and sweepstakes to read): five statements
    at most, whatever the number of members; none without members."""
    if not firsts:
        return CreditReads()
    members = {member.id: member for member, _ in firsts}
    ids = sorted(members)
    checkouts = {folio.checkout for _, folio in firsts}
    years = {member.id: years_of(runtime, folio) for member, folio in firsts}
    promotions = sorted({p.code for day in checkouts for p in running_on(runtime, day)})
    sweepstakes = sorted({code for day in checkouts for code in open_codes(runtime, day)})

    states = await crediting_state_by_member(session, years)
    standings, held = await standings_and_entries(
        session, members.values(), promotions, sweepstakes
    )
    histories = await stay_histories(session, runtime, ids)
    withdrawn = await consents_withdrawn(
        session, [member.id for member in members.values() if may_be_mailed(member)]
    )
    return CreditReads(
        {
            member_id: MemberReads(
                status_rows=states[member_id].periods,
                totals=states[member_id].totals,
                referral=states[member_id].referral,
                standings=standings[member_id],
                entries_held=held[member_id],
                history=histories.get(member_id),
                mail_withdrawn=member_id in withdrawn,
            )
            for member_id in ids
        }
    )
