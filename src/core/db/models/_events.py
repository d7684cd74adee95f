"""Per-handler delivery records of lifecycle events: what makes redelivery exactly-once per handler."""

from __future__ import annotations

import uuid

from advanced_alchemy.types import GUID
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import UUIDv7AuditBase

__all__ = ("EventDelivery",)


class EventDelivery(UUIDv7AuditBase):
    """Plugin ``plugin`` has handled the event carried by activity row ``activity_id``."""

    __tablename__ = "event_deliveries"
    __table_args__ = (UniqueConstraint("activity_id", "plugin"),)

    activity_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("activity_log.id", ondelete="CASCADE"))
    plugin: Mapped[str] = mapped_column(String(100))
