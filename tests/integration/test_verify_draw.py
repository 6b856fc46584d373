"""``staytier verify-draw``: a reader saves the published sweepstakes (the operation
graphql/operations/admin/sweepstakes.graphql's answer) and re-checks the draw with no
database and no credential; a tampered list of entrants or winners, or a seed that is not
the committed one, fails the check."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from staytier.cli import app
from tests.engagement_support import draw
from tests.privilege_support import set_clock
from tests.support import GraphQLClient, enroll, record

D = dt.date
PUBLISHED = (
    Path(__file__).resolve().parents[2] / "graphql/operations/admin/sweepstakes.graphql"
).read_text()


def verify(folder: Path, answer: dict[str, Any], *args: str) -> tuple[int, str]:
    saved = folder / "published.json"
    saved.write_text(json.dumps(answer))
    done = CliRunner().invoke(app, ["verify-draw", str(saved), *args], env={"COLUMNS": "200"})
    return done.exit_code, " ".join(done.output.split())


async def test_a_reader_re_checks_the_published_draw_and_spots_tampering(
    client: GraphQLClient, tmp_path: Path
) -> None:
    for index in range(6):
        number = await enroll(client, f"Guest{index}", "Entrant")
        await record(client, member_number=number, arrival=D(2026, 2, 1), nights=index + 2)
    await set_clock(client, dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC))
    assert (await draw(client))["userErrors"] == []
    answer = {"data": await client(PUBLISHED, first=5)}
    node = answer["data"]["sweepstakes"]["edges"][0]["node"]

    checked = verify(tmp_path, answer)
    one = verify(tmp_path, node, "--code", "NIGHTS2026")
    more_entries = copy.deepcopy(node)
    more_entries["entrants"][0]["entries"] += 40
    other_seed = {**node, "seed": "a-seed-chosen-after-the-fact"}
    swapped = copy.deepcopy(node)
    swapped["winners"][0]["entrantId"] = node["entrants"][-1]["entrantId"] + "0"

    assert checked == (
        0,
        "NIGHTS2026: the seed matches the published hash, and re-running the draw over 6 "
        "entrants (27 entries) gives the published 3 winners.",
    )
    assert one[0] == 0
    assert verify(tmp_path, more_entries)[0] == 1
    assert "re-running the draw gives" in verify(tmp_path, more_entries)[1]
    refused_seed = verify(tmp_path, other_seed)
    assert refused_seed[0] == 1 and "not to the published" in refused_seed[1]
    assert verify(tmp_path, swapped)[0] == 1
    assert verify(tmp_path, node, "--code", "NOSUCH")[0] == 2
