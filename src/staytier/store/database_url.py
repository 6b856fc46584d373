"""What is wrong with a database URL, or with the database behind it, in words an operator
can act on.

SQLAlchemy and the drivers report a mistyped URL or a server that is down with a traceback
of fifty to five hundred lines whose last line names a module, not the fix. The command
line checks the URL before it opens anything (:func:`url_mistake`) and turns the errors
that opening it can still raise into one sentence (:func:`connection_problem`).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

SQLITE_EXAMPLE = "sqlite+aiosqlite:///staytier.db"
POSTGRES_EXAMPLE = "postgresql+asyncpg://user:password@host:5432/staytier"
EXAMPLES = f"{SQLITE_EXAMPLE} or {POSTGRES_EXAMPLE}"
DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}


def shown(url: str | URL) -> str:
    """A database URL fit for a terminal or a log: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return str(url)


def url_mistake(url: str) -> str | None:
    """Why staytier cannot use ``url``, with the fix; None when it may."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return f"{url!r} is not a database URL; use {EXAMPLES}."
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend not in DRIVERS:
        return f"staytier runs on SQLite or PostgreSQL, not {backend}; use {EXAMPLES}."
    if backend == "sqlite" and (mistake := _sqlite_file_mistake(parsed)):
        return mistake
    wanted = DRIVERS[backend]
    if driver != wanted:
        fixed = parsed.set(drivername=f"{backend}+{wanted}")
        return (
            f"{shown(url)}: staytier needs the {wanted} driver; "
            f"use {backend}+{wanted}:// ({shown(fixed)})."
        )
    return None


def _sqlite_file_mistake(parsed: URL) -> str | None:
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        return (
            f"{shown(parsed)} is an in-memory database, which vanishes with each connection; "
            f"name a file: {SQLITE_EXAMPLE}."
        )
    path = Path(database).expanduser().resolve()
    if path.is_dir():
        return f"Cannot open the SQLite database {database}: it is a folder, not a file."
    if not path.parent.is_dir():
        return (
            f"Cannot open the SQLite database {database}: the folder {path.parent} does not exist."
        )
    if not os.access(path if path.exists() else path.parent, os.R_OK | os.W_OK):
        return f"Cannot open the SQLite database {database}: permission denied."
    return None


def connection_problem(exc: BaseException, url: str) -> str | None:
    """One sentence for an error raised while connecting to ``url``; None when ``exc`` is
    not a connection problem (a bug, which should show its traceback)."""
    cause: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    if isinstance(cause, sqlite3.OperationalError) or (
        type(cause).__module__.startswith("aiosqlite") and "unable to open" in str(cause)
    ):
        database = make_url(url).database
        return f"Cannot open the SQLite database {database}: {cause}."
    text = str(cause).strip() or type(cause).__name__
    if isinstance(cause, ConnectionRefusedError):
        text = "connection refused"
    if isinstance(cause, ConnectionRefusedError | TimeoutError) or (
        isinstance(cause, OSError) and not isinstance(cause, FileNotFoundError)
    ):
        return (
            f"Cannot reach the database at {shown(url)}: {text}. "
            "Is the server running, and are the host and port right?"
        )
    if type(cause).__module__.startswith("asyncpg"):
        return f"The database at {shown(url)} refused the connection: {text}."
    return None
