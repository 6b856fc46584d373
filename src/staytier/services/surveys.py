"""After-stay surveys: the invitation a completed stay creates, the guest's answer with its
reward, the per-property Net Promoter Score, and the job that closes lapsed invitations.

An invitation is written in the crediting transaction of the stay (one statement, ignored
when the stay already has one, so a corrected stay is not invited twice), with its mail to
the guest in the outbox (see :mod:`staytier.services.guest_mail`). The reward is a
BONUS entry posted with the answer, once per stay: the invitation row is locked and moves
from OPEN to ANSWERED in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from staytier.clock import local_date
from staytier.domain.errors import BusinessRuleError, ErrorCode
from staytier.domain.stays import StayStatus
from staytier.domain.surveys import (
    Answer,
    NetPromoterScore,
    check_answers,
    closes_on,
    net_promoter_score,
)
from staytier.program.engagement import SurveyRules
from staytier.services.guest_mail import SURVEY_INVITATION, enqueue_guest_mail
from staytier.services.idempotency import Result, run_command_once
from staytier.services.job_runs import days_due, run_daily_job
from staytier.services.ledger import post_bonus
from staytier.services.runtime import Runtime
from staytier.store.deferred import add_row_with_id, deferring
from staytier.store.models import Member, Property, Stay, SurveyInvitation
from staytier.store.queries import rows_changed

JOB = "survey-close"
OPEN, ANSWERED, CLOSED = "OPEN", "ANSWERED", "CLOSED"
# The close job runs (in UTC dates) two days after an invitation's last day: by then that
# day has ended in every time zone, so no guest still inside their window finds it closed.
CLOSE_AFTER = dt.timedelta(days=2)
COMPLETED = StayStatus.COMPLETED.value


async def invite_to_survey(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    stay: Stay,
    *,
    checkout: dt.date,
    never_invited: bool = False,
    mail_withdrawn: bool | None = None,
) -> None:
    """Invites the guest of a completed stay to the program's survey, once per stay; does
    nothing when the program in force at checkout asks no questions. ``never_invited``:
    the stay completes for the first time (a stay is invited only on completing, and never
    completes again once cancelled), so it has no invitation to collide with.
    ``mail_withdrawn``: whether the guest withdrew consent to the invitation's mail, when
    read already in this transaction (see :func:`guest_mail.enqueue_guest_mail`)."""
    rules = runtime.rules_on(checkout).surveys
    if not rules.questions:
        return
    last_day = closes_on(rules, checkout)
    # A stay reported after its window (a late folio) is invited closed, as the job would.
    state = CLOSED if last_day + CLOSE_AFTER <= runtime.today() else OPEN
    values = {
        "member_id": member.id,
        "stay_id": stay.id,
        "property_id": stay.property_id,
        "invited_on": checkout,
        "closes_on": last_day,
        "state": state,
        "answers": {},
        "points": 0,
        "created_at": runtime.now(),
    }
    invited: int | None
    if deferring(session) and never_invited:
        # The row joins the batch's one flush instead of an INSERT of its own, which would
        # flush everything the batch holds before it.
        invited = await add_row_with_id(session, SurveyInvitation, values)
    else:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(SurveyInvitation).values(**values)
        invited = await session.scalar(
            statement.on_conflict_do_nothing(index_elements=["stay_id"]).returning(
                SurveyInvitation.id
            )
        )
    if invited is not None and state == OPEN:
        await _mail_invitation(
            session, runtime, member, stay, invited, last_day, rules, mail_withdrawn
        )


async def _mail_invitation(
    session: AsyncSession,
    runtime: Runtime,
    member: Member,
    stay: Stay,
    invitation_id: int,
    last_day: dt.date,
    rules: SurveyRules,
    consent_withdrawn: bool | None,
) -> None:
    """The invitation's mail, through the outbox, once per invitation."""
    hotel = await session.get(Property, stay.property_id)
    await enqueue_guest_mail(
        session,
        runtime,
        member,
        template=SURVEY_INVITATION,
        key=f"survey:{invitation_id}",
        values={
            "property": hotel.name if hotel is not None else "",
            "survey_number": str(invitation_id),
            "closes_on": last_day.isoformat(),
            "points": str(sum(q.points for q in rules.questions)),
        },
        consent_withdrawn=consent_withdrawn,
    )


@dataclass(frozen=True)
class Answered:
    """An answered survey: the invitation as written, its stay and property, and the
    guest's member id."""

    invitation: SurveyInvitation
    stay: Stay
    hotel: Property
    member_id: int

    def receipt(self) -> Result:
        return {"survey_id": self.invitation.id, "member_id": self.member_id}

    @staticmethod
    async def replay(session: AsyncSession, receipt: Result) -> Answered:
        invitation = await session.get(SurveyInvitation, receipt["survey_id"])
        assert invitation is not None
        return await Answered.of(session, invitation, receipt["member_id"])

    @staticmethod
    async def of(session: AsyncSession, invitation: SurveyInvitation, member_id: int) -> Answered:
        stay = await session.get(Stay, invitation.stay_id)
        hotel = await session.get(Property, invitation.property_id)
        assert stay is not None and hotel is not None
        return Answered(invitation, stay, hotel, member_id)


@dataclass(frozen=True)
class AnswerSurvey:
    idempotency_key: str
    survey_number: int
    answers: tuple[Answer, ...]


