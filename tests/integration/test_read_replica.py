"""With a read replica configured, GraphQL queries read it, while mutations (and their
payloads) and the authentication of every request read the primary."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable

from staytier.domain.access import Role
from staytier.services import simulation
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


REPORT = """
query Report($from: Date!, $to: Date!) {
  programReport(from: $from, to: $to) { pointsIssued membersByTier { tierCode members } }
}
"""


async def test_reports_and_simulations_read_the_replica(
    runtime: Runtime,
    client: GraphQLClient,
    snapshot_of: Callable[[Database], Awaitable[str]],
) -> None:
    number = await enroll(client)
    await record(client, member_number=number, arrival=dt.date(2026, 2, 1), nights=2)
    period = {"from": "2026-01-01", "to": "2026-03-02"}  # enrolled today
    before = (await client(REPORT, **period))["programReport"]["pointsIssued"]
    replica_url = await snapshot_of(runtime.db)  # the replica stops here
    replicated = Database(runtime.db.url, replica_url=replica_url)
    lagging = dataclasses.replace(runtime, db=replicated)
    served = GraphQLClient(make_app(lagging))
    admin = await served.acting_as(Role.ADMIN)
    # Written to the primary only: a second member and a stay of the first.
    late = await enroll(admin)
    recorded = await record(admin, member_number=number, arrival=dt.date(2026, 2, 20), nights=3)
    assert recorded["userErrors"] == [] and late

    on_replica = (await admin(REPORT, **period))["programReport"]["pointsIssued"]
    on_primary = (await client(REPORT, **period))["programReport"]["pointsIssued"]
    candidate = simulation.served_program(lagging)
    simulation_id = await simulation.create_simulation(
        lagging, candidate, dt.date(2026, 1, 1), dt.date(2026, 3, 2), "test"
    )
    status = await simulation.run_simulation(lagging, simulation_id, candidate)
    row = await simulation.simulation_by_id(runtime, simulation_id)  # the primary's row

    assert on_replica == before < on_primary
    assert status == "DONE" and row is not None and row.summary is not None
    # The replica knows one member and the first stay's points only.
    assert (row.members_total, row.summary["members"]) == (1, 1)
    assert row.summary["actual_points"] == before
    await admin.aclose()
    await served.aclose()
    await replicated.dispose()
