"""Business errors as values: the ``userErrors`` every mutation payload carries."""

from __future__ import annotations

import strawberry

from staytier.domain.errors import BusinessRuleError, ErrorCode, InvalidInput

ErrorCodeType = strawberry.enum(ErrorCode, name="ErrorCode")


@strawberry.type
class UserError:
    code: ErrorCode
    field: str | None = strawberry.field(
        description="The input field at fault, e.g. departureDate."
    )
    message: str


def user_errors(error: BusinessRuleError) -> list[UserError]:
    """The userErrors for a refused request: one per mistake found."""
    errors = error.errors if isinstance(error, InvalidInput) else [error]
    return [UserError(code=e.code, field=e.field, message=e.message) for e in errors]
