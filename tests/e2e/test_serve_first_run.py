"""``staytier serve`` as an operator starts it: the demo on either database, and a first
run without any API client, which warns with the command to run."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.serving import serving


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
