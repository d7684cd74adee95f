"""Every core model, re-exported so code can say ``from core.db import models as m`` and use ``m.User``."""

from __future__ import annotations

from core.db.models._activity import Activity
from core.db.models._agile import Board, BoardColumn, Sprint
from core.db.models._auth import PasswordResetToken, RevokedToken
from core.db.models._events import EventDelivery
from core.db.models._issue import Attachment, Comment, Issue, IssueLink
from core.db.models._project import (
    IssueType,
    Project,
    ProjectConfig,
    ProjectMember,
    WorkflowStatus,
    WorkflowTransition,
)
from core.db.models._tenancy import Invitation, Organization, OrgMember, Workspace, WorkspaceMember
from core.db.models._user import User

__all__ = (
    "Activity",
    "Attachment",
    "Board",
    "BoardColumn",
    "Comment",
    "EventDelivery",
    "Invitation",
    "Issue",
    "IssueLink",
    "IssueType",
    "OrgMember",
    "Organization",
    "PasswordResetToken",
    "Project",
    "ProjectConfig",
    "ProjectMember",
    "RevokedToken",
    "Sprint",
    "User",
    "WorkflowStatus",
    "WorkflowTransition",
    "Workspace",
    "WorkspaceMember",
)
