"""With a read replica configured, GraphQL queries read it, while mutations (and their
payloads) and the authentication of every request read the primary."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable

from staytier.domain.access import Role
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from tests.support import GraphQLClient, enroll, guest, make_app, record

POINTS = "query($n: String!) { guest(memberNumber: $n) { points { balance } } }"


async def test_queries_read_the_replica_and_mutations_the_primary(
    runtime: Runtime,
    client: GraphQLClient,
    snapshot_of: Callable[[Database], Awaitable[str]],
) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=dt.date(2026, 2, 1), nights=2)
    before = (await guest(client, number))["points"]["balance"]
    replica_url = await snapshot_of(runtime.db)  # the replica stops here, as if lagging
    replicated = Database(runtime.db.url, replica_url=replica_url)
    served = GraphQLClient(make_app(dataclasses.replace(runtime, db=replicated)))
    # A key made after the snapshot: it exists only on the primary.
    admin = await served.acting_as(Role.ADMIN)

    recorded = await record(admin, member_number=number, arrival=dt.date(2026, 2, 20), nights=3)

    assert recorded["userErrors"] == []
    after = recorded["guest"]["points"]["balance"]  # the payload reads the primary
    assert after > before > 0
    assert (await admin(POINTS, n=number))["guest"]["points"]["balance"] == before
    assert (await guest(client, number))["points"]["balance"] == after  # no replica here
    await admin.aclose()
    await served.aclose()
    await replicated.dispose()
