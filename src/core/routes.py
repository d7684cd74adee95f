"""Every route handler of the core, in one list the app factory mounts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.auth.controllers import AuthController
from core.boards.controllers import BoardController
from core.issues.controllers import IssueController
from core.issues.extras_controllers import CommentController, LinkController, attachment_controller
from core.organizations.controllers import InvitationController, OrganizationController, OrgMemberController
from core.projects.controllers import ProjectConfigController, ProjectController, ProjectMemberController
from core.reporting.controllers import ActivityController, ReportController
from core.sprints.controllers import SprintController
from core.system.controllers import SystemController
from core.workflow.controllers import IssueTypeController, TransitionController, WorkflowStatusController
from core.workspaces.controllers import WorkspaceController, WorkspaceMemberController

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = ("core_routes",)

_STATIC_ROUTES = [
    AuthController,
    SystemController,
    OrganizationController,
    OrgMemberController,
    InvitationController,
    ProjectController,
    ProjectMemberController,
    ProjectConfigController,
    WorkspaceMemberController,
    WorkspaceController,
    IssueTypeController,
    WorkflowStatusController,
    TransitionController,
    IssueController,
    CommentController,
    LinkController,
    ActivityController,
    ReportController,
    SprintController,
    BoardController,
]


def core_routes(settings: Settings) -> list[Any]:
    """Every core route handler; a few depend on settings (the attachment size limit)."""
    return [*_STATIC_ROUTES, attachment_controller(settings.attachment_max_mb)]
