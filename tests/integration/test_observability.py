"""What the service tells its operator: liveness, readiness, Prometheus metrics and
structured logs that carry the request but never a guest's personal data."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from staytier.observability.logs import JsonFormatter
from staytier.observability.metrics import JobMetrics, ServiceMetrics
from staytier.services.runtime import Runtime
from staytier.store.database import Database
from staytier.store.migrate import all_revisions
from staytier.store.models import PartnerRequest
from tests.support import ENROLL, GraphQLClient, enroll, guest, make_app

GUEST_NAME = ("Zelda", "Quixotic-Marchetti")
GUEST_EMAIL = "zelda.quixotic@example.com"


def http(runtime: Runtime) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app(runtime)), base_url="http://staytier.test"
    )


async def test_live_and_ready_answer_when_the_database_does(runtime: Runtime) -> None:
    async with http(runtime) as client:
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")
        legacy = await client.get("/health")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (
        200,
        {"status": "ready", "database": "ok", "pendingMigrations": []},
    )
    assert legacy.status_code == 200 and legacy.json()["status"] == "ok"


async def test_ready_is_503_when_the_database_is_down(
    runtime: Runtime, backend: str, tmp_path: Path
) -> None:
    unreachable = (
        f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'staytier.db'}"
        if backend == "sqlite"
        else "postgresql+asyncpg://staytier@127.0.0.1:1/staytier"  # nothing listens on port 1
    )
    down = dataclasses.replace(runtime, db=Database(unreachable))
    async with http(down) as client:
        ready = await client.get("/health/ready")
        live = await client.get("/health/live")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["database"].startswith(
        "Cannot open the SQLite database" if backend == "sqlite" else "Cannot reach the database"
    )
    assert live.status_code == 200  # the process is fine: do not restart it for this


async def test_ready_is_503_and_names_the_migrations_still_to_run(
    runtime: Runtime, blank_database_url: str
) -> None:
    blank = dataclasses.replace(runtime, db=Database(blank_database_url))
    async with http(blank) as client:
        ready = await client.get("/health/ready")
    await blank.db.dispose()
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "database": "ok",
        "pendingMigrations": all_revisions(),
        "fix": "run `staytier migrate`",
    }


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text exposition, parsed by prometheus_client itself."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_operations_outcomes_user_errors_and_the_outbox(
    runtime: Runtime,
) -> None:
    app = make_app(runtime)
    client = GraphQLClient(app)
    number = await enroll(client)
    await guest(client, number)
    await guest(client, number)
    refused = await client(ENROLL, input={"firstName": "", "lastName": "Guest"})
    assert refused["enrollGuest"]["userErrors"][0]["code"] == "INVALID_INPUT"
    assert "errors" in await client.raw("{ noSuchField }")
    async with runtime.db.transaction() as session:
        session.add(
            PartnerRequest(
                partner="SKYWAYS",
                operation="miles.transfer",
                idempotency_key="transfer:1",
                payload={},
                state="PENDING",
                created_at=runtime.now(),
                updated_at=runtime.now(),
            )
        )

    scraped = await client.http.get("/metrics")
    await client.aclose()

    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    found = samples(scraped.text)

    def value(name: str, **labels: str) -> float:
        return found.get((name, frozenset(labels.items())), 0.0)

    operations = "staytier_graphql_operations_total"
    assert value(operations, operation="query guest", outcome="ok") == 2
    assert value(operations, operation="mutation enrollGuest", outcome="ok") == 1
    assert value(operations, operation="mutation enrollGuest", outcome="user_error") == 1
    assert value(operations, operation="query noSuchField", outcome="refused") == 1
    assert value("staytier_graphql_user_errors_total", code="INVALID_INPUT") == 1
    latency = "staytier_graphql_operation_duration_seconds_count"
    assert value(latency, operation="query guest") == 2
    assert value("staytier_http_requests_total", method="POST", route="/graphql", status="200") == 5
    assert value("staytier_outbox_open_requests", partner="SKYWAYS", state="PENDING") == 1
    assert (
        "staytier_outbox_oldest_open_request_age_seconds",
        frozenset({("partner", "SKYWAYS")}),
    ) in found
    assert ("staytier_db_pool_connections_in_use", frozenset()) in found


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Every log line of the block, formatted as the service writes them in production."""
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


