"""After-stay surveys: the guest's open invitations, their answer, and the properties'
Net Promoter Scores for the front desk and the brand's analysts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from staytier.api.graphql.complaints import OwnPropertyIfNamed
from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import attempt_own
from staytier.api.graphql.permissions import RolePermission
from staytier.api.graphql.queries import load_guest
from staytier.api.graphql.types import Guest
from staytier.clock import local_date
from staytier.domain.access import Role
from staytier.domain.errors import ErrorCode
from staytier.domain.surveys import Answer
from staytier.program.engagement import SurveyQuestion as QuestionRule
from staytier.services import surveys
from staytier.store import models


class SurveyReaders(RolePermission):
    """Survey scores: a property's front desk (its own, see OwnPropertyIfNamed), analysts,
    admins."""

    roles = (Role.ADMIN, Role.ANALYST, Role.FRONT_DESK)


class SignedInGuest(RolePermission):
    roles = (Role.GUEST,)


@strawberry.type
class SurveyQuestion:
    code: str
    text: str
    kind: str = strawberry.field(description="NPS or SCORE (answered 0-10), or TEXT.")
    required: bool
    points: int

    @classmethod
    def of(cls, rule: QuestionRule) -> SurveyQuestion:
        return copy_fields(cls, rule)


@strawberry.type(description="A stay's survey the guest is invited to answer.")
class SurveyInvitation:
    number: int = strawberry.field(description="Give this as surveyNumber to answer it.")
    property_code: str
    property_name: str
    confirmation_number: str
    invited_on: dt.date
    closes_on: dt.date = strawberry.field(description="The last day to answer (guest's date).")
    state: str = strawberry.field(description="OPEN, ANSWERED or CLOSED.")
    points: int = strawberry.field(description="Points credited for the answer.")
    questions: list[SurveyQuestion]


@strawberry.input
class SurveyAnswerInput:
    question: str
    score: int | None = strawberry.field(default=None, description="0-10 for NPS and SCORE.")
    text: str | None = strawberry.field(default=None, description="For a TEXT question.")


@strawberry.input
class AnswerSurveyInput:
    idempotency_key: str
    survey_number: int
    answers: list[SurveyAnswerInput]


@strawberry.type
class AnswerSurveyPayload:
    survey: SurveyInvitation | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A property's survey answers and Net Promoter Score.")
class PropertySurveyScore:
    property_code: str
    property_name: str
    invited: int
    answered: int
    promoters: int
    passives: int
    detractors: int
    nps: Decimal | None = strawberry.field(
        description="% promoters (9-10) minus % detractors (0-6); null without answers."
    )


def invitation_of(
    context: Context, row: models.SurveyInvitation, stay: models.Stay, hotel: models.Property
) -> SurveyInvitation:
    rules = context.runtime.rules_on(row.invited_on).surveys
    return copy_fields(
        SurveyInvitation,
        row,
        number=row.id,
        property_code=hotel.code,
        property_name=hotel.name,
        confirmation_number=stay.confirmation_number,
        questions=[SurveyQuestion.of(q) for q in rules.questions],
    )


async def open_surveys_of(context: Context, member: models.Member) -> list[SurveyInvitation]:
    today = local_date(context.runtime.clock, member.time_zone)
    async with context.runtime.db.reading() as session:
        rows = await surveys.open_surveys(session, member.id, today)
    return [invitation_of(context, *row) for row in rows]


@strawberry.type
class SurveysQuery:
    @strawberry.field(
        description="Per property: surveys sent for checkouts from `from` through `to`, "
        "answers, and the Net Promoter Score. A front desk names its own property.",
        permission_classes=[SurveyReaders, OwnPropertyIfNamed],
    )
    async def survey_scores(
        self,
        info: Info[Context, None],
        from_: Annotated[dt.date, strawberry.argument(name="from")],
        to: dt.date,
        property_code: str | None = None,
    ) -> list[PropertySurveyScore]:
        principal = info.context.principal
        codes = None if property_code is None else frozenset({property_code.strip().upper()})
        if principal.role is Role.FRONT_DESK:
            codes = (codes or principal.property_codes) & principal.property_codes
        async with info.context.runtime.db.reading() as session:
            found = await surveys.survey_scores(session, start=from_, end=to, property_codes=codes)
        return [
            copy_fields(
                PropertySurveyScore,
                s,
                promoters=s.nps.promoters,
                passives=s.nps.passives,
                detractors=s.nps.detractors,
                nps=s.nps.score,
            )
            for s in found
        ]


@strawberry.type
class SurveysMutation:
    @strawberry.mutation(
        description="The signed-in guest answers a survey of theirs within its window; the "
        "program's points are credited once.",
        permission_classes=[SignedInGuest],
    )
    async def answer_survey(
        self, info: Info[Context, None], input: AnswerSurveyInput
    ) -> AnswerSurveyPayload:
        context = info.context
        command = surveys.AnswerSurvey(
            idempotency_key=input.idempotency_key,
            survey_number=input.survey_number,
            answers=tuple(
                Answer(a.question.strip().upper(), a.score, a.text) for a in input.answers
            ),
        )
        # A client signed in as no member has no survey to answer.
        no_survey = UserError(code=ErrorCode.SURVEY_NOT_FOUND, field="surveyNumber", message="")
        result, errors = await attempt_own(context, surveys.answer_survey, command, no_survey)
        if result is None:
            return AnswerSurveyPayload(user_errors=errors)
        return AnswerSurveyPayload(
            survey=invitation_of(context, result.invitation, result.stay, result.hotel),
            guest=await load_guest(context, result.member_id),
        )
