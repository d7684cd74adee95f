"""Every core model, re-exported so code can say ``from core.db import models as m`` and use ``m.User``."""

from __future__ import annotations

from core.db.models._activity import Activity
from core.db.models._auth import PasswordResetToken, RevokedToken
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
    "Invitation",
    "IssueType",
    "OrgMember",
    "Organization",
    "PasswordResetToken",
    "Project",
    "ProjectConfig",
    "ProjectMember",
    "RevokedToken",
    "User",
    "WorkflowStatus",
    "WorkflowTransition",
    "Workspace",
    "WorkspaceMember",
)
