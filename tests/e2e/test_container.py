"""The container image's commands, run outside a container.

CI has no Docker daemon, so the image is not built there (docs/operations.md says so). What
the image would run is tested instead: the Dockerfile's entrypoint and health check, and
each compose service's command with the environment compose gives it, against a real
database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.e2e.serving import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a-production-secret-that-is-long-enough-0123456789"


def dockerfile() -> list[str]:
    return (ROOT / "Dockerfile").read_text().splitlines()


def compose_services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    return services


def staytier(command: list[str], environment: dict[str, str], cwd: Path) -> str:
    """Runs ``staytier COMMAND`` as the image's entrypoint would; returns what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "staytier.cli", *command],
        env={**os.environ, **environment},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_the_image_runs_as_a_user_and_checks_readiness() -> None:
    lines = dockerfile()
    final_stage = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM ")) :]
    users = [line.split()[1] for line in final_stage if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["staytier"]' in final_stage
    assert "/health/ready" in " ".join(final_stage)
    assert any("pip install" in line and "/wheels" in line for line in final_stage)


def test_compose_runs_postgresql_the_api_a_worker_and_the_scheduler() -> None:
    services = compose_services()
    assert {"db", "migrate", "api", "worker", "scheduler"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["api"]["command"] == ["serve"]
    assert services["worker"]["command"] == ["worker"]
    assert services["scheduler"]["command"][0] == "scheduler"
    for name in ("api", "worker", "scheduler"):
        url = services[name]["environment"]["STAYTIER_DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://") and "@db:5432/" in url


def test_each_services_command_runs_with_the_environment_compose_gives_it(
    database_url: str, tmp_path: Path
) -> None:
    services = compose_services()
    environment = {
        **services["api"]["environment"],
        "STAYTIER_DATABASE_URL": database_url,
        "STAYTIER_SECRET_KEY": SECRET,
    }

    assert "is up to date" in staytier(services["migrate"]["command"], environment, tmp_path)
    key = staytier(["init"], environment, tmp_path)
    assert "stk_" in key
    scheduler = [
        str(free_port()) if part == "9102" else part for part in services["scheduler"]["command"]
    ]
    assert "running the date-bound jobs" in staytier([*scheduler, "--once"], environment, tmp_path)
    assert "delivering partner requests" in staytier(
        [*services["worker"]["command"], "--once"], environment, tmp_path
    )

    health_check = next(line for line in dockerfile() if line.strip().startswith('CMD ["python"'))
    probe = json.loads(health_check.strip()[len("CMD ") :])
    with serving(*services["api"]["command"][1:], cwd=tmp_path, env=environment) as (base, _):
        port = base.rsplit(":", 1)[1]
        checked = subprocess.run(
            [sys.executable, *probe[1:]],
            env={**os.environ, "STAYTIER_PORT": port},
            capture_output=True,
            timeout=30,
        )
    assert checked.returncode == 0, checked.stderr
