"""After-stay surveys: checking a guest's answers against the program's questions, the
reward they earn, and the Net Promoter Score of a set of answers. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput
from staytier.program.engagement import SurveyRules

SCORE_RANGE = range(0, 11)
TEXT_LIMIT = 1000
PROMOTER, DETRACTOR = 9, 6  # NPS: 9-10 promote, 0-6 detract, 7-8 are passive


@dataclass(frozen=True)
class Answer:
    question: str
    score: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class CheckedAnswers:
    """Answers as kept: question code → score or text; the NPS score; the points earned."""

    values: dict[str, int | str]
    nps_score: int | None
    points: int


def closes_on(rules: SurveyRules, checkout: dt.date) -> dt.date:
    """The last day (the guest's local date) the survey of a stay may be answered."""
    return checkout + dt.timedelta(days=rules.window_days)


def check_answers(rules: SurveyRules, answers: list[Answer]) -> CheckedAnswers:
    """The answers as kept, or INVALID_ANSWER for each mistake (``answers[i]``, or
    ``answers`` for a required question left out)."""
    mistakes: list[BusinessRuleError] = []
    values: dict[str, int | str] = {}
    points = 0
    nps: int | None = None
    for index, answer in enumerate(answers):
        field = f"answers[{index}]"
        question = rules.question(answer.question)
        if question is None or answer.question in values:
            reason = "is not a question" if question is None else "is answered twice"
            mistakes.append(
                BusinessRuleError(
                    ErrorCode.INVALID_ANSWER, f"{answer.question!r} {reason} of the survey.", field
                )
            )
            continue
        if question.kind == "TEXT":
            text = (answer.text or "").strip()
            if not text or len(text) > TEXT_LIMIT or answer.score is not None:
                mistakes.append(
                    BusinessRuleError(
                        ErrorCode.INVALID_ANSWER,
                        f"{question.code} takes a text of 1 to {TEXT_LIMIT} characters.",
                        field,
                    )
                )
                continue
            values[question.code] = text
        else:
            if answer.score not in SCORE_RANGE or answer.text is not None:
                mistakes.append(
                    BusinessRuleError(
                        ErrorCode.INVALID_ANSWER, f"{question.code} takes a score 0 to 10.", field
                    )
                )
                continue
            assert answer.score is not None
            values[question.code] = answer.score
            if question.kind == "NPS":
                nps = answer.score
        points += question.points
    missing = [q.code for q in rules.questions if q.required and q.code not in values]
    if missing and not mistakes:
        mistakes.append(
            BusinessRuleError(
                ErrorCode.INVALID_ANSWER, f"Answer {', '.join(missing)} too.", "answers"
            )
        )
    if mistakes:
        raise InvalidInput(mistakes)
    return CheckedAnswers(values, nps, points)


@dataclass(frozen=True)
class NetPromoterScore:
    """Promoters, passives and detractors among ``responses``, and the score: the percent of
    promoters minus the percent of detractors (-100 to 100), to one decimal."""

    responses: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> Decimal | None:
        if not self.responses:
            return None
        raw = Decimal(100 * (self.promoters - self.detractors)) / Decimal(self.responses)
        return raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)


def net_promoter_score(scores: list[int]) -> NetPromoterScore:
    """The NPS of a set of 0-10 answers."""
    promoters = sum(1 for s in scores if s >= PROMOTER)
    detractors = sum(1 for s in scores if s <= DETRACTOR)
    return NetPromoterScore(
        len(scores), promoters, len(scores) - promoters - detractors, detractors
    )
