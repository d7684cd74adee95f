"""Command line: ``scrum`` is the Litestar CLI with this app preselected, plus the project's own commands.

``scrum run``, ``scrum database upgrade``, ``scrum createsuperuser``, ``scrum seed-demo``.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from litestar import Litestar
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.settings import Settings

__all__ = ("main", "register_commands")


def _run_with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[None]]) -> None:
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from core.db.config import configure_sqlite

    async def runner() -> None:
        engine = create_async_engine(settings.database_url)
        if settings.is_sqlite:
            configure_sqlite(engine)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as session:
                await work(session)
        finally:
            await engine.dispose()

    asyncio.run(runner())


def _settings_from(app: Litestar) -> Settings:
    settings: Settings = app.state.settings
    return settings


@click.command("createsuperuser")
@click.option("--email", prompt=True, help="Email address (also the login).")
@click.option("--username", default=None, help="Username (default: the part of the email before @).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Password.")
def createsuperuser(app: Litestar, email: str, username: str | None, password: str) -> None:
    """Create a staff superuser, or promote and reset the password of an existing account with that email."""
    from core.auth.users import ensure_user

    settings = _settings_from(app)

    async def work(session: AsyncSession) -> None:
        user, created = await ensure_user(
            session, email=email, username=username, password=password, is_staff=True, is_superuser=True
        )
        click.echo(f"{'created' if created else 'updated'} superuser {user.email} (id {user.id})")

    _run_with_session(settings, work)


@click.command("seed-demo")
def seed_demo(app: Litestar) -> None:
    """Load demo data so a newcomer sees a living system (safe to run again: nothing is duplicated)."""
    from core.demo import seed

    settings = _settings_from(app)

    async def work(session: AsyncSession) -> None:
        for line in await seed(session, settings):
            click.echo(line)

    _run_with_session(settings, work)


def register_commands(cli: click.Group) -> None:
    """Attach the project's commands to the root CLI group."""
    cli.add_command(createsuperuser)
    cli.add_command(seed_demo)


def main() -> None:
    """Entry point of the ``scrum`` console script."""
    os.environ.setdefault("LITESTAR_APP", "core.app:create_app")
    from litestar.cli.main import litestar_group

    litestar_group()
