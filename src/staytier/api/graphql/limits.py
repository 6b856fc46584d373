"""What a document may ask for, checked before anything runs: depth, aliases and cost.

Strawberry's depth and alias limiters walk a fragment again at every spread, so a document
of a few hundred tokens whose fragments each spread the next one twice takes exponential time
to check (and its aliases are multiplied the same way). Here each fragment is measured once
and its measure reused at every spread, so the check takes time in proportion to the
document, while the counts are those of the query as it would run: aliases and fields
multiplied through fragments.

- **depth**: nesting of fields, introspection included (a root field is depth 1);
- **aliases**: aliased fields, counted once per place a fragment is spread;
- **cost**: one per field, with the fields under a page (an argument ``first``, or a
  connection's ``edges``) counted once per item: ``first``, or :data:`DEFAULT_PAGE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)

from staytier.api.graphql.pagination import DEFAULT_PAGE, MAX_PAGE

MAX_DEPTH = 15
MAX_ALIASES = 30
MAX_COST = 10_000


@dataclass(frozen=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


NOTHING = Measure()


class DocumentMeasurer:
    """Measures the selection sets of one document, each fragment once."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode], variables: Any) -> None:
        self.fragments = fragments
        self.variables = variables if isinstance(variables, Mapping) else {}
        self._measured: dict[str, Measure] = {}
        self._measuring: set[str] = set()

    def fragment(self, name: str) -> Measure:
        if name in self._measured:
            return self._measured[name]
        definition = self.fragments.get(name)
        if definition is None or name in self._measuring:
            return NOTHING  # unknown or cyclic: other rules refuse the document
        self._measuring.add(name)
        self._measured[name] = self.selection_set(definition.selection_set)
        self._measuring.discard(name)
        return self._measured[name]

    def selection_set(self, selections: SelectionSetNode | None) -> Measure:
        depth = aliases = cost = 0
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                below = self.selection_set(selection.selection_set)
                depth = max(depth, 1 + below.depth)
                aliases += (1 if selection.alias else 0) + below.aliases
                cost += 1 + self._page(selection) * below.cost
                continue
            if isinstance(selection, FragmentSpreadNode):
                found = self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                found = self.selection_set(selection.selection_set)
            else:  # pragma: no cover - the three kinds of selection
                continue
            depth = max(depth, found.depth)
            aliases += found.aliases
            cost += found.cost
        return Measure(depth, aliases, cost)

    def _page(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value: Any = argument.value
            if isinstance(value, IntValueNode):
                return max(1, int(value.value))
            if isinstance(value, VariableNode):
                # Judged on the document alone: a variable page size may be the largest.
                given = self.variables.get(value.name.value)
                return max(1, given) if isinstance(given, int) else MAX_PAGE
        # A connection asked for without ``first`` returns the default page.
        children = field.selection_set.selections if field.selection_set else ()
        edges = any(isinstance(c, FieldNode) and c.name.value == "edges" for c in children)
        return DEFAULT_PAGE if edges else 1


def limit_errors(measure: Measure, *, max_depth: int, max_aliases: int, max_cost: int) -> list[str]:
    errors = []
    if measure.depth > max_depth:
        errors.append(f"The query is {measure.depth} levels deep; at most {max_depth}.")
    if measure.aliases > max_aliases:
        errors.append(
            f"The query has {measure.aliases} aliases, fragments counted where they are "
            f"spread; at most {max_aliases}."
        )
    if measure.cost > max_cost:
        errors.append(
            f"The query would read about {measure.cost} fields; at most {max_cost}. "
            "Ask for smaller pages (first) or fewer fields."
        )
    return errors


class WithinLimits(ValidationRule):
    """Refuses a document over the limits with the other validation errors, so before any
    resolver runs. It reads the document only (a page size given as a variable counts as the
    largest page), so its verdict holds for every request that sends the same document and
    the validation cache may keep it."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        definitions = context.document.definitions
        measurer = DocumentMeasurer(
            {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)},
            {},
        )
        for operation in definitions:
            if isinstance(operation, OperationDefinitionNode):
                measure = measurer.selection_set(operation.selection_set)
                errors = limit_errors(
                    measure, max_depth=MAX_DEPTH, max_aliases=MAX_ALIASES, max_cost=MAX_COST
                )
                for message in errors:
                    context.report_error(GraphQLError(message, operation))