async def answer_survey(
    runtime: Runtime, command: AnswerSurvey, *, member_id: int, scope: str = ""
) -> Answered:
    """The signed-in guest answers the survey of one of their stays within its window;
    the program's points are credited once."""

    async def work(session: AsyncSession) -> Answered:
        member = await session.get(Member, member_id, with_for_update=True)
        invitation = await session.get(
            SurveyInvitation, command.survey_number, with_for_update=True
        )
        if member is None or invitation is None or invitation.member_id != member_id:
            raise BusinessRuleError(
                ErrorCode.SURVEY_NOT_FOUND, f"No survey {command.survey_number}.", "surveyNumber"
            )
        if invitation.state == ANSWERED:
            raise BusinessRuleError(
                ErrorCode.SURVEY_ALREADY_ANSWERED,
                f"Survey {invitation.id} was answered on {invitation.answered_on}.",
                "surveyNumber",
            )
        today = local_date(runtime.clock, member.time_zone)
        if invitation.state == CLOSED or today > invitation.closes_on:
            raise BusinessRuleError(
                ErrorCode.SURVEY_CLOSED,
                f"Survey {invitation.id} could be answered through {invitation.closes_on}.",
                "surveyNumber",
            )
        rules = runtime.rules_on(invitation.invited_on).surveys
        checked = check_answers(rules, list(command.answers))
        answered = await Answered.of(session, invitation, member.id)
        if checked.points:
            entry = await post_bonus(
                session,
                runtime.clock,
                member,
                checked.points,
                description=f"Survey answered: stay at {answered.hotel.name}",
            )
            invitation.ledger_entry_id = entry.id
        invitation.state = ANSWERED
        invitation.answers = dict(checked.values)
        invitation.nps_score = checked.nps_score
        invitation.points = checked.points
        invitation.answered_on = today
        await session.flush()
        return answered

    return await run_command_once(runtime, Answered, "answerSurvey", command, work, scope=scope)


async def open_surveys(
    session: AsyncSession, member_id: int, today: dt.date
) -> list[tuple[SurveyInvitation, Stay, Property]]:
    """The member's invitations still open today, soonest closing first."""
    rows = await session.execute(
        select(SurveyInvitation, Stay, Property)
        .join(Stay, Stay.id == SurveyInvitation.stay_id)
        .join(Property, Property.id == SurveyInvitation.property_id)
        .where(
            SurveyInvitation.member_id == member_id,
            SurveyInvitation.state == OPEN,
            SurveyInvitation.closes_on >= today,
        )
        .order_by(SurveyInvitation.closes_on, SurveyInvitation.id)
    )
    return [(i, s, p) for i, s, p in rows]


@dataclass(frozen=True)
class PropertyScore:
    property_code: str
    property_name: str
    invited: int
    answered: int
    nps: NetPromoterScore


async def survey_scores(
    session: AsyncSession, *, start: dt.date, end: dt.date, property_codes: frozenset[str] | None
) -> list[PropertyScore]:
    """Per property, invitations sent from ``start`` through ``end`` (checkout dates), how
    many were answered, and the NPS of the answers; properties in code order."""
    query = (
        select(Property.code, Property.name, SurveyInvitation.state, SurveyInvitation.nps_score)
        .join(Property, Property.id == SurveyInvitation.property_id)
        .where(SurveyInvitation.invited_on >= start, SurveyInvitation.invited_on <= end)
    )
    if property_codes is not None:
        query = query.where(Property.code.in_(property_codes))
    names: dict[str, str] = {}
    invited: dict[str, int] = defaultdict(int)
    answered: dict[str, int] = defaultdict(int)
    scores: dict[str, list[int]] = defaultdict(list)
    for code, name, state, nps in await session.execute(query):
        names[code] = name
        invited[code] += 1
        if state == ANSWERED:
            answered[code] += 1
            if nps is not None:
                scores[code].append(nps)
    return [
        PropertyScore(
            code, names[code], invited[code], answered[code], net_promoter_score(scores[code])
        )
        for code in sorted(names)
    ]


# --- the job ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseSummary:
    surveys_closed: int = 0
    already_ran: bool = False


async def close_days_due(runtime: Runtime, after: dt.date, until: dt.date) -> list[dt.date]:
    """Days in ``(after, until]`` on which some open invitation falls to be closed."""
    open_invitation = SurveyInvitation.state == OPEN
    return await days_due(
        runtime, SurveyInvitation.closes_on, open_invitation, after, until, lag=CLOSE_AFTER
    )


async def close_surveys(runtime: Runtime, day: dt.date) -> CloseSummary:
    """Closes every open invitation whose last day was at least two days before ``day``.
    (Answering checks the window itself, in the guest's time zone; this settles the record
    and the report.)"""

    async def work(session: AsyncSession) -> CloseSummary:
        closed = await rows_changed(
            session,
            update(SurveyInvitation)
            .where(SurveyInvitation.state == OPEN, SurveyInvitation.closes_on <= day - CLOSE_AFTER)
            .values(state=CLOSED)
            .execution_options(synchronize_session=False),
        )
        return CloseSummary(surveys_closed=closed)

    return await run_daily_job(runtime, job=JOB, day=day, work=work, earlier_run=CloseSummary)
