"""OpenTelemetry traces: off unless ``STAYTIER_TRACING=true``.

The OpenTelemetry packages are an optional extra (``pip install 'staytier[tracing]'``) so
the default install stays small. When tracing is on, Litestar's OpenTelemetry middleware
opens a span per request, and the SDK is configured from the standard ``OTEL_*``
variables (``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_SERVICE_NAME``...), exporting over OTLP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from staytier.settings import Settings

EXTRA = "pip install 'staytier[tracing]'"


class TracingUnavailable(RuntimeError):
    """Tracing was asked for without the OpenTelemetry packages installed."""


def tracing_middleware(settings: Settings) -> list[Any]:
    """The middleware that traces requests; none unless tracing is configured."""
    if not settings.tracing:
        return []
    try:
        from litestar.plugins.opentelemetry import OpenTelemetryConfig
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise TracingUnavailable(
            f"STAYTIER_TRACING is on but OpenTelemetry is not installed: {EXTRA}"
        ) from exc
    provider = TracerProvider()  # resource and sampler from the OTEL_* variables
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return [OpenTelemetryConfig(tracer_provider=provider).middleware]
