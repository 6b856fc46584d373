"""What crediting a stay reads about its member, read for a batch's members at once.

Crediting a newly completed stay reads seven things about its member, inside the member's
lock: their held status rows with the year's totals, their referral, their standings in the
promotions running at checkout, their entries in the sweepstakes open that day, their
last completed stays with the preferences those may infer, and, for a guest with an address
to mail, whether they withdrew consent to the survey invitation's mail. :func:`read_for_batch` reads
each of them in one statement for all the members of a batch (see
:mod:`staytier.services.bulk_stays`), after the batch has locked them.

A member's reads describe them as they were before the batch, so they serve that member's
first stay of the batch only: :meth:`CreditReads.take` hands them out once, whether that
stay is then credited, refused or rolled back to its savepoint, and every later stay of the
member reads as :func:`~staytier.services.stays.record_stay` does, since the first one
changed what they say. Another member's stay does not change them: a friend's first stay
rewards the referrer with a credit that has no qualifying nights (no totals, status,
sweepstakes entries or promotions of the referrer's change), and the referrer's count of
rewarded referrals is read in that stay, not here. (Stays go in member id order, and a
referrer enrolled before their friend, so the referrer's own first stay comes first anyway.)

The reads are used only by a stay newly COMPLETED (reported completed for the first time,
booked before or not); a correction of a completed stay reverses its credit first, and a
booking or a cancellation credits nothing, so those read as the single path does (see
:func:`~staytier.services.stays.settle_report`). Nothing here locks: none of these reads
locks in the single path either, and the members are locked by the batch beforehand.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.calendar import qualification_year
from staytier.domain.promotions import Standing
from staytier.domain.stays import Folio
from staytier.domain.tiers import YearTotals
from staytier.services.guest_mail import consents_withdrawn, may_be_mailed
from staytier.services.inference import StayHistory, stay_histories
from staytier.services.promotions import running_on, standings_by_member
from staytier.services.referrals import referrals_of_friends
from staytier.services.runtime import Runtime
from staytier.services.sweepstakes import entries_held_by_member, open_codes
from staytier.store.models import Member, Referral, StatusPeriod
from staytier.store.queries import periods_and_year_totals_by_member


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


async def read_for_batch(
    session: AsyncSession,
    runtime: Runtime,
    firsts: Collection[tuple[Member, Folio]],
) -> CreditReads:
    """The reads of the members of ``firsts``, each with the folio of their first stay in
    the batch (which says the years, promotions and sweepstakes to read): seven statements
    at most, whatever the number of members; none without members."""
    if not firsts:
        return CreditReads()
    members = {member.id: member for member, _ in firsts}
    ids = sorted(members)
    checkouts = {folio.checkout for _, folio in firsts}
    years = {member.id: years_of(runtime, folio) for member, folio in firsts}
    promotions = sorted({p.code for day in checkouts for p in running_on(runtime, day)})
    sweepstakes = sorted({code for day in checkouts for code in open_codes(runtime, day)})

    periods = await periods_and_year_totals_by_member(session, years)
    referrals = await referrals_of_friends(session, ids)
    standings = await standings_by_member(session, list(members.values()), promotions)
    held = await entries_held_by_member(session, ids, sweepstakes)
    histories = await stay_histories(session, runtime, ids)
    withdrawn = await consents_withdrawn(
        session, [member.id for member in members.values() if may_be_mailed(member)]
    )
    return CreditReads(
        {
            member_id: MemberReads(
                status_rows=periods[member_id][0],
                totals=periods[member_id][1],
                referral=referrals[member_id],
                standings=standings[member_id],
                entries_held=held[member_id],
                history=histories.get(member_id),
                mail_withdrawn=member_id in withdrawn,
            )
            for member_id in ids
        }
    )
