"""Spending needs the guest: ``requestGuestApproval``, and who counts as spending for a
guest (see :mod:`staytier.domain.guest_approvals`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError, user_errors
from staytier.api.graphql.permissions import FORBIDDEN, MemberScoped, RolePermission
from staytier.domain.access import Principal, Role
from staytier.domain.errors import BusinessRuleError
from staytier.domain.guest_approvals import Spender, SpendingOperation, terms_asked
from staytier.services import guest_approvals

SpendingOperationType = strawberry.enum(SpendingOperation, name="SpendingOperation")

# The ``guestApproval`` field of every input that spends a member's points.
APPROVAL_HELP = (
    "The guest's approval code (requestGuestApproval); required when staff spend for the "
    "guest, ignored for the signed-in guest."
)


def spender_of(principal: Principal) -> Spender:
    """The signed-in guest spends their own; an admin keeps its powers (audited); anyone
    else acts for the guest and needs the guest's approval code."""
    if principal.role is Role.GUEST:
        return Spender.MEMBER
    if principal.role is Role.ADMIN:
        return Spender.ADMIN
    return Spender.STAFF


def code_of(text: str | None) -> str | None:
    return text.strip().upper() if text and text.strip() else None


class ApprovalRequesters(RolePermission):
    """The guest (the code is shown to them), a front desk or an admin (it is mailed to
    the guest)."""

    roles = (Role.ADMIN, Role.FRONT_DESK, Role.GUEST)


class OwnPropertyIfNamed(BasePermission):
    """A front desk names only its own properties; a request without one passes."""

    message = "Not allowed."
    error_extensions = FORBIDDEN

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        code = code_of(getattr(kwargs.get("input"), "property_code", None))
        return (
            principal.role is not Role.FRONT_DESK
            or code is None
            or (code in principal.property_codes)
        )


@strawberry.input
class RequestGuestApprovalInput:
    member_number: str
    operation: SpendingOperation
    points: int = strawberry.field(
        default=0, description="The points to spend (award stay, donation, miles)."
    )
    property_code: str | None = strawberry.field(
        default=None, description="Where (award stay, certificate)."
    )
    certificate_id: int | None = strawberry.field(default=None, description="Certificate.")
    charity: str | None = strawberry.field(default=None, description="Donation.")
    airline: str | None = strawberry.field(default=None, description="Miles transfer.")
    frequent_flyer_number: str | None = strawberry.field(
        default=None, description="Miles transfer."
    )
    promotion_code: str | None = strawberry.field(
        default=None, description="Registering for a promotion (operation PROMOTION)."
    )


@strawberry.type(description="One spending a guest approves, as the code is bound to it.")
class GuestApproval:
    operation: SpendingOperation
    points: int
    property_code: str | None
    recipient: str | None = strawberry.field(
        description="The certificate, charity, or airline and frequent-flyer number."
    )
    expires_at: dt.datetime


@strawberry.type
class RequestGuestApprovalPayload:
    approval: GuestApproval | None = None
    code: str | None = strawberry.field(
        default=None,
        description="The code, for the signed-in guest to give the desk; null when staff "
        "asked (it was mailed to the guest).",
    )
    mailed: bool = strawberry.field(
        default=False, description="Whether the code was sent to the guest's email."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GuestApprovalMutation:
    @strawberry.mutation(
        description="A short-lived, single-use code approving one spending of a guest's "
        "points: shown to the signed-in guest, or mailed to the guest when staff ask.",
        extensions=[MemberScoped(ApprovalRequesters, OwnPropertyIfNamed)],
    )
    async def request_guest_approval(
        self, info: Info[Context, None], input: RequestGuestApprovalInput
    ) -> RequestGuestApprovalPayload:
        context = info.context
        try:
            terms = terms_asked(
                SpendingOperation(input.operation.value),
                points=input.points,
                property_code=code_of(input.property_code),
                certificate_id=input.certificate_id,
                charity=code_of(input.charity),
                airline=code_of(input.airline),
                frequent_flyer_number=code_of(input.frequent_flyer_number),
                promotion_code=code_of(input.promotion_code),
            )
            issued = await guest_approvals.request_approval(
                context.runtime,
                input.member_number.strip(),
                terms,
                spender=spender_of(context.principal),
            )
        except BusinessRuleError as refused:
            return RequestGuestApprovalPayload(user_errors=user_errors(refused))
        return RequestGuestApprovalPayload(
            approval=copy_fields(GuestApproval, issued.terms, expires_at=issued.expires_at),
            code=issued.code,
            mailed=issued.mailed,
        )
