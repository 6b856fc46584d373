"""The schema, with the limits and error masking every deployment gets."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from decimal import Decimal

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from staytier.api.graphql.access import AccessMutation, AccessQuery
from staytier.api.graphql.activity_mutations import ActivityMutation
from staytier.api.graphql.complaints import ComplaintsMutation, ComplaintsQuery
from staytier.api.graphql.guest_approvals import GuestApprovalMutation
from staytier.api.graphql.guest_enrollment import EnrollmentMutation
from staytier.api.graphql.insight import InsightQuery
from staytier.api.graphql.limits import WithinLimits
from staytier.api.graphql.merge import MergeMutation
from staytier.api.graphql.night_audit import NightAuditMutation
from staytier.api.graphql.partner_privileges import (
    PartnerPrivilegesMutation,
    PartnerPrivilegesQuery,
)
from staytier.api.graphql.partners import PartnersMutation, PartnersQuery
from staytier.api.graphql.permissions import deny_unannotated
from staytier.api.graphql.privileges import PrivilegesMutation, PrivilegesQuery
from staytier.api.graphql.profiles import ProfileMutation, ProfileQuery
from staytier.api.graphql.promotions import PromotionsMutation
from staytier.api.graphql.property_mutations import PropertyMutation
from staytier.api.graphql.queries import CoreQuery
from staytier.api.graphql.scalars import DecimalScalar
from staytier.api.graphql.sharing import SharingMutation
from staytier.api.graphql.simulation import SimulationMutation, SimulationQuery
from staytier.api.graphql.status_grants import StatusGrantsMutation
from staytier.api.graphql.stay_mutations import StayMutation
from staytier.api.graphql.surveys import SurveysMutation, SurveysQuery
from staytier.api.graphql.sweepstakes import SweepstakesMutation, SweepstakesQuery
from staytier.api.graphql.test_clock import TestClockMutation
from staytier.observability.graphql import Observed
from staytier.store.database import replica_reads

log = logging.getLogger("staytier.graphql")

# Each area of the API keeps its root fields in its own module; the roots are their union.
Query = merge_types(
    "Query",
    (
        CoreQuery,
        ProfileQuery,
        PartnersQuery,
        PrivilegesQuery,
        PartnerPrivilegesQuery,
        AccessQuery,
        InsightQuery,
        SimulationQuery,
        ComplaintsQuery,
        SurveysQuery,
        SweepstakesQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        EnrollmentMutation,
        StayMutation,
        ActivityMutation,
        PropertyMutation,
        TestClockMutation,
        NightAuditMutation,
        ProfileMutation,
        PartnersMutation,
        PrivilegesMutation,
        PartnerPrivilegesMutation,
        GuestApprovalMutation,
        AccessMutation,
        SimulationMutation,
        ComplaintsMutation,
        StatusGrantsMutation,
        SurveysMutation,
        SweepstakesMutation,
        SharingMutation,
        MergeMutation,
        PromotionsMutation,
    ),
)
# Default deny: a root field declared without a permission class is for admins only.
deny_unannotated(Query, Mutation)

# Depth, aliases and cost: see api/graphql/limits.py.
MAX_TOKENS = 2_000
DOCUMENT_CACHE_SIZE = 256  # distinct query documents kept parsed and validated


class MaskUnexpectedErrors(MaskErrors):
    """Shows errors raised on purpose (validation, a bad cursor); masks the rest, logging
    each with the request id, which the client also gets to quote to support."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=self._unexpected, error_message="Unexpected error.")

    def _request_id(self) -> str:
        return str(getattr(self.execution_context.context, "request_id", "-"))

    def _unexpected(self, error: GraphQLError) -> bool:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            return False
        log.error(
            "unexpected error, request %s, path %s",
            self._request_id(),
            error.path,
            exc_info=original,
        )
        return True

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"requestId": self._request_id()}
        return masked


class HideSuggestions(MaskErrors):
    """In production, errors do not suggest names ("Did you mean 'postPointsAdjustment'?"):
    they would read the schema out to anyone, introspection or not.

    graphql-core (3.3) can leave suggestions out itself (``hide_suggestions`` on
    ``validate`` and ``execute``), but Strawberry calls neither with it, so the sentence is
    taken off each error that has one, with its position and path kept, through the same
    hook Strawberry's own error masking uses."""

    # "Did you mean 'a', 'b', or 'c'?", at the end of a message or inside it; names hold no "?".
    SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")

    def __init__(self) -> None:
        super().__init__(should_mask_error=self._suggests, error_message="")

    def _suggests(self, error: GraphQLError) -> bool:
        return self.SUGGESTION.search(error.message) is not None

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return GraphQLError(
            message=self.SUGGESTION.sub("", error.message),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=error.original_error,
            extensions=error.extensions,
        )


class QueriesReadReplica(SchemaExtension):
    """A query's reads may be served by the read replica, if the database has one; a
    mutation's never are (its payload must show the write it just made), and neither is the
    request's authentication, which runs before execution (a revoked key stops at once)."""

    def on_execute(self) -> Iterator[None]:
        if self.execution_context.operation_type is OperationType.QUERY:
            with replica_reads():
                yield
        else:
            yield


# graphql-core quotes what the client sent ("Variable '$input' has invalid value: ...,
# found: {'email': 'ann@example.com', ...}"; "..., found \"2026-13-01\""); a log line must
# not carry a guest's data, so a refusal is logged with its location, not the value.
_VARIABLE = re.compile(r"Variable '\$[^']*' (?:got|has) invalid value(?: at [^:;]+)?")
_QUOTED_VALUE = re.compile(r"(?:,? found:?| value:) .*$", re.DOTALL)


def without_values(message: str) -> str:
    """A refusal's message without the values the client sent."""
    variable = _VARIABLE.match(message)
    if variable:
        return variable.group(0).rstrip(".") + "."
    return _QUOTED_VALUE.sub(" (value not logged)", message)


class StaytierSchema(strawberry.Schema):
    """Strawberry logs every error at ERROR, a client's typo included. Client mistakes are
    logged here at INFO; unexpected ones are logged once, with the request id, by
    :class:`MaskUnexpectedErrors`."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if error.original_error is None or isinstance(error.original_error, GraphQLError):
                log.info("refused: %s", without_values(error.message))


def build_schema(*, development: bool = True) -> strawberry.Schema:
    """The schema; outside development, introspection and name suggestions are off."""
    # The limit rule is one class, built once: the validation cache is keyed by the rule
    # classes, so a document validated once is not measured again (see limits.py).
    limits: list[type[ASTValidationRule]] = [WithinLimits]
    # Factories, not instances: each request gets fresh extensions with its own context.
    # Clients send a handful of distinct documents, so parsing and validating each once
    # (instead of on every request, a third of a profile read's time) is what the caches buy.
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(limits),
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        MaskUnexpectedErrors,
        QueriesReadReplica,
        Observed,
    ]
    if not development:
        extensions += [DisableIntrospection, HideSuggestions]
    return StaytierSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(scalar_map={Decimal: DecimalScalar}),
        extensions=extensions,
    )


def schema_sdl() -> str:
    """The schema as SDL, as kept in graphql/schema.graphql."""
    return build_schema().as_str() + "\n"
