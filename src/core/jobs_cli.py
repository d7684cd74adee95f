"""``scrum workers ...`` when there is no job broker: say clearly that jobs run inside the server.

With ``REDIS_URL`` set, litestar-saq provides the real ``workers run`` and ``workers status`` commands instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from litestar.cli._utils import LitestarGroup

if TYPE_CHECKING:
    from litestar import Litestar

__all__ = ("workers_without_broker",)

_EXPLANATION = (
    "no job broker is configured (REDIS_URL is unset, or SCRUM_JOBS_BACKEND=in-process): background jobs and "
    "cron run inside the server process, so there is no worker to start. Set REDIS_URL to run workers."
)


@click.group(cls=LitestarGroup, name="workers", no_args_is_help=True)
def workers_without_broker() -> None:
    """Background job workers (they need REDIS_URL)."""


@click.command(name="run")
def run_workers(app: Litestar) -> None:
    """Explain that jobs run in the server process, and exit with status 2."""
    click.echo(f"configuration error: {_EXPLANATION}", err=True)
    raise SystemExit(2)


@click.command(name="status")
def workers_status(app: Litestar) -> None:
    """Say where jobs run."""
    names = sorted(app.state.jobs.names)
    click.echo(f"jobs run in-process ({len(names)} registered: {', '.join(names) or 'none'})")


workers_without_broker.add_command(run_workers)  # type: ignore[arg-type]  # a plain click command
workers_without_broker.add_command(workers_status)  # type: ignore[arg-type]
