"""The long-running processes beside the service: ``staytier worker`` (delivers the outbox)
and ``staytier scheduler`` (runs the date-bound jobs when due)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from staytier.cli_app import (
    DatabaseOption,
    ProgramOption,
    _report,
    _runtime,
    _settings,
    app,
    console,
)
from staytier.observability.logs import configure_logging

if TYPE_CHECKING:
    from staytier.services.runtime import Runtime


@app.command()
def worker(
    database: DatabaseOption = None,
    program: ProgramOption = None,
    partners: Annotated[
        Path | None, typer.Option("--partners", help="Partners file (env STAYTIER_PARTNERS).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Requests claimed per pass.")] = 20,
    idle_seconds: Annotated[float, typer.Option(help="Rest when nothing is due.")] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due, then exit.")] = False,
) -> None:
    """Deliver the outbox's partner requests (run as many workers as you like)."""
    settings = _settings(
        database_url=database,
        program=program,
        partners=str(partners) if partners else None,
    )
    configure_logging(settings)
    runtime = _runtime(settings)
    asyncio.run(_work(runtime, batch_size=batch_size, idle_seconds=idle_seconds, once=once))


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, so a long-running command finishes what it is
    doing and exits cleanly."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _work(runtime: Runtime, *, batch_size: int, idle_seconds: float, once: bool) -> None:
    from staytier.services.delivery import DeliveryWorker

    delivery = DeliveryWorker(runtime, batch_size=batch_size)
    console.print(f"Worker {delivery.name} delivering partner requests.")
    try:
        if once:
            while await delivery.deliver_due():
                pass
            return
        await delivery.run(_stop_on_signals(), idle_seconds=idle_seconds)
    finally:
        await delivery.aclose()
        await runtime.db.dispose()


@app.command()
def scheduler(
    database: DatabaseOption = None,
    program: ProgramOption = None,
    interval: Annotated[float, typer.Option(help="Seconds between passes.", min=1)] = 60.0,
    catch_up_days: Annotated[
        int, typer.Option(help="Days each pass looks back for jobs missed.", min=1)
    ] = 7,
    metrics_port: Annotated[
        int, typer.Option(help="Serve the job metrics on this port (0: not at all).")
    ] = 0,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
) -> None:
    """Run requalification, expiry, birthdays and certificate expiry when due (no cron)."""
    settings = _settings(database_url=database, program=program)
    configure_logging(settings)
    runtime = _runtime(settings)
    asyncio.run(
        _schedule(
            runtime,
            interval=interval,
            catch_up=dt.timedelta(days=catch_up_days),
            metrics_port=metrics_port,
            once=once,
        )
    )


async def _schedule(
    runtime: Runtime, *, interval: float, catch_up: dt.timedelta, metrics_port: int, once: bool
) -> None:
    from prometheus_client import start_http_server

    from staytier.observability.metrics import JobMetrics
    from staytier.services.scheduler import Scheduler

    metrics = JobMetrics()
    if metrics_port:
        start_http_server(metrics_port, registry=metrics.registry)

    def reported(report: Any) -> None:
        again = bool(report.summary.get("already_ran"))
        metrics.runs.labels(report.job, "already_ran" if again else "ran").inc()
        if not again:
            metrics.seconds.labels(report.job).observe(report.seconds)
            metrics.last_success.labels(report.job).set_to_current_time()
            _report(f"{report.job} {report.run_key}", report.summary)

    def failed(_exc: BaseException) -> None:
        metrics.runs.labels("(pass)", "failed").inc()

    jobs = Scheduler(runtime, catch_up=catch_up, on_report=reported, on_failure=failed)
    console.print(f"Scheduler {jobs.name} running the date-bound jobs when due.")
    try:
        if once:
            done = await jobs.run_once()
            if not done.led:
                console.print("Another scheduler holds the lease; nothing run.")
            await jobs.release()
            return
        await jobs.run(_stop_on_signals(), interval_seconds=interval)
    finally:
        await runtime.db.dispose()
