"""Every core model, re-exported so code can say ``from core.db import models as m`` and use ``m.User``."""

from __future__ import annotations

from core.db.models._auth import PasswordResetToken, RevokedToken
from core.db.models._user import User

__all__ = ("PasswordResetToken", "RevokedToken", "User")
