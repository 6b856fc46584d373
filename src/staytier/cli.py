"""The ``staytier`` command line: serve, migrate, load the demo, run the year-end jobs.

The entry point (``staytier = "staytier.cli:main"``, and ``python -m staytier.cli``). The
app and what its commands share are in :mod:`staytier.cli_app`; each ``cli_*`` module
registers its commands on that app when imported.
"""

from __future__ import annotations

# Each module registers its commands on the app when imported: the order of these imports
# is the order in which `staytier --help` lists the commands.
# isort: off
from staytier import cli_serve  # noqa: F401  serve, init, migrate, load-demo, load-properties
from staytier import cli_workers  # noqa: F401  worker, scheduler
from staytier import cli_jobs  # noqa: F401  requalify, expire-points, -certificates, birthdays
from staytier import cli_program  # noqa: F401  generate, check-program, export-schema
from staytier import cli_engagement  # noqa: F401  verify-draw
from staytier import cli_insight  # noqa: F401  what-if, report
from staytier import cli_stays  # noqa: F401  import-stays
from staytier import cli_clients  # noqa: F401  the clients group (listed last, as groups are)

# isort: on
from staytier.cli_app import app

__all__ = ["app", "main"]


def main() -> None:
    app(prog_name="staytier")


if __name__ == "__main__":
    main()
