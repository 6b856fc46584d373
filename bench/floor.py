"""The stack's floor for a GraphQL document: Strawberry executing it over objects in memory.

A raw handler shows what the database and the driver cost; what a GraphQL server adds on
top of that is partly ours (how we load, check and build) and partly the stack's: Strawberry
and graphql-core resolving every selected field of every object. This module measures the
second part alone, for one document and one answer, so a benchmark can report

    floor = the raw handler's time + Strawberry's time to execute the same document
            over objects already in memory

and the service's time as a multiple of that floor, next to its multiple of raw.

:func:`mirror` builds, for a document and the answer a server gave it (``data``), a
Strawberry schema of plain types with exactly the selected fields (types and nullability
from ``graphql/schema.graphql``) and instances holding the answer's values. Executing the
document on it returns the same ``data``; the bench checks that before timing. Every field
is a plain attribute read. What the floor leaves out, on purpose, is ours: permissions,
limits, error masking, loading. What it keeps is the stack's: parsing and validation behind
Strawberry's own caches (as the service serves them), async execution, completion and
serialisation of every value. Custom scalars and enums hold the answer's JSON values and
serialise as they are, which is slightly cheaper than formatting dates and enum members:
the floor is, if anything, a little low.
"""

from __future__ import annotations

import keyword
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NewType

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    parse,
)
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

SDL = Path(__file__).resolve().parents[1] / "graphql" / "schema.graphql"
BUILT_IN = {"String": str, "ID": str, "Int": int, "Float": float, "Boolean": bool}


