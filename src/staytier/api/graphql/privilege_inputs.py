"""Inputs of the privilege and redemption mutations (see :mod:`api.graphql.privileges`)."""

from __future__ import annotations

import datetime as dt

import strawberry

from staytier.api.graphql.guest_approvals import APPROVAL_HELP
from staytier.api.graphql.mutations import MemberRequestInput


@strawberry.input
class RedeemAwardStayInput(MemberRequestInput):
    property_code: str
    arrival_date: dt.date
    departure_date: dt.date
    guest_approval: str | None = strawberry.field(default=None, description=APPROVAL_HELP)


@strawberry.input
class CancelAwardStayInput(MemberRequestInput):
    property_code: str
    confirmation_number: str
    reason: str = "cancelled by the guest"


@strawberry.input
class RedeemCertificateInput(MemberRequestInput):
    certificate_id: int = strawberry.field(description="The certificate's number.")
    property_code: str
    arrival_date: dt.date = strawberry.field(description="The one night it pays for.")
    guest_approval: str | None = strawberry.field(default=None, description=APPROVAL_HELP)


@strawberry.input
class ChooseWelcomeGiftInput(MemberRequestInput):
    property_code: str
    confirmation_number: str
    option: str = strawberry.field(description="One of the benefit's options, e.g. POINTS.")


@strawberry.input
class ChooseAnnualChoiceBenefitInput(MemberRequestInput):
    option: str = strawberry.field(description="e.g. SUITE_NIGHT_UPGRADES or GIFT.")


@strawberry.input
class RecordBenefitUsageInput(MemberRequestInput):
    benefit_code: str = strawberry.field(description="e.g. LATE_CHECKOUT, LOUNGE_ACCESS.")
    property_code: str
    confirmation_number: str


@strawberry.input
class PostGoodwillPointsInput(MemberRequestInput):
    points: int
    reason_code: str = strawberry.field(description="One of the program's goodwill reasons.")
    author: str = strawberry.field(description="Who gives the points (staff name or id).")
    note: str = ""


@strawberry.input
class PostPointsAdjustmentInput(MemberRequestInput):
    points: int = strawberry.field(description="Positive or negative; never below zero.")
    reason: str
    author: str
