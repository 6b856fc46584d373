"""Free-night certificates: issued when a credit takes a year's nights across a milestone,
expired by a date-bound job the day after their last valid day.

A certificate is issued once per member, year and milestone (a unique key), so a stay that is
reversed and credited again does not issue a second one; a reversal that takes the nights back
under the milestone leaves an issued certificate in place, as the guest was told of it.
A certificate given otherwise (a sweepstakes prize, a complaint's goodwill) is keyed by what
gave it, so a retried draw or resolution finds the one it issued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.domain.awards import certificate_expires_on, milestones_crossed
from staytier.domain.errors import NotDueYet
from staytier.domain.tiers import YearTotals
from staytier.program.engagement import CertificateAward
from staytier.services.job_runs import days_due, run_daily_job
from staytier.services.runtime import Runtime
from staytier.store.deferred import ensure_id
from staytier.store.models import Certificate, Member
from staytier.store.queries import rows_changed

JOB = "expire-certificates"
ISSUED, USED, EXPIRED = "ISSUED", "USED", "EXPIRED"
# A promotion's certificate whose stay was reversed before it was used.
CANCELLED = "CANCELLED"
MILESTONE, SWEEPSTAKES, GOODWILL = "MILESTONE", "SWEEPSTAKES", "GOODWILL"
PROMOTION = "PROMOTION"
ONE_DAY = dt.timedelta(days=1)


async def issue_milestone_certificates(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    *,
    years: dict[int, YearTotals],
    totals: dict[int, YearTotals],
    on: dt.date,
    credit_id: int,
) -> list[Certificate]:
    """Issues a certificate for each milestone the credit just posted (``years``) crossed;
    ``totals`` are each year's totals with that credit in them."""
    issued: list[Certificate] = []
    for year, added in years.items():
        milestones = runtime.rules_judging(year, on).milestones
        if added.nights <= 0 or not milestones:
            continue
        after = totals[year].nights
        for milestone in milestones_crossed(milestones, after - added.nights, after):
            exists = await session.scalar(
                select(Certificate.id).where(
                    Certificate.member_id == member.id,
                    Certificate.qualification_year == year,
                    Certificate.milestone_nights == milestone.nights,
                )
            )
            if exists is not None:
                continue
            certificate = Certificate(
                member_id=member.id,
                qualification_year=year,
                milestone_nights=milestone.nights,
                max_category=milestone.max_category,
                description=milestone.description or f"{milestone.nights} nights in {year}",
                issued_on=on,
                expires_on=certificate_expires_on(on, milestone),
                status=ISSUED,
                credit_id=credit_id,
                created_at=runtime.now(),
            )
            session.add(certificate)
            issued.append(certificate)
    return issued


async def award_certificate(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    award: CertificateAward,
    *,
    source: str,
    source_key: str,
    on: dt.date,
    description: str,
    allowance_points: int = 0,
) -> Certificate:
    """Issues the certificate ``award`` describes, keyed by ``source_key``; where that key
    already issued one, returns it instead (a retry issues nothing twice)."""
    found = await session.scalar(select(Certificate).where(Certificate.source_key == source_key))
    if found is not None:
        return found
    certificate = Certificate(
        member_id=member.id,
        qualification_year=on.year,
        milestone_nights=None,
        source=source,
        source_key=source_key,
        allowance_points=allowance_points,
        max_category=award.max_category,
        description=award.description or description,
        issued_on=on,
        expires_on=certificate_expires_on(on, award),
        status=ISSUED,
        created_at=runtime.now(),
    )
    session.add(certificate)
    await ensure_id(session, certificate)
    return certificate


@dataclass(frozen=True)
class CertificateExpirySummary:
    certificates_expired: int = 0
    already_ran: bool = False


async def expiry_days_due(runtime: Runtime, after: dt.date, until: dt.date) -> list[dt.date]:
    """The days in ``(after, until]`` on which some issued certificate is first expired
    (the day after its last valid day)."""
    return await days_due(
        runtime, Certificate.expires_on, Certificate.status == ISSUED, after, until, lag=ONE_DAY
    )


async def expire_certificates(runtime: Runtime, as_of: dt.date) -> CertificateExpirySummary:
    """Marks EXPIRED every issued certificate whose last valid day is before ``as_of``;
    recorded as a job run keyed by the date, so it runs once per day."""
    if as_of > runtime.today():
        raise NotDueYet(f"Certificates cannot be expired as of {as_of}, a day still to come.")

    async def expire(session: AsyncSession) -> CertificateExpirySummary:
        expired = await rows_changed(
            session,
            update(Certificate)
            .where(Certificate.status == ISSUED, Certificate.expires_on < as_of)
            .values(status=EXPIRED, settled_at=runtime.now()),
        )
        return CertificateExpirySummary(certificates_expired=expired)

    return await run_daily_job(
        runtime, job=JOB, day=as_of, work=expire, earlier_run=CertificateExpirySummary
    )
