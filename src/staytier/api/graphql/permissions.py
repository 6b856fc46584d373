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

from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from staytier.domain.access import MEMBER_READERS, STAFF, Role

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
        f"{root.__strawberry_definition__.name}.{field.name}"  # type: ignore[attr-defined]
        for root in roots
        for field in root.__strawberry_definition__.fields  # type: ignore[attr-defined]
        if not _declared(field)
    ]


def deny_unannotated(*roots: type) -> None:
    """Default deny: a root field without a permission class becomes admin only."""
    for root in roots:
        for field in root.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            if not _guarded(field):
                field.extensions.append(PermissionExtension([Unannotated()], use_directives=False))
