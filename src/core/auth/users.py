"""Creating accounts outside the HTTP flow (CLI, demo data, tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from core.auth.passwords import hash_password
from core.auth.services import normalize_email
from core.db import models as m

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ("ensure_user",)


async def ensure_user(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    username: str | None = None,
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> tuple[m.User, bool]:
    """Create the account with ``email``, or update the existing one; commit. Returns the user and whether it is new."""
    email = normalize_email(email)
    user = await session.scalar(select(m.User).where(m.User.email == email))
    created = user is None
    if user is None:
        user = m.User(
            email=email, username=username or email.split("@", 1)[0], first_name=first_name, last_name=last_name
        )
        session.add(user)
    user.password_hash = await hash_password(password)
    user.is_staff = user.is_staff or is_staff
    user.is_superuser = user.is_superuser or is_superuser
    user.is_active = True
    await session.commit()
    return user, created
