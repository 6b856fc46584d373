"""What the service tells its operator: structured logs, Prometheus metrics, health and
readiness, and optional OpenTelemetry traces (see docs/operations.md)."""
