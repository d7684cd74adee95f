"""``/api/v1/workspaces/...``: workspaces and their members. Thin: parse, call a service, present."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.context import Ctx
from core.http.body import read_body
from core.http.pagination import Page, page_params
from core.http.params import FromPath, FromQuery, JSONBody, flag, optional_uuid
from core.workspaces import presenters as p
from core.workspaces import schemas as s
from core.workspaces.services import WorkspaceMemberService, WorkspaceService

__all__ = ("WorkspaceController", "WorkspaceMemberController")


class WorkspaceController(Controller):
    """Workspaces the caller may see."""

    path = "/api/v1/workspaces"
    tags = ["workspaces"]

    @get("/", operation_id="ListWorkspaces")
    async def list_workspaces(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        organization: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        workspace_type: FromQuery[str | None] = None,
        visibility: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.Workspace]:
        """Workspaces the caller may see, with member and project counts (filters, search, ordering, pages)."""
        params = page_params(request)
        count, rows = await WorkspaceService(ctx).list(
            params,
            organization=optional_uuid(organization, "organization"),
            search=search,
            workspace_type=workspace_type,
            visibility=visibility,
            ordering=ordering,
        )
        return params.build(count, [p.workspace(row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="CreateWorkspace")
    async def create_workspace(self, ctx: Ctx, request: Request[Any, Any, Any]) -> s.Workspace:
        """Create a workspace (JSON, or multipart with a ``cover_image``); the caller becomes its admin."""
        data, files = await read_body(request, s.WorkspaceCreate)
        return p.workspace(await WorkspaceService(ctx).create(data, files.get("cover_image")))

    @get("/{workspace_id:uuid}", operation_id="GetWorkspace")
    async def get_workspace(self, ctx: Ctx, workspace_id: FromPath[uuid.UUID]) -> s.Workspace:
        """One workspace the caller may see."""
        return p.workspace(await WorkspaceService(ctx).get(workspace_id))

    @patch("/{workspace_id:uuid}", operation_id="UpdateWorkspace")
    async def update_workspace(
        self, ctx: Ctx, workspace_id: FromPath[uuid.UUID], request: Request[Any, Any, Any]
    ) -> s.Workspace:
        """Edit a workspace (its admins, organization owners and admins); JSON or multipart with a ``cover_image``."""
        data, files = await read_body(request, s.WorkspaceUpdate)
        return p.workspace(await WorkspaceService(ctx).update(workspace_id, data, files.get("cover_image")))

    @put("/{workspace_id:uuid}", operation_id="ReplaceWorkspace")
    async def replace_workspace(
        self, ctx: Ctx, workspace_id: FromPath[uuid.UUID], request: Request[Any, Any, Any]
    ) -> s.Workspace:
        """Same as PATCH: the fields sent change."""
        data, files = await read_body(request, s.WorkspaceUpdate)
        return p.workspace(await WorkspaceService(ctx).update(workspace_id, data, files.get("cover_image")))

    @delete("/{workspace_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteWorkspace")
    async def delete_workspace(
        self, ctx: Ctx, workspace_id: FromPath[uuid.UUID], confirm: FromQuery[str | None] = None
    ) -> None:
        """Delete a workspace (soft). One holding active projects needs ``?confirm=true``."""
        await WorkspaceService(ctx).delete(workspace_id, flag(confirm))

    @post("/{workspace_id:uuid}/upload-cover", status_code=HTTP_200_OK, operation_id="UploadWorkspaceCover")
    async def upload_cover(
        self, ctx: Ctx, workspace_id: FromPath[uuid.UUID], request: Request[Any, Any, Any]
    ) -> s.CoverImageUrl:
        """Replace the cover image (multipart ``cover_image``)."""
        _, files = await read_body(request, s.WorkspaceUpdate)
        url = await WorkspaceService(ctx).upload_cover(workspace_id, files.get("cover_image"))
        return s.CoverImageUrl(cover_image_url=url)

    @get("/{workspace_id:uuid}/members", operation_id="ListMembersOfWorkspace")
    async def list_members(
        self,
        ctx: Ctx,
        workspace_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        search: FromQuery[str | None] = None,
        role: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.WorkspaceMember]:
        """Active members of the workspace (search, role filter, ordering, pages)."""
        params = page_params(request)
        count, rows = await WorkspaceMemberService(ctx).list(
            workspace_id, params, search=search, role=role, ordering=ordering
        )
        return params.build(count, [p.member(*row) for row in rows])


class WorkspaceMemberController(Controller):
    """Workspace memberships addressed by their own id."""

    path = "/api/v1/workspaces/members"
    tags = ["workspaces"]

    @get("/", operation_id="ListWorkspaceMembers")
    async def list_members(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        workspace: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        role: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.WorkspaceMember]:
        """Members of ``?workspace=`` (which the caller must be able to see); without it, of every visible one."""
        params = page_params(request)
        count, rows = await WorkspaceMemberService(ctx).list(
            optional_uuid(workspace, "workspace"), params, search=search, role=role, ordering=ordering
        )
        return params.build(count, [p.member(*row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="AddWorkspaceMember")
    async def add_member(self, ctx: Ctx, data: JSONBody[s.WorkspaceMemberCreate]) -> s.WorkspaceMember:
        """Add a member of the organization to the workspace (its admins, organization owners and admins)."""
        return p.member(*await WorkspaceMemberService(ctx).add(data))

    @get("/{member_id:uuid}", operation_id="GetWorkspaceMember")
    async def get_member(self, ctx: Ctx, member_id: FromPath[uuid.UUID]) -> s.WorkspaceMember:
        """One membership of a workspace the caller may see."""
        return p.member(*await WorkspaceMemberService(ctx).get(member_id))

    @patch("/{member_id:uuid}", operation_id="UpdateWorkspaceMember")
    async def update_member(
        self, ctx: Ctx, member_id: FromPath[uuid.UUID], data: JSONBody[s.WorkspaceMemberUpdate]
    ) -> s.WorkspaceMember:
        """Edit a membership (its role)."""
        return p.member(*await WorkspaceMemberService(ctx).update(member_id, data))

    @patch("/{member_id:uuid}/update-role", operation_id="UpdateWorkspaceMemberRole")
    async def update_role(
        self, ctx: Ctx, member_id: FromPath[uuid.UUID], data: JSONBody[s.WorkspaceMemberRole]
    ) -> s.WorkspaceMember:
        """Change a member's role; a workspace keeps at least one admin."""
        return p.member(*await WorkspaceMemberService(ctx).change_role(member_id, data.role))

    @delete("/{member_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="RemoveWorkspaceMember")
    async def remove_member(self, ctx: Ctx, member_id: FromPath[uuid.UUID]) -> None:
        """Remove a member from the workspace (or leave, when it is your own membership)."""
        await WorkspaceMemberService(ctx).remove(member_id)