async def test_log_lines_carry_the_request_client_and_operation(
    runtime: Runtime, json_log: io.StringIO
) -> None:
    admin = GraphQLClient(make_app(runtime))
    caller = await admin.acting_as("admin")
    response = await caller.http.post(
        "/graphql",
        json={"query": ENROLL, "variables": {"input": {"firstName": "Ada", "lastName": "Guest"}}},
        headers={"X-Request-Id": "req-observed-1"},
    )
    await caller.aclose()
    await admin.aclose()
    assert response.status_code == 200

    entries = [json.loads(line) for line in json_log.getvalue().splitlines()]
    finished = [e for e in entries if e.get("request_id") == "req-observed-1"]
    assert finished, entries
    line = finished[-1]
    assert line["operation"] == "Enroll"
    assert line["client"].startswith("client:")
    assert line["level"] == "INFO" and line["logger"] == "staytier.graphql"
    assert line["message"].startswith("mutation enrollGuest: ok in ")


async def test_the_operation_logged_is_the_one_operation_name_picks(
    runtime: Runtime, json_log: io.StringIO
) -> None:
    admin = GraphQLClient(make_app(runtime))
    caller = await admin.acting_as("admin")
    document = "query Clock { clock { now } }\n" + ENROLL
    response = await caller.http.post(
        "/graphql",
        json={
            "query": document,
            "operationName": "Enroll",
            "variables": {"input": {"firstName": "Ada", "lastName": "Guest"}},
        },
        headers={"X-Request-Id": "req-observed-2"},
    )
    await caller.aclose()
    await admin.aclose()
    assert response.status_code == 200
    assert "errors" not in response.json()

    entries = [json.loads(line) for line in json_log.getvalue().splitlines()]
    line = [e for e in entries if e.get("request_id") == "req-observed-2"][-1]
    assert line["operation"] == "Enroll"
    assert line["message"].startswith("mutation enrollGuest: ok in ")


async def test_a_guests_name_and_email_are_never_logged(
    runtime: Runtime, json_log: io.StringIO
) -> None:
    client = GraphQLClient(make_app(runtime))
    first, last = GUEST_NAME
    person = {"firstName": first, "lastName": last, "email": GUEST_EMAIL}
    # Accepted, refused by the rules (a userError), and refused by GraphQL (a variable of
    # the wrong shape, whose message would quote the value sent).
    await client(ENROLL, input=person)
    await client(ENROLL, input={**person, "timeZone": "Mars/Olympus_Mons"})
    await client.raw(ENROLL, input={**person, "noSuchField": GUEST_EMAIL})
    await client.raw(ENROLL, input={**person, "firstName": 42})
    await client.aclose()

    written = json_log.getvalue()
    assert "refused: " in written  # the refusals were logged...
    for secret in (first, last, GUEST_EMAIL, "zelda"):
        assert secret.lower() not in written.lower()  # ...without the guest's data


def exposed_names() -> set[str]:
    """Every series name the service and the scheduler can expose."""
    names: set[str] = set()
    for registry in (ServiceMetrics().registry, JobMetrics().registry):
        for family in registry.collect():
            suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}
            for suffix in suffixes.get(family.type, [""]):
                names.add(family.name + suffix)
    return names


def test_the_dashboard_and_alert_rules_use_only_metrics_that_exist() -> None:
    monitoring = Path(__file__).resolve().parents[2] / "docs" / "monitoring"
    dashboard = json.loads((monitoring / "grafana-dashboard.json").read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    rules = yaml.safe_load((monitoring / "alerts.yaml").read_text())
    expressions += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    used = {name for expr in expressions for name in re.findall(r"staytier_[a-z_]+", expr)}
    assert used and used <= exposed_names(), used - exposed_names()
