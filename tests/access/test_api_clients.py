"""API clients: a key is shown once, stored as a hash, and stops working the moment it is
rotated or revoked."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from staytier.cli import app as cli
from staytier.domain.access import Role
from staytier.domain.errors import BusinessRuleError
from staytier.services.clients import create_client, list_clients, revoke_client, rotate_client
from staytier.services.runtime import Runtime
from staytier.store.models import ApiClient, AuditEntry
from tests.support import ENROLL, GraphQLClient, api_key, make_app

PROGRAM = "{ program { code } }"


async def status_with(runtime: Runtime, key: str) -> int:
    app = make_app(runtime, strict=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://staytier.test"
    ) as http:
        response = await http.post(
            "/graphql", json={"query": PROGRAM}, headers={"Authorization": f"Bearer {key}"}
        )
    return response.status_code


async def test_a_new_key_works_and_only_its_hash_is_stored(runtime: Runtime) -> None:
    issued = await create_client(runtime, role=Role.ANALYST, name="revenue team")

    assert await status_with(runtime, issued.key) == 200
    async with runtime.db.reading() as session:
        row = await session.scalar(select(ApiClient))
    assert row is not None
    assert issued.key.startswith(f"stk_{row.key_id}_")
    assert issued.key not in row.key_hash and row.key_hash.startswith("$argon2")


async def test_a_revoked_key_stops_working_at_once(runtime: Runtime) -> None:
    issued = await create_client(runtime, role=Role.ADMIN, name="ops")
    assert await status_with(runtime, issued.key) == 200  # verified once, remembered

    await revoke_client(runtime, issued.client.key_id)

    assert await status_with(runtime, issued.key) == 401


async def test_a_rotated_client_answers_to_the_new_key_only(runtime: Runtime) -> None:
    old = await create_client(runtime, role=Role.ADMIN, name="ops")
    assert await status_with(runtime, old.key) == 200

    new = await rotate_client(runtime, old.client.key_id)

    assert await status_with(runtime, old.key) == 401
    assert await status_with(runtime, new.key) == 200


@pytest.mark.parametrize(
    "key",
    [
        "stk_000000000000_wrong",
        "stk_nothing",
        "not-a-key-nor-a-token",
        "eyJhbGciOiJIUzI1NiJ9.e30.tampered",
    ],
)
async def test_an_unknown_credential_is_refused_with_401(runtime: Runtime, key: str) -> None:
    await create_client(runtime, role=Role.ADMIN, name="ops")
    assert await status_with(runtime, key) == 401


async def test_a_wrong_secret_behind_a_real_key_id_is_refused(runtime: Runtime) -> None:
    issued = await create_client(runtime, role=Role.ADMIN, name="ops")
    forged = issued.key[:-4] + ("AAAA" if not issued.key.endswith("AAAA") else "BBBB")
    assert await status_with(runtime, forged) == 401


@pytest.mark.parametrize(
    ("role", "properties", "partner", "mistake"),
    [
        (Role.FRONT_DESK, [], None, "at least one --property"),
        (Role.FRONT_DESK, ["NOPE1"], None, "No property NOPE1"),
        (Role.BOOKING_PARTNER, [], None, "needs a --partner"),
        (Role.ANALYST, ["NYCTS"], None, "Only a front desk"),
        (Role.ADMIN, [], "AIRLINE", "Only a booking partner"),
    ],
)
async def test_a_client_needs_the_scope_of_its_role(
    runtime: Runtime, role: Role, properties: list[str], partner: str | None, mistake: str
) -> None:
    with pytest.raises(BusinessRuleError, match=mistake):
        await create_client(runtime, role=role, name="x", properties=properties, partner=partner)
    assert await list_clients(runtime) == []


async def test_creating_rotating_and_revoking_clients_is_audited(runtime: Runtime) -> None:
    issued = await create_client(runtime, role=Role.FRONT_DESK, name="desk", properties=["NYCTS"])
    rotated = await rotate_client(runtime, issued.client.key_id)
    await revoke_client(runtime, rotated.client.key_id)

    async with runtime.db.reading() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(e.subject, e.action) for e in entries] == [
        ("client", "CREATED"),
        ("client", "ROTATED"),
        ("client", "REVOKED"),
    ]
    assert entries[0].after is not None and entries[0].after["properties"] == ["NYCTS"]
    assert entries[2].before is not None and entries[2].before["revoked"] is False
    assert entries[2].after is not None and entries[2].after["revoked"] is True
    assert all(issued.key not in str(e.after) for e in entries)


async def test_idempotency_keys_belong_to_each_client(runtime: Runtime) -> None:
    app = make_app(runtime, strict=True)
    one = GraphQLClient(app, await api_key(runtime, "booking_partner", partner="SITE1"))
    two = GraphQLClient(app, await api_key(runtime, "booking_partner", partner="SITE2"))
    same_key = {"idempotencyKey": "signup-1"}

    first = await one(ENROLL, input={**same_key, "firstName": "Ada", "lastName": "One"})
    second = await two(ENROLL, input={**same_key, "firstName": "Bea", "lastName": "Two"})

    assert first["enrollGuest"]["guest"]["firstName"] == "Ada"
    assert second["enrollGuest"]["guest"]["firstName"] == "Bea"
    await one.aclose()
    await two.aclose()


def test_clients_on_the_command_line_show_the_key_once(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate", "--database", database]).exit_code == 0

    created = runner.invoke(
        cli, ["clients", "create", "--role", "analyst", "--name", "BI", "--database", database]
    )
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    key_id = key.split("_")[1]
    listed = runner.invoke(cli, ["clients", "list", "--database", database])
    assert key_id in listed.stdout and key not in listed.stdout

    revoked = runner.invoke(cli, ["clients", "revoke", key_id, "--database", database])
    assert revoked.exit_code == 0, revoked.output
    refused = runner.invoke(
        cli, ["clients", "create", "--role", "chef", "--name", "x", "--database", database]
    )
    assert refused.exit_code == 2


async def test_routes_other_than_graphql_leave_credentials_to_themselves(
    runtime: Runtime,
) -> None:
    app = make_app(runtime, strict=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://staytier.test"
    ) as http:
        response = await http.get("/health", headers={"Authorization": "Bearer not-ours"})
    assert response.status_code == 200
