"""The ``/graphql`` route: Strawberry's Litestar controller, with a cheaper POST handler.

Strawberry's controller hands its POST handler three Litestar dependencies: our context,
a root value and an empty sub-response. Litestar resolves dependencies that are
independent of each other in an anyio task group, one task each, and the sub-response is
declared ``sync_to_thread``, so it is built in a worker thread: per request, a task group,
three tasks and a thread hand-off before GraphQL sees the query. The handler here builds
the same three objects inline. The response body is encoded with msgspec (the same JSON,
compact, as Strawberry's ``json.dumps`` with compact separators, UTF-8 rather than
``\\u`` escapes). A request may name its document by hash (persisted queries, see
persisted_queries.py): the handler swaps in the stored text before the schema runs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec
from graphql import ExecutionResult, GraphQLError
from litestar import Request, Response, post
from litestar.background_tasks import BackgroundTasks
from litestar.status_codes import HTTP_200_OK
from strawberry import Schema
from strawberry.http import GraphQLRequestData
from strawberry.litestar import make_graphql_controller
from strawberry.litestar.controller import GraphQLController

from staytier.api.graphql.context import context_getter
from staytier.api.http.persisted_queries import PersistedQueries, PersistedQueryRefused

PATH = "/graphql"


def graphql_controller(
    schema: Schema, *, development: bool, persisted: PersistedQueries
) -> type[GraphQLController]:
    """The controller serving ``schema`` at ``/graphql`` (GraphiQL in development only;
    queries by POST only), taking documents by hash from ``persisted``."""
    base = make_graphql_controller(
        schema,
        path=PATH,
        context_getter=context_getter,
        graphql_ide="graphiql" if development else None,
        allow_queries_via_get=False,
    )

    # make_graphql_controller builds the class at run time: to mypy the base is a variable.
    class GraphQLEndpoint(base):  # type: ignore[valid-type,misc]
        @post(status_code=HTTP_200_OK)
        async def handle_http_post(self, request: Request[Any, Any, Any]) -> Response[Any]:
            response: Response[Any] = Response({}, background=BackgroundTasks([]))
            context = await context_getter(request)
            context.request = request
            context.response = response
            # Read by Strawberry's get_sub_response before the first suspension, as in the
            # handler this replaces.
            self.temporal_response = response
            result: Response[Any] = await self.execute_request(
                request=request, context=context, root_value=None
            )
            return result

        async def execute_single(
            self, *, request_data: GraphQLRequestData, **kwargs: Any
        ) -> ExecutionResult:
            query, extensions = request_data.query, request_data.extensions
            try:
                document = persisted.document(query, extensions)
            except PersistedQueryRefused as refused:
                error = GraphQLError(refused.message, extensions={"code": refused.code})
                return ExecutionResult(data=None, errors=[error])
            if document is not query:
                request_data = dataclasses.replace(request_data, query=document)
            result: ExecutionResult = await super().execute_single(
                request_data=request_data, **kwargs
            )
            if result.data is not None:  # parsed and validated: worth keeping
                persisted.register(query, extensions)
            return result

        def encode_json(self, data: object) -> bytes:
            return msgspec.json.encode(data)

    return GraphQLEndpoint
