"""Who is asking: the roles of the service and the principal a request acts as.

Pure data; deciding what a principal may see of a member is
:func:`staytier.services.visibility.can_see_member`, and the GraphQL permission classes in
``api/graphql/permissions.py`` declare which roles may call each field.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    """What a client does for the brand; each role sees what its job needs."""

    FRONT_DESK = "front_desk"
    BOOKING_PARTNER = "booking_partner"
    GUEST = "guest"
    ANALYST = "analyst"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """The client or guest a request acts for, resolved from its ``Authorization`` header.

    ``client_id`` names the caller for idempotency scopes, rate limits and the audit log:
    ``client:<key id>`` for an API key, ``guest:<member id>`` for a guest token.
    """

    role: Role | None
    client_id: str
    name: str
    property_codes: frozenset[str] = field(default_factory=frozenset)
    partner_code: str | None = None
    member_id: int | None = None

    @property
    def authenticated(self) -> bool:
        return self.role is not None

    def has_role(self, *roles: Role) -> bool:
        return self.role is not None and self.role in roles


ANONYMOUS = Principal(role=None, client_id="anonymous", name="anonymous")

# The roles that may read a member's personal data at all (each within its own scope).
MEMBER_READERS = (Role.ADMIN, Role.FRONT_DESK, Role.BOOKING_PARTNER, Role.GUEST)
# The brand's staff: staff notes and what the front desk needs to serve a guest.
STAFF = (Role.ADMIN, Role.FRONT_DESK)