class Mirror:
    """A document's mirror schema and the answer it serves; :meth:`execute` runs it once."""

    def __init__(
        self, schema: strawberry.Schema, document: str, variables: dict[str, Any], root: object
    ) -> None:
        self.schema, self.document, self.variables = schema, document, variables
        self.root = root

    async def execute(self) -> dict[str, Any]:
        result = await self.schema.execute(
            self.document, variable_values=self.variables, root_value=self.root
        )
        if result.errors:
            raise RuntimeError(f"the mirror refused its document: {result.errors}")
        assert result.data is not None
        return result.data

    async def p50(self, repeat: int) -> float:
        """The median seconds of ``repeat`` executions (after one to warm the caches)."""
        await self.execute()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            await self.execute()
            times.append(time.perf_counter() - start)
        times.sort()
        return times[len(times) // 2]


def mirror(document: str, data: dict[str, Any], variables: dict[str, Any]) -> Mirror:
    """The mirror of ``document`` (one query, no fragments or aliases) serving ``data``."""
    schema = build_schema(SDL.read_text())
    builder = _Builder(schema)
    operation = _operation(parse(document))
    query_type = schema.query_type
    assert query_type is not None
    root_values: dict[str, Any] = {}
    annotations: dict[str, Any] = {}
    arguments: dict[str, dict[str, Any]] = {}
    for node in _fields(operation):
        name = node.name.value
        field = query_type.fields[name]
        annotations[name] = builder.annotation(field.type, node, f"Q_{name}")
        root_values[name] = builder.value(field.type, node, data[name], f"Q_{name}")
        arguments[name] = builder.arguments(field, node)
    query = _query_type(annotations, arguments)
    floor = strawberry.Schema(
        query=query,
        config=StrawberryConfig(auto_camel_case=False, scalar_map=builder.scalar_map()),
        extensions=[lambda: ParserCache(maxsize=16), lambda: ValidationCache(maxsize=16)],
    )
    root = SimpleNamespace(**{_held(name): value for name, value in root_values.items()})
    return Mirror(floor, document, variables, root)


def _operation(document: DocumentNode) -> OperationDefinitionNode:
    [operation] = document.definitions
    assert isinstance(operation, OperationDefinitionNode), "one operation, no fragments"
    return operation


def _fields(node: OperationDefinitionNode | FieldNode) -> list[FieldNode]:
    assert node.selection_set is not None
    fields = []
    for selection in node.selection_set.selections:
        assert isinstance(selection, FieldNode), "fields only: no fragments"
        assert selection.alias is None, "no aliases: each field is one attribute"
        fields.append(selection)
    return fields


def _python_name(name: str) -> str:
    return f"{name}_" if keyword.iskeyword(name) else name


class _Builder:
    """Strawberry types for the selected fields, one per place in the document."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.types: dict[str, type] = {}
        self.scalars: dict[str, Any] = {}

    def scalar(self, name: str) -> Any:
        """A custom scalar (or an enum) that serialises the answer's JSON value as it is."""
        if name in BUILT_IN:
            return BUILT_IN[name]
        if name not in self.scalars:
            self.scalars[name] = NewType(name, object)
        return self.scalars[name]

    def scalar_map(self) -> dict[object, Any]:
        """The custom scalars' definitions, for the mirror's configuration."""
        return {
            kind: strawberry.scalar(
                name=name, serialize=lambda value: value, parse_value=lambda value: value
            )
            for name, kind in self.scalars.items()
        }

    def annotation(self, kind: GraphQLOutputType, node: FieldNode, path: str) -> Any:
        if isinstance(kind, GraphQLNonNull):
            return self._inner(kind.of_type, node, path)
        return self._inner(kind, node, path) | None

    def _inner(self, kind: GraphQLOutputType, node: FieldNode, path: str) -> Any:
        if isinstance(kind, GraphQLList):
            return list[self.annotation(kind.of_type, node, path)]  # type: ignore[misc]
        if isinstance(kind, GraphQLObjectType):
            return self._object(kind, node, path)
        if isinstance(kind, GraphQLEnumType):
            return self.scalar(kind.name)
        assert isinstance(kind, GraphQLScalarType), kind
        return self.scalar(kind.name)

    def _object(self, kind: GraphQLObjectType, node: FieldNode, path: str) -> type:
        if path in self.types:
            return self.types[path]
        annotations, fields = {}, {}
        for child in _fields(node):
            name = child.name.value
            assert name != "__typename", "no __typename"
            child_field: GraphQLField = kind.fields[name]
            annotation = self.annotation(child_field.type, child, f"{path}_{name}")
            if child.arguments:
                # A field the document gives arguments to is resolved, as the service's
                # is: the resolver takes them and returns the value held beside it.
                annotations[_held(name)] = strawberry.Private[annotation]
                arguments = self.arguments(child_field, child)
                fields[_python_name(name)] = strawberry.field(
                    resolver=_resolver(_held(name), annotation, arguments), name=name
                )
            else:
                annotations[_python_name(name)] = annotation
                fields[_python_name(name)] = strawberry.field(name=name)
        namespace = {"__annotations__": annotations, **fields}
        built = strawberry.type(type(path, (), namespace), name=path)
        self.types[path] = built
        return built

    def value(self, kind: GraphQLOutputType, node: FieldNode, answer: Any, path: str) -> Any:
        """The answer's JSON value as instances of the mirror's types."""
        if answer is None:
            return None
        if isinstance(kind, GraphQLNonNull):
            return self.value(kind.of_type, node, answer, path)
        if isinstance(kind, GraphQLList):
            return [self.value(kind.of_type, node, item, path) for item in answer]
        if isinstance(kind, GraphQLObjectType):
            built = self._object(kind, node, path)
            values = {}
            for child in _fields(node):
                name = child.name.value
                attribute = _held(name) if child.arguments else _python_name(name)
                values[attribute] = self.value(
                    kind.fields[name].type, child, answer[name], f"{path}_{name}"
                )
            return built(**values)
        return answer

    def arguments(self, field: GraphQLField, node: FieldNode) -> dict[str, Any]:
        """The arguments the document gives ``node``, typed as the schema types them."""
        return {
            argument: self.input_annotation(field.args[argument].type)
            for argument in (given.name.value for given in node.arguments)
        }

    def input_annotation(self, kind: GraphQLInputType) -> Any:
        """A root field's argument as the schema types it: scalars, enums, lists of them."""
        if isinstance(kind, GraphQLNonNull):
            return self._input_inner(kind.of_type)
        return self._input_inner(kind) | None

    def _input_inner(self, kind: GraphQLInputType) -> Any:
        if isinstance(kind, GraphQLList):
            return list[self.input_annotation(kind.of_type)]  # type: ignore[misc]
        assert isinstance(kind, GraphQLScalarType | GraphQLEnumType), "scalar arguments only"
        return self.scalar(kind.name)


def _query_type(annotations: dict[str, Any], arguments: dict[str, dict[str, Any]]) -> type:
    """The mirror's Query: each root field takes the arguments the document gives it, typed
    as the schema types them, and returns the root value's (see :class:`Mirror`)."""
    fields: dict[str, Any] = {}
    for name, annotation in annotations.items():
        fields[_python_name(name)] = strawberry.field(
            resolver=_resolver(_held(name), annotation, arguments[name]), name=name
        )
    return strawberry.type(type("Query", (), fields), name="Query")


def _held(name: str) -> str:
    """Where an object holds the value of a field that takes arguments."""
    return f"held_{name}"


def _resolver(attribute: str, annotation: Any, arguments: dict[str, Any]) -> Any:
    """A resolver taking ``arguments`` (ignored) that returns its object's ``attribute``."""
    parameters = "".join(f", {_python_name(n)}: _a_{n} = None" for n in arguments)
    namespace: dict[str, Any] = {f"_a_{n}": a for n, a in arguments.items()}
    namespace |= {"_returns": annotation, "__name__": __name__}
    # Strawberry reads a resolver's arguments from its signature: written out, the names
    # the document uses are plain parameters. Compiled without this module's future
    # import, so the annotations are the objects themselves, not names to look up.
    source = f"def resolve(self{parameters}) -> _returns:\n    return self.{attribute}\n"
    exec(compile(source, "<mirror>", "exec", dont_inherit=True), namespace)
    return namespace["resolve"]
