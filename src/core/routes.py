"""Every route handler of the core, in one list the app factory mounts."""

from __future__ import annotations

from core.auth.controllers import AuthController
from core.organizations.controllers import InvitationController, OrganizationController, OrgMemberController
from core.system.controllers import SystemController

__all__ = ("CORE_ROUTES",)

CORE_ROUTES = [
    AuthController,
    SystemController,
    OrganizationController,
    OrgMemberController,
    InvitationController,
]
