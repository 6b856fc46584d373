"""What each GraphQL operation tells the logs and the metrics.

A Strawberry extension, as the library intends cross-cutting concerns to be written: it
names the operation for the log lines written while it runs, and counts the operation, its
outcome, its latency and the userErrors it returned.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from staytier.observability.logs import operation
from staytier.observability.metrics import ServiceMetrics

UNPARSED = "(unparsed)"
log = logging.getLogger("staytier.graphql")


class Observed(SchemaExtension):
    """Logs name the operation; metrics count it (see :mod:`staytier.observability`)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        name = self._root_fields()
        metrics = self._metrics()
        outcome = self._outcome(metrics)
        if metrics is not None:
            metrics.operations.labels(name, outcome).inc()
            metrics.operation_seconds.labels(name).observe(seconds)
        with operation(self._operation_name() or name):
            log.info("%s: %s in %.1f ms", name, outcome, seconds * 1000)

    def on_execute(self) -> Iterator[None]:
        with operation(self._operation_name() or self._root_fields()):
            yield

    def _metrics(self) -> ServiceMetrics | None:
        request = getattr(self.execution_context.context, "request", None)
        state = getattr(getattr(request, "app", None), "state", None)
        found: ServiceMetrics | None = getattr(state, "metrics", None)
        return found

    def _operation(self) -> OperationDefinitionNode | None:
        """The operation the request runs (the one named by ``operationName``, if given)."""
        document = self.execution_context.graphql_document
        # The request's operationName, else the first operation's name. (The dataclass's
        # provided_operation_name is an InitVar: read on the instance it is always None.)
        wanted = self.execution_context.operation_name
        for definition in document.definitions if document is not None else ():
            if isinstance(definition, OperationDefinitionNode) and (
                not wanted or (definition.name is not None and definition.name.value == wanted)
            ):
                return definition
        return None

    def _operation_name(self) -> str:
        """The client's name for the operation (``mutation Enroll``: "Enroll"), for logs."""
        found = self._operation()
        return found.name.value if found is not None and found.name is not None else ""

    def _root_fields(self) -> str:
        """``query guest`` or ``mutation recordStay``: the operation's type and root fields,
        names from the schema, so the label's values are bounded."""
        found = self._operation()
        if found is None:
            return UNPARSED
        selections = found.selection_set.selections
        fields = sorted({s.name.value for s in selections if isinstance(s, FieldNode)})
        return f"{found.operation.value} {','.join(fields)}"

    def _outcome(self, metrics: ServiceMetrics | None) -> str:
        context = self.execution_context
        errors: list[GraphQLError] = list(context.pre_execution_errors or [])
        result = context.result
        if result is not None and getattr(result, "errors", None):
            errors.extend(result.errors or [])
        if errors:
            unexpected = any(
                e.original_error is not None and not isinstance(e.original_error, GraphQLError)
                for e in errors
            )
            masked = any(e.message == "Unexpected error." for e in errors)
            return "error" if unexpected or masked else "refused"
        # Only a document that selects userErrors can return any: the others (the reads,
        # whose answers are the large ones) are not walked.
        query = self.execution_context.query or ""
        selects = "userErrors" in query
        codes = list(_user_error_codes(getattr(result, "data", None))) if selects else []
        if metrics is not None:
            for code in codes:
                metrics.user_errors.labels(code).inc()
        return "user_error" if codes else "ok"


def _user_error_codes(data: Any) -> Iterator[str]:
    """The ``code`` of every userError in a result (those the client selected)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "userErrors" and isinstance(value, list):
                for error in value:
                    if isinstance(error, dict) and isinstance(error.get("code"), str):
                        yield error["code"]
            else:
                yield from _user_error_codes(value)
    elif isinstance(data, list):
        for item in data:
            yield from _user_error_codes(item)
