"""``staytier clients``: create (prints the key once), list, rotate and revoke API clients."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any

import typer

from staytier.cli_app import (
    DatabaseOption,
    _console,
    _runtime,
    _settings,
    app,
    console,
)

clients_app = typer.Typer(
    help="API clients: create (prints the key once), list, rotate, revoke.",
    no_args_is_help=True,
)
app.add_typer(clients_app, name="clients")

RoleOption = Annotated[
    str,
    typer.Option(
        "--role", help="front_desk, booking_partner, guest, analyst or admin.", show_default=False
    ),
]


def _client_call(job: Coroutine[Any, Any, Any]) -> Any:
    from staytier.domain.errors import BusinessRuleError

    try:
        return asyncio.run(job)
    except BusinessRuleError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc


def _show_key(issued: Any) -> None:
    console.print(
        f"Client {issued.client.name!r} ({issued.client.role}), key id {issued.client.key_id}."
    )
    console.print("The key is shown once; store it now:", style="bold")
    print(issued.key)


@clients_app.command("create")
def clients_create(
    role: RoleOption,
    name: Annotated[str, typer.Option("--name", help="Who uses the key, e.g. 'NYCTS PMS'.")],
    property_codes: Annotated[
        list[str] | None,
        typer.Option("--property", help="A property a front desk serves (repeat for more)."),
    ] = None,
    partner: Annotated[
        str | None, typer.Option("--partner", help="The partner code of a booking partner.")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Create an API client and print its key, once (only a hash of it is stored)."""
    from staytier.domain.access import Role
    from staytier.services.clients import create_client

    try:
        chosen = Role(role)
    except ValueError as exc:
        console.print(f"[red]Unknown role {role!r}: {', '.join(r.value for r in Role)}.[/red]")
        raise typer.Exit(2) from exc
    settings = _settings(database_url=database)
    runtime = _runtime(settings)
    issued = _client_call(
        create_client(runtime, role=chosen, name=name, properties=property_codes, partner=partner)
    )
    _show_key(issued)


@clients_app.command("list")
def clients_list(database: DatabaseOption = None) -> None:
    """List the API clients (never their keys)."""
    from rich.table import Table

    from staytier.services.clients import list_clients

    runtime = _runtime(_settings(database_url=database))
    table = Table("key id", "name", "role", "scope", "created", "rotated", "revoked")
    for client in asyncio.run(list_clients(runtime)):
        table.add_row(
            client.key_id,
            client.name,
            client.role,
            client.property_codes or client.partner_code or "",
            f"{client.created_at:%Y-%m-%d %H:%M}",
            f"{client.rotated_at:%Y-%m-%d %H:%M}" if client.rotated_at else "",
            f"{client.revoked_at:%Y-%m-%d %H:%M}" if client.revoked_at else "",
        )
    _console().print(table)


@clients_app.command("rotate")
def clients_rotate(
    key_id: Annotated[str, typer.Argument(help="The client's key id (see `clients list`).")],
    database: DatabaseOption = None,
) -> None:
    """Give a client a new key; the old key stops working at once."""
    from staytier.services.clients import rotate_client

    runtime = _runtime(_settings(database_url=database))
    _show_key(_client_call(rotate_client(runtime, key_id)))


@clients_app.command("revoke")
def clients_revoke(
    key_id: Annotated[str, typer.Argument(help="The client's key id (see `clients list`).")],
    database: DatabaseOption = None,
) -> None:
    """Revoke a client: its key stops working with the next request."""
    from staytier.services.clients import revoke_client

    runtime = _runtime(_settings(database_url=database))
    client = _client_call(revoke_client(runtime, key_id))
    console.print(f"Client {client.name!r} ({client.key_id}) is revoked.")
