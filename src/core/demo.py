"""Demo data for ``scrum seed-demo``: accounts a newcomer can sign in with.

Each domain adds its part here as it lands (organizations, workspaces, projects, issues), always idempotent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth.users import ensure_user

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ("DEMO_PASSWORD", "DEMO_USERS", "seed")

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = (
    ("alice@demo.ficct.dev", "alice", "Alice", "Andrade"),
    ("bruno@demo.ficct.dev", "bruno", "Bruno", "Barros"),
    ("carla@demo.ficct.dev", "carla", "Carla", "Cortez"),
)


async def seed(session: AsyncSession) -> list[str]:
    """Create the demo accounts (password :data:`DEMO_PASSWORD`); return one line per thing made or found."""
    lines: list[str] = []
    for email, username, first, last in DEMO_USERS:
        user, created = await ensure_user(
            session, email=email, username=username, first_name=first, last_name=last, password=DEMO_PASSWORD
        )
        lines.append(f"{'created' if created else 'exists '} user {user.email} / {DEMO_PASSWORD}")
    return lines
