"""Logs as one JSON object per line, each carrying the request it belongs to.

The standard library's ``logging`` with a JSON formatter, not structlog: every library the
service runs on (uvicorn, SQLAlchemy, Alembic, httpx) logs through the standard library, so
one formatter makes all of their lines structured, with no second logging pipeline and no
new dependency. The fields that tie a line to a request (``request_id``, ``client``,
``operation``) come from context variables that the HTTP middleware and the GraphQL layer
set, so no call site has to pass them.

Personal data is never logged: messages name members by id or member number, GraphQL
variables are never logged, and a refused request's message has the offending value
removed (see :func:`staytier.api.graphql.schema.StaytierSchema.process_errors`).
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from contextlib import AbstractContextManager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import msgspec

from staytier.scoped import scoped

if TYPE_CHECKING:
    from staytier.settings import Settings

# The GraphQL operation a log line belongs to (its name, or its root fields when unnamed).
_operation: ContextVar[str] = ContextVar("staytier_log_operation", default="")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def operation(name: str) -> AbstractContextManager[None]:
    """Within the block, log lines name the GraphQL operation ``name``."""
    return scoped(_operation, name)


def request_fields() -> dict[str, str]:
    """The request a log line belongs to: its id, the client's key id, the operation."""
    from staytier.services.audit import current_actor

    actor = current_actor()
    fields = {}
    if actor.request_id:
        fields["request_id"] = actor.request_id
    if actor.client_id:
        fields["client"] = actor.client_id
    if _operation.get():
        fields["operation"] = _operation.get()
    return fields


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", request fields..., "exception"}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **request_fields(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(entry).decode()


def json_logs(settings: Settings) -> bool:
    """JSON unless asked for text; ``auto`` is JSON in production, text in development."""
    if settings.log_format == "auto":
        return not settings.development
    return settings.log_format == "json"


def configure_logging(settings: Settings) -> None:
    """Sends every logger's lines to stderr at the configured level, as JSON or text."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_logs(settings) else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # At INFO and below SQLAlchemy logs each statement with its parameters: guests' names
    # and emails. Never, whatever the level.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    # uvicorn's own loggers: the same handler and format instead of their own.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
