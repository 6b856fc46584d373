"""``staytier serve`` as an operator starts it: the demo on either database, its partners
answering a guest's donation, and a first run without any API client, which warns with the
command to run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.serving import serving

DELIVERY_SECONDS = 30
DONATE = """mutation {
  donatePoints(input: {idempotencyKey: "tour-1", memberNumber: "1000000032",
                       charity: "GREENTREES", points: 1000}) {
    donation { status } userErrors { message } } }"""
REQUESTS = """{ guest(memberNumber: "1000000032") {
  partnerRequests(first: 1) { edges { node { partner state outcomeReason } } } } }"""


def test_the_demo_serves_on_the_database_it_is_given(database_url: str, tmp_path: Path) -> None:
    # On PostgreSQL this crashed with "attached to a different loop" before serving.
    with serving("--demo", "--database", database_url, cwd=tmp_path) as (base, printed):
        keys = dict(line.split("=", 1) for line in printed if line.startswith("ADMIN_KEY="))
        assert keys, printed
        answer = httpx.post(
            f"{base}/graphql",
            json={"query": '{ guest(memberNumber: "1000000032") { lastName tier { code } } }'},
            headers={"Authorization": f"Bearer {keys['ADMIN_KEY']}"},
            timeout=10,
        )
    assert answer.json() == {
        "data": {"guest": {"lastName": "Johnson", "tier": {"code": "SILVER"}}}
    }, printed
    assert "Demo: 5 properties, 4 members and 18 stays added." in printed
    assert not [line for line in printed if "Traceback" in line], printed


def test_a_server_without_any_client_says_how_to_make_the_first(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    with serving("--database", database, cwd=tmp_path) as (base, printed):
        refused = httpx.post(
            f"{base}/graphql",
            json={"query": "{ clock { now } }"},
            headers={"Authorization": "Bearer stk_000000000000_nothing"},
            timeout=5,
        )
        assert refused.status_code == 401
    warning = [line for line in printed if line.startswith("No API client exists yet")]
    assert warning == [
        'No API client exists yet: every request will be refused with "Not allowed.". '
        f"Create the first admin key with staytier init --database {database}"
    ], printed


def test_a_donation_in_the_demo_reaches_the_charity_simulator(tmp_path: Path) -> None:
    # The simulator checks an API key the environment does not set: the demo makes it up,
    # and the delivery worker beside the app must send that same key.
    database = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    with serving("--demo", "--database", database, cwd=tmp_path) as (base, printed):
        keys = dict(line.split("=", 1) for line in printed if line.startswith("GUEST_TOKEN="))
        guest = {"Authorization": f"Bearer {keys['GUEST_TOKEN']}"}

        def ask(query: str) -> dict[str, Any]:
            answer = httpx.post(f"{base}/graphql", json={"query": query}, headers=guest, timeout=10)
            data: dict[str, Any] = answer.json()["data"]
            return data

        donated = ask(DONATE)["donatePoints"]
        assert donated == {"donation": {"status": "PENDING"}, "userErrors": []}, printed
        deadline = time.monotonic() + DELIVERY_SECONDS
        while True:
            [request] = ask(REQUESTS)["guest"]["partnerRequests"]["edges"]
            if request["node"]["state"] != "PENDING" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert request["node"] == {
        "partner": "GREENTREES",
        "state": "ACCEPTED",
        "outcomeReason": "donation received, receipt GIFT-000001",
    }, printed
