"""Default deny: every root field says who may call it, and one that does not is refused to
everyone but an admin."""

from __future__ import annotations

from typing import Any

import strawberry

from staytier.api.graphql.permissions import AdminOnly, deny_unannotated, unguarded_fields
from staytier.api.graphql.schema import Mutation, Query
from staytier.domain.access import Principal, Role


def test_every_root_field_and_mutation_declares_its_permission() -> None:
    missing = unguarded_fields(Query, Mutation)
    assert missing == [], (
        f"{missing}: declare who may call each of these, e.g. "
        "@strawberry.field(permission_classes=[StaffOnly]) from api/graphql/permissions.py"
    )


@strawberry.type
class ToyQuery:
    @strawberry.field
    def forgotten(self) -> str:
        return "secret"

    @strawberry.field(permission_classes=[AdminOnly])
    def declared(self) -> str:
        return "declared"


deny_unannotated(ToyQuery)
TOY = strawberry.Schema(query=ToyQuery)


class ToyContext:
    def __init__(self, role: Role | None) -> None:
        self.principal = Principal(role=role, client_id="toy", name="toy")


def run(role: Role | None) -> Any:
    return TOY.execute_sync("{ forgotten }", context_value=ToyContext(role))


def test_a_root_field_without_a_permission_is_refused_to_all_but_admins() -> None:
    for role in (None, Role.GUEST, Role.FRONT_DESK, Role.BOOKING_PARTNER, Role.ANALYST):
        result = run(role)
        assert result.data is None
        assert result.errors and result.errors[0].message == "Not allowed."
    assert run(Role.ADMIN).data == {"forgotten": "secret"}
    assert unguarded_fields(ToyQuery) == ["ToyQuery.forgotten"]
