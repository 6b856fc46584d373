"""``staytier verify-draw``: anyone re-checks a sweepstakes draw from what was published.

Kept apart from cli.py, which registers it. It reads the published sweepstakes (the answer
of the ``sweepstakes`` query, saved to a file) and needs no database or credential: a
member, an auditor or a regulator runs it on what the service showed everyone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer

from staytier.cli_app import app, console
from staytier.domain.sweepstakes import Entrant, draw_mistakes


class PublishedEntrant(msgspec.Struct):
    entrantId: str
    entries: int


class PublishedPrize(msgspec.Struct):
    name: str
    points: int
    count: int = 1


class PublishedWinner(msgspec.Struct):
    slot: int
    entrantId: str


class PublishedDraw(msgspec.Struct):
    """The fields of a ``Sweepstakes`` node the check needs."""

    code: str
    seedHash: str
    prizes: list[PublishedPrize]
    entrants: list[PublishedEntrant]
    winners: list[PublishedWinner]
    seed: str | None = None


def published_nodes(document: Any) -> list[Any]:
    """The sweepstakes nodes of a saved answer: the whole GraphQL response, its
    ``sweepstakes`` connection, a list of nodes, or one node."""
    if isinstance(document, dict) and "data" in document:
        document = document["data"]
    if isinstance(document, dict) and "sweepstakes" in document:
        document = document["sweepstakes"]
    if isinstance(document, dict) and "edges" in document:
        document = [edge["node"] for edge in document["edges"]]
    return document if isinstance(document, list) else [document]


@app.command("verify-draw")
def verify_draw(
    published: Annotated[
        Path,
        typer.Argument(
            help="The saved answer of `{ sweepstakes { edges { node { code seedHash seed "
            "prizes { name points count } entrants { entrantId entries } "
            "winners { slot entrantId } } } } }`."
        ),
    ],
    code: Annotated[
        str | None, typer.Option(help="The sweepstakes to check; every drawn one if unset.")
    ] = None,
) -> None:
    """Re-check a sweepstakes draw from what was published: the seed against its hash, and
    the winners by re-running the draw over the published entrants."""
    try:
        nodes = published_nodes(msgspec.json.decode(published.read_bytes()))
        draws = msgspec.convert(nodes, list[PublishedDraw])
    except (OSError, msgspec.DecodeError, msgspec.ValidationError, KeyError, TypeError) as exc:
        console.print(f"[red]Cannot read {published}: {exc}[/red]")
        raise typer.Exit(2) from exc
    chosen = [d for d in draws if code is None or d.code == code]
    if code is not None and not chosen:
        console.print(f"[red]{published} holds no sweepstakes {code}.[/red]")
        raise typer.Exit(2)
    failed = False
    for item in chosen:
        if item.seed is None:
            console.print(f"{item.code}: not drawn yet (no seed revealed); nothing to check.")
            failed = failed or code is not None
            continue
        mistakes = draw_mistakes(
            seed=item.seed,
            published_hash=item.seedHash,
            code=item.code,
            entrants=[Entrant(e.entrantId, e.entries) for e in item.entrants],
            slots=[(p.name, p.points) for p in item.prizes for _ in range(p.count)],
            winners=[(w.slot, w.entrantId) for w in item.winners],
        )
        if mistakes:
            failed = True
            for mistake in mistakes:
                console.print(f"[red]{item.code}: {mistake}[/red]")
            continue
        entries = sum(e.entries for e in item.entrants)
        console.print(
            f"{item.code}: the seed matches the published hash, and re-running the draw over "
            f"{len(item.entrants)} entrants ({entries} entries) gives the published "
            f"{len(item.winners)} winners."
        )
    if failed:
        raise typer.Exit(1)
