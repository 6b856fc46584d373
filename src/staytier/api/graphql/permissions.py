"""Who may call what: Strawberry permission classes, declared on every root field and on the
fields of a guest that not every role may read.

Roles decide which fields a client may call; :mod:`staytier.services.visibility` decides which
members it may see through them. A refusal is the error ``Not allowed.`` with the extension
``code: FORBIDDEN``; it never depends on whether a member exists. A member out of sight is
answered like an unknown one (``null``, or ``MEMBER_NOT_FOUND``), not refused.

Default deny: :func:`deny_unannotated` gives any root field declared without a permission
class the :class:`Unannotated` one (admin only), and a test fails while one exists.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.extensions.field_extension import AsyncExtensionResolver
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info
from strawberry.types.base import get_object_definition
from strawberry.utils.await_maybe import await_maybe

from staytier.api.graphql.errors import UserError
from staytier.domain.access import MEMBER_READERS, STAFF, Role
from staytier.domain.errors import ErrorCode
from staytier.services.visibility import can_see_member
from staytier.store.queries import member_by_number

FORBIDDEN = {"code": "FORBIDDEN"}


class RolePermission(BasePermission):
    """Allows the principals holding one of :attr:`roles`."""

    roles: ClassVar[tuple[Role, ...]] = ()
    message = "Not allowed."
    error_extensions = FORBIDDEN

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return bool(info.context.principal.has_role(*self.roles))


class Public(BasePermission):
    """Anyone, signed in or not: only guest sign-in."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return True


class Authenticated(RolePermission):
    """Any client or signed-in guest: program rules, properties, the clock."""

    roles = tuple(Role)


class AdminOnly(RolePermission):
    roles = (Role.ADMIN,)


class MemberReaders(RolePermission):
    """Those who may look members up (each sees only the members in its scope)."""

    roles = MEMBER_READERS


class ServiceReaders(RolePermission):
    """Contact details and preferences: the staff who serve a guest, and the guest; never a
    partner or an analyst."""

    roles = (*STAFF, Role.GUEST)


class ContactReaders(RolePermission):
    """Contact details: the guest and the brand's operators. Serving a stay does not need
    them (the property has the guest in front of it), so a front desk never reads them."""

    roles = (Role.ADMIN, Role.GUEST)


class HistoryReaders(RolePermission):
    """The member's whole history (ledger, tier history, spending, requests to partners,
    consent and profile history, guarantees anywhere): the guest and the brand's
    operators; serving one stay does not need it."""

    roles = (Role.ADMIN, Role.GUEST)


class StaffOnly(RolePermission):
    """The brand's staff: staff notes, arrivals."""

    roles = STAFF


class Enrolling(RolePermission):
    roles = (Role.ADMIN, Role.FRONT_DESK, Role.BOOKING_PARTNER)


class StayRecorders(RolePermission):
    """A property's front desk (its PMS), a booking partner, an admin."""

    roles = (Role.ADMIN, Role.FRONT_DESK, Role.BOOKING_PARTNER)


class ActivityRecorders(RolePermission):
    roles = (Role.ADMIN, Role.BOOKING_PARTNER)


class DataExporters(RolePermission):
    """A guest's own data export, or an admin answering a guest's request."""

    roles = (Role.ADMIN, Role.GUEST)


class OwnProperty(BasePermission):
    """A front desk acts only at its own properties: the ``propertyCode`` argument, or the
    input's, must be one of them. Other roles pass (their role permission decides)."""

    message = "Not allowed."
    error_extensions = FORBIDDEN

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal.role is not Role.FRONT_DESK:
            return True
        code = kwargs.get("property_code")
        if code is None and "input" in kwargs:
            code = getattr(kwargs["input"], "property_code", None)
        return isinstance(code, str) and code.strip().upper() in principal.property_codes


class ProfileEditors(RolePermission):
    """Preferences, consent and special dates: the staff who serve the guest, the guest."""

    roles = (*STAFF, Role.GUEST)


class SpeaksForItself(BasePermission):
    """A guest states their own profile (``source: GUEST``, no property); a front desk
    names only its own properties. Other roles pass."""

    message = "Not allowed."
    error_extensions = FORBIDDEN

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        given = kwargs.get("input")
        code = getattr(given, "property_code", None)
        if principal.role is Role.GUEST:
            stated = getattr(getattr(given, "source", None), "value", "GUEST")
            return stated == "GUEST" and not code
        if principal.role is Role.FRONT_DESK and code:
            return bool(code.strip().upper() in principal.property_codes)
        return True


class MemberInSight(BasePermission):
    """The member the input names must be one the principal may see (see
    :mod:`staytier.services.visibility`). A refusal is the payload a number nobody holds
    gets: ``MEMBER_NOT_FOUND`` on ``memberNumber`` (see :class:`MemberScoped`)."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal.role is Role.ADMIN:
            return True
        number = _member_number(kwargs)
        if number is None:
            return False
        async with info.context.runtime.db.reading() as session:
            member = await member_by_number(session, number)
            # Nobody holds the number: the service answers MEMBER_NOT_FOUND itself.
            return member is None or await can_see_member(
                session, info.context.runtime, principal, member.id
            )


def _member_number(kwargs: dict[str, Any]) -> str | None:
    number = kwargs.get("member_number", getattr(kwargs.get("input"), "member_number", None))
    return number.strip() if isinstance(number, str) else None


class MemberScoped(PermissionExtension):
    """Checks its permissions in order; a refusal by :class:`MemberInSight` answers with
    the mutation's payload carrying ``MEMBER_NOT_FOUND``, exactly as for an unknown member,
    and any other refusal raises as usual."""

    def __init__(self, *permissions: type[BasePermission]) -> None:
        checks: tuple[type[BasePermission], ...] = (*permissions, MemberInSight)
        super().__init__([check() for check in checks], use_directives=False)

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        for permission in self.permissions:
            if await await_maybe(permission.has_permission(source, info, **kwargs)) is True:
                continue
            if isinstance(permission, MemberInSight):
                payload = self.field.type
                number = _member_number(kwargs)
                return payload(
                    user_errors=[
                        UserError(
                            code=ErrorCode.MEMBER_NOT_FOUND,
                            field="memberNumber",
                            message=f"No member {number}.",
                        )
                    ]
                )
            return self._on_unauthorized(permission)
        return await next_(source, info, **kwargs)

    def apply(self, field: Any) -> None:
        super().apply(field)
        self.field = field


class Unannotated(AdminOnly):
    """Given to a root field declared without a permission class: admin only, until the
    field says who may call it."""


def _guarded(field: Any) -> bool:
    return any(isinstance(extension, PermissionExtension) for extension in field.extensions)


def _declared(field: Any) -> bool:
    return any(
        isinstance(extension, PermissionExtension)
        and not all(isinstance(p, Unannotated) for p in extension.permissions)
        for extension in field.extensions
    )


def unguarded_fields(*roots: type) -> list[str]:
    """``Type.field`` for each root field declared without a permission class."""
    return [
        f"{definition.name}.{field.name}"
        for definition in (get_object_definition(root, strict=True) for root in roots)
        for field in definition.fields
        if not _declared(field)
    ]


def deny_unannotated(*roots: type) -> None:
    """Default deny: a root field without a permission class becomes admin only."""
    for root in roots:
        for field in get_object_definition(root, strict=True).fields:
            if not _guarded(field):
                field.extensions.append(PermissionExtension([Unannotated()], use_directives=False))
