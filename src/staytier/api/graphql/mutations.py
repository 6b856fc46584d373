"""What every mutation shares. Each resolver decodes its input, calls one service, and maps
refusals to ``userErrors`` (see :func:`attempt`); a refused mutation has changed nothing. The
mutations themselves live with their area (``stay_mutations``, ``profiles``, ``privileges``
...), each area a class that ``schema.py`` merges into the Mutation root."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from staytier.api.graphql.errors import UserError, user_errors
from staytier.domain.errors import BusinessRuleError

T = TypeVar("T")


async def attempt(call: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """Runs a service call; a business refusal becomes userErrors, anything else propagates."""
    try:
        return await call, []
    except BusinessRuleError as error:
        return None, user_errors(error)
