"""Prometheus metrics, with ``prometheus-client``.

Each app (and each scheduler) has its own :class:`~prometheus_client.CollectorRegistry`
rather than the library's global one: a test suite builds hundreds of apps, and a metric
registered twice in one registry is an error.

Two kinds of figures:

- **What this process saw**, counted as it happens: HTTP requests, GraphQL operations by
  operation and outcome with their latency, userErrors by code, and (in the scheduler)
  job runs and their durations. With ``serve --workers N`` each process counts its own;
  Prometheus sums them when each process is scraped (see docs/operations.md).
- **What the database holds**, read when ``/metrics`` is scraped: the outbox depth and the
  age of its oldest open request per partner, job runs recorded per job and the last one's
  time, and the connection pool in use. These are the same whichever process answers.

Label values are bounded: the GraphQL ``operation`` label is the root fields the document
selects (names from the schema), not the client's operation name, which is free text.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select

from staytier.domain.outbox import OPEN_STATES, RequestState
from staytier.store.models import JobRun, PartnerRequest

if TYPE_CHECKING:
    from staytier.services.runtime import Runtime

__all__ = ["CONTENT_TYPE_LATEST", "JobMetrics", "ServiceMetrics"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600)


class ServiceMetrics:
    """The metrics of one served app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter(
            "staytier_http_requests",
            "HTTP requests answered, by route and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_seconds = Histogram(
            "staytier_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.operations = Counter(
            "staytier_graphql_operations",
            "GraphQL operations by root fields and outcome (ok, user_error, error, refused).",
            ["operation", "outcome"],
            registry=r,
        )
        self.operation_seconds = Histogram(
            "staytier_graphql_operation_duration_seconds",
            "Time to execute a GraphQL operation.",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.user_errors = Counter(
            "staytier_graphql_user_errors",
            "userErrors returned to clients, by code.",
            ["code"],
            registry=r,
        )
        self.outbox_open = Gauge(
            "staytier_outbox_open_requests",
            "Partner requests not yet final (PENDING or RETRYING), by partner and state.",
            ["partner", "state"],
            registry=r,
        )
        self.outbox_oldest = Gauge(
            "staytier_outbox_oldest_open_request_age_seconds",
            "Age of the oldest partner request not yet final, by partner.",
            ["partner"],
            registry=r,
        )
        self.outbox_dead = Gauge(
            "staytier_outbox_dead_requests",
            "Partner requests that ran out of attempts (DEAD), by partner.",
            ["partner"],
            registry=r,
        )
        self.job_runs = Gauge(
            "staytier_job_runs_recorded",
            "Date-bound job runs recorded in job_runs, by job.",
            ["job"],
            registry=r,
        )
        self.job_last_run = Gauge(
            "staytier_job_last_run_timestamp_seconds",
            "When each date-bound job last ran (Unix time).",
            ["job"],
            registry=r,
        )
        self.pool_in_use = Gauge(
            "staytier_db_pool_connections_in_use",
            "Database connections checked out of this process's pool.",
            registry=r,
        )
        self.pool_size = Gauge(
            "staytier_db_pool_size",
            "Connections this process's pool keeps open (not counting overflow).",
            registry=r,
        )

    async def scrape(self, runtime: Runtime) -> bytes:
        """The text exposition, after reading what the database holds."""
        await self._read_database(runtime)
        return generate_latest(self.registry)

    async def _read_database(self, runtime: Runtime) -> None:
        now = runtime.now()
        async with runtime.db.reading() as session:
            outbox = (
                await session.execute(
                    select(
                        PartnerRequest.partner,
                        PartnerRequest.state,
                        func.count(),
                        func.min(PartnerRequest.created_at),
                    ).group_by(PartnerRequest.partner, PartnerRequest.state)
                )
            ).all()
            jobs = (
                await session.execute(
                    select(JobRun.job, func.count(), func.max(JobRun.ran_at)).group_by(JobRun.job)
                )
            ).all()
        self.outbox_open.clear()
        self.outbox_oldest.clear()
        self.outbox_dead.clear()
        oldest: dict[str, dt.datetime] = {}
        for partner, state, count, first in outbox:
            if state in {open_state.value for open_state in OPEN_STATES}:
                self.outbox_open.labels(partner, state).set(count)
                oldest[partner] = min(first, oldest.get(partner, first))
            elif state == RequestState.DEAD.value:
                self.outbox_dead.labels(partner).set(count)
        for partner, first in oldest.items():
            self.outbox_oldest.labels(partner).set(max(0.0, (now - _aware(first)).total_seconds()))
        for job, count, last in jobs:
            self.job_runs.labels(job).set(count)
            self.job_last_run.labels(job).set(_aware(last).timestamp())
        pool: Any = runtime.db.write_engine.pool
        self.pool_in_use.set(getattr(pool, "checkedout", lambda: 0)())
        self.pool_size.set(getattr(pool, "size", lambda: 0)())


class JobMetrics:
    """The scheduler's metrics: each job's runs by outcome and their durations."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.runs = Counter(
            "staytier_job_runs",
            "Date-bound job runs by job and outcome (ran, already_ran, failed).",
            ["job", "outcome"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "staytier_job_duration_seconds",
            "Time a date-bound job took.",
            ["job"],
            buckets=JOB_BUCKETS,
            registry=self.registry,
        )
        self.last_success = Gauge(
            "staytier_job_last_success_timestamp_seconds",
            "When each job last finished without error (Unix time).",
            ["job"],
            registry=self.registry,
        )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
