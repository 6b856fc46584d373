"""Service recovery: logging and resolving complaints, and the property's list of them.

Complaint text is personal data, visible only to the property's own staff and to
administrators: the fields below are for staff, and a front desk's reads are limited to
its own properties. An arrival shows only a complaint's category (see front_desk.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.copying import copy_fields
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.guest_types import Guest
from staytier.api.graphql.mutations import attempt, member_payload
from staytier.api.graphql.pagination import read_page
from staytier.api.graphql.permissions import OwnProperty, StaffOnly
from staytier.domain.access import Principal, Role
from staytier.domain.complaints import Severity
from staytier.services import complaints
from staytier.store import models

SeverityType = strawberry.enum(Severity, name="ComplaintSeverity")


def served_properties(principal: Principal) -> frozenset[str] | None:
    """The properties whose complaints ``principal`` may see and act on; ``None``: all."""
    return None if principal.role is Role.ADMIN else principal.property_codes


class OwnPropertyIfNamed(OwnProperty):
    """A front desk naming a property must name its own; naming none, it gets its own."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if kwargs.get("property_code") is None:
            return True
        return super().has_permission(source, info, **kwargs)


@strawberry.type(description="A complaint about a stay, owned until resolved.")
class Complaint(relay.Node):
    complaint_id: relay.NodeID[int]
    number: int = strawberry.field(description="Give this as complaintNumber to resolve it.")
    property_code: str
    confirmation_number: str
    member_number: str
    guest_name: str
    category: str
    severity: Severity
    description: str
    author: str
    owner: str
    logged_at: dt.datetime
    open: bool
    resolution: str | None
    resolved_by: str | None
    resolved_at: dt.datetime | None
    minutes_to_resolve: int | None = strawberry.field(
        description="From logging to resolution; null while open."
    )
    goodwill_points: int
    goodwill_benefit: str | None = strawberry.field(
        description="The recovery benefit granted with the resolution (a program code)."
    )
    goodwill_certificate_number: int | None = strawberry.field(
        description="The certificate the benefit issued, listed in guest { certificates }."
    )

    @classmethod
    def of(
        cls, row: models.Complaint, hotel: models.Property, stay: models.Stay, member: models.Member
    ) -> Complaint:
        minutes = None
        if row.resolved_at is not None:
            minutes = int((row.resolved_at - row.logged_at).total_seconds() // 60)
        return copy_fields(
            cls,
            row,
            complaint_id=row.id,
            number=row.id,
            property_code=hotel.code,
            confirmation_number=stay.confirmation_number,
            member_number=member.member_number,
            guest_name=f"{member.first_name} {member.last_name}",
            severity=Severity(row.severity),
            open=row.resolved_at is None,
            minutes_to_resolve=minutes,
            goodwill_certificate_number=row.goodwill_certificate_id,
        )


@strawberry.type(description="A complaint as an arrival shows it: its category only.")
class ArrivalComplaint:
    category: str
    open: bool = strawberry.field(description="False: resolved recently (program data).")


async def complaints_connection(
    context: Context,
    *,
    property_code: str | None,
    open_only: bool | None,
    first: int | None,
    after: str | None,
    member_id: int | None = None,
) -> relay.Connection[Complaint]:
    kind = "complaints" if member_id is None else f"complaints-{member_id}"
    return await read_page(
        context,
        kind,
        first,
        after,
        lambda s, p: complaints.complaints_page(
            s,
            properties=served_properties(context.principal),
            property_code=property_code,
            open_only=open_only,
            first=p.size,
            before_id=p.after,
            member_id=member_id,
        ),
        lambda r: r[0].id,
        lambda r: Complaint.of(*r),
    )


@strawberry.input
class LogComplaintInput:
    idempotency_key: str
    property_code: str
    confirmation_number: str
    category: str = strawberry.field(description="One of the program's complaint categories.")
    severity: Severity
    description: str
    author: str = strawberry.field(description="The staff member who took the complaint.")
    owner: str | None = strawberry.field(
        default=None, description="Who owns it until resolved; the author if unset."
    )


@strawberry.input
class ResolveComplaintInput:
    idempotency_key: str
    complaint_number: int
    resolution: str
    author: str = strawberry.field(description="The staff member who resolved it.")
    goodwill_points: int = strawberry.field(
        default=0, description="Goodwill credited with the resolution, within the allowance."
    )
    goodwill_reason_code: str | None = strawberry.field(
        default=None, description="A goodwill reason; the program's complaints default if unset."
    )
    goodwill_benefit: str | None = strawberry.field(
        default=None,
        description="A recovery benefit of the program (complaints.recovery_benefits), "
        "granted as a free-night certificate; counted at its allowancePoints against the "
        "role's and the guest's recognition allowance together with goodwillPoints.",
    )


@strawberry.type
class ComplaintPayload:
    complaint: Complaint | None = None
    guest: Guest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, result: complaints.ComplaintView, guest: Guest | None) -> ComplaintPayload:
        complaint = Complaint.of(result.complaint, result.property, result.stay, result.member)
        return cls(complaint=complaint, guest=guest)


@strawberry.type
class ComplaintsQuery:
    @strawberry.field(
        description="Complaints newest first: at the property given, else at every property "
        "the caller serves; `open` keeps the open (true) or resolved (false) ones.",
        permission_classes=[StaffOnly, OwnPropertyIfNamed],
    )
    async def complaints(
        self,
        info: Info[Context, None],
        property_code: str | None = None,
        open: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[Complaint]:
        code = property_code.strip().upper() if property_code else None
        return await complaints_connection(
            info.context, property_code=code, open_only=open, first=first, after=after
        )


@strawberry.type
class ComplaintsMutation:
    @strawberry.mutation(
        description="Logs a complaint against a stay at the caller's property.",
        permission_classes=[StaffOnly],
    )
    async def log_complaint(
        self, info: Info[Context, None], input: LogComplaintInput
    ) -> ComplaintPayload:
        context = info.context
        command = complaints.LogComplaint(
            idempotency_key=input.idempotency_key,
            property_code=input.property_code.strip().upper(),
            confirmation_number=input.confirmation_number.strip(),
            category=input.category.strip().upper(),
            severity=Severity(input.severity.value),
            description=input.description,
            author=input.author,
            owner=input.owner or "",
        )
        call = complaints.log_complaint(
            context.runtime,
            command,
            actor=context.principal.client_id,
            properties=served_properties(context.principal),
            scope=context.idempotency_scope,
        )
        return await member_payload(info, ComplaintPayload, attempt(call))

    @strawberry.mutation(
        description="Resolves a complaint, optionally with goodwill points and a recovery "
        "benefit within the role's allowance.",
        permission_classes=[StaffOnly],
    )
    async def resolve_complaint(
        self, info: Info[Context, None], input: ResolveComplaintInput
    ) -> ComplaintPayload:
        context = info.context
        command = complaints.ResolveComplaint(
            idempotency_key=input.idempotency_key,
            complaint_number=input.complaint_number,
            resolution=input.resolution,
            author=input.author,
            goodwill_points=input.goodwill_points,
            goodwill_reason_code=(input.goodwill_reason_code or "").strip().upper(),
            goodwill_benefit=(input.goodwill_benefit or "").strip().upper(),
        )
        role = context.principal.role.value if context.principal.role else ""
        call = complaints.resolve_complaint(
            context.runtime,
            command,
            role=role,
            properties=served_properties(context.principal),
            scope=context.idempotency_scope,
        )
        return await member_payload(info, ComplaintPayload, attempt(call))
