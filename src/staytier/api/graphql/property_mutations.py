"""Registering a property or updating it."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from staytier.api.graphql.context import Context
from staytier.api.graphql.errors import UserError
from staytier.api.graphql.mutations import attempt_for
from staytier.api.graphql.permissions import AdminOnly
from staytier.api.graphql.types import Property
from staytier.services import properties


@strawberry.input
class UpsertPropertyInput:
    code: str = strawberry.field(description="2 to 16 upper-case letters or digits.")
    name: str
    brand: str
    time_zone: str = strawberry.field(description="IANA zone, e.g. Europe/Paris.")
    category: int = strawberry.field(description="1 to 8; prices award nights.")
    currency: str = strawberry.field(description="ISO code of the property's folios.")
    country: str = ""

    def details(self) -> properties.PropertyDetails:
        return properties.PropertyDetails(
            code=self.code.strip().upper(),
            name=self.name.strip(),
            brand=self.brand.strip(),
            time_zone=self.time_zone.strip(),
            category=self.category,
            currency=self.currency.strip().upper(),
            country=self.country.strip().upper(),
        )


@strawberry.type
class UpsertPropertyPayload:
    property: Property | None = None
    created: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PropertyMutation:
    @strawberry.mutation(
        description="Registers a property, or updates the one with its code.",
        permission_classes=[AdminOnly],
    )
    async def upsert_property(
        self, info: Info[Context, None], input: UpsertPropertyInput
    ) -> UpsertPropertyPayload:
        context = info.context
        result, errors = await attempt_for(context, properties.upsert_property, input.details())
        if result is None:
            return UpsertPropertyPayload(user_errors=errors)
        return UpsertPropertyPayload(property=Property.of(result.hotel), created=result.created)
