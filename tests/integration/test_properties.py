"""Registering properties: through the API, and from a file with the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from staytier.cli import app
from tests.support import GraphQLClient, enroll, guest, record

UPSERT = """
mutation($input: UpsertPropertyInput!) {
  upsertProperty(input: $input) {
    property { code name timeZone category currency country }
    created
    userErrors { code field }
  }
}
"""
ROME = {
    "code": "romsp",
    "name": "Staytier Roma Spagna",
    "brand": "Staytier",
    "timeZone": "Europe/Rome",
    "category": 6,
    "currency": "EUR",
    "country": "it",
}


async def upsert(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client(UPSERT, input=ROME | fields))["upsertProperty"]
    return payload


async def test_a_new_property_takes_stays_in_its_own_currency(client: GraphQLClient) -> None:
    created = await upsert(client)
    assert created["created"] is True and created["userErrors"] == []
    assert created["property"] == {
        "code": "ROMSP",
        "name": "Staytier Roma Spagna",
        "timeZone": "Europe/Rome",
        "category": 6,
        "currency": "EUR",
        "country": "IT",
    }
    number = await enroll(client)
    await record(
        client,
        member_number=number,
        property_code="ROMSP",
        arrival=dt.date(2026, 2, 1),
        nights=2,
        room="100",
    )
    assert (await guest(client, number))["points"]["balance"] == 1_100  # 100 EUR at 1.10


async def test_registering_the_same_code_again_updates_it(client: GraphQLClient) -> None:
    await upsert(client)
    updated = await upsert(client, name="Staytier Roma Trevi", category=7)
    assert updated["created"] is False
    found = await client('{ property(code: "ROMSP") { name category } }')
    assert found["property"] == {"name": "Staytier Roma Trevi", "category": 7}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"code": "R"}, ("INVALID_INPUT", "code")),
        ({"timeZone": "Europe/Atlantis"}, ("INVALID_INPUT", "timeZone")),
        ({"category": 9}, ("INVALID_INPUT", "category")),
        ({"currency": "ITL"}, ("UNKNOWN_CURRENCY", "currency")),
        ({"name": " "}, ("INVALID_INPUT", "name")),
    ],
)
async def test_a_bad_property_is_refused_and_nothing_is_stored(
    client: GraphQLClient, change: dict[str, Any], expected: tuple[str, str]
) -> None:
    refused = await upsert(client, **change)
    assert refused["property"] is None
    assert expected in [(e["code"], e["field"]) for e in refused["userErrors"]]
    code = change.get("code", "ROMSP")
    assert (await client("query($c: String!) { property(code: $c) { code } }", c=code)) == {
        "property": None
    }


async def test_properties_are_listed_in_pages(client: GraphQLClient) -> None:
    query = """query($after: String) { properties(first: 3, after: $after) {
        edges { node { code } } pageInfo { hasNextPage endCursor } } }"""
    first = (await client(query, after=None))["properties"]
    second = (await client(query, after=first["pageInfo"]["endCursor"]))["properties"]
    codes = [e["node"]["code"] for e in first["edges"] + second["edges"]]
    assert codes == ["NYCTS", "PAROP", "LONKX", "TYOGZ", "SINMB"]
    assert first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]


def test_the_cli_loads_a_properties_file_all_or_nothing(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    good = tmp_path / "properties.toml"
    good.write_text(
        'properties = [{ code = "MILDU", name = "Staytier Milano Duomo", brand = "Staytier", '
        'time_zone = "Europe/Rome", category = 5, currency = "EUR" }]\n'
    )
    runner = CliRunner()
    loaded = runner.invoke(app, ["load-properties", str(good), "--database", database])
    assert loaded.exit_code == 0, loaded.output
    assert "1 properties added, 0 updated" in loaded.output
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'properties = [{ code = "OK1", name = "Fine", brand = "S", time_zone = "UTC", '
        'category = 1, currency = "USD" }, { code = "x", name = "Bad", brand = "S", '
        'time_zone = "Mars/Base", category = 0, currency = "USD" }]\n'
    )
    refused = runner.invoke(app, ["load-properties", str(bad), "--database", database])
    assert refused.exit_code == 1
    assert "properties[1] (x): code" in refused.output
    assert "timeZone" in refused.output and "category" in refused.output
    again = runner.invoke(app, ["load-properties", str(good), "--database", database])
    assert "0 properties added, 1 updated" in again.output
