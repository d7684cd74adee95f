"""``/api/v1/projects/projects/...`` and ``/api/v1/projects/configs/...``. Thin: parse, call a service, present."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.context import Ctx
from core.http.body import read_body
from core.http.pagination import Page, page_params
from core.http.params import FromPath, FromQuery, JSONBody, optional_uuid
from core.projects import presenters as p
from core.projects import schemas as s
from core.projects.services import ConfigService, ProjectMemberService, ProjectService

__all__ = ("ProjectConfigController", "ProjectController", "ProjectMemberController")


class ProjectController(Controller):
    """Projects the caller can see."""

    path = "/api/v1/projects/projects"
    tags = ["projects"]

    @get("/", operation_id="ListProjects")
    async def list_projects(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        workspace: FromQuery[str | None] = None,
        organization: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.Project]:
        """Visible projects (filter by workspace, organization, status; search name, key, description; pages)."""
        params = page_params(request)
        count, rows = await ProjectService(ctx).list(
            params,
            workspace=optional_uuid(workspace, "workspace"),
            organization=optional_uuid(organization, "organization"),
            search=search,
            status=status,
            ordering=ordering,
        )
        return params.build(count, [p.project(row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="CreateProject")
    async def create_project(self, ctx: Ctx, request: Request[Any, Any, Any]) -> s.Project:
        """Create a project (JSON, or multipart with a ``cover_image``); the caller becomes its lead and admin."""
        data, files = await read_body(request, s.ProjectCreate)
        return p.project(await ProjectService(ctx).create(data, files.get("cover_image")))

    @get("/{project_id:uuid}", operation_id="GetProject")
    async def get_project(self, ctx: Ctx, project_id: FromPath[uuid.UUID]) -> s.Project:
        """One visible project."""
        return p.project(await ProjectService(ctx).get(project_id))

    @patch("/{project_id:uuid}", operation_id="UpdateProject")
    async def update_project(
        self, ctx: Ctx, project_id: FromPath[uuid.UUID], request: Request[Any, Any, Any]
    ) -> s.Project:
        """Edit a project (project admins and lead, workspace admins, organization owners and admins)."""
        data, files = await read_body(request, s.ProjectUpdate)
        return p.project(await ProjectService(ctx).update(project_id, data, files.get("cover_image")))

    @put("/{project_id:uuid}", operation_id="ReplaceProject")
    async def replace_project(
        self, ctx: Ctx, project_id: FromPath[uuid.UUID], request: Request[Any, Any, Any]
    ) -> s.Project:
        """Same as PATCH: the fields sent change."""
        data, files = await read_body(request, s.ProjectUpdate)
        return p.project(await ProjectService(ctx).update(project_id, data, files.get("cover_image")))

    @delete("/{project_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteProject")
    async def delete_project(self, ctx: Ctx, project_id: FromPath[uuid.UUID]) -> None:
        """Delete a project (soft: it disappears everywhere)."""
        await ProjectService(ctx).delete(project_id)


class ProjectMemberController(Controller):
    """Members of one project."""

    path = "/api/v1/projects/projects/{project_id:uuid}/members"
    tags = ["projects"]

    @get("/", operation_id="ListProjectMembers")
    async def list_members(
        self,
        ctx: Ctx,
        project_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        search: FromQuery[str | None] = None,
        role: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.ProjectMember]:
        """Active members of a visible project (search, role filter, ordering, pages)."""
        params = page_params(request)
        count, rows = await ProjectMemberService(ctx).list(
            project_id, params, search=search, role=role, ordering=ordering
        )
        return params.build(count, [p.member(row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="AddProjectMember")
    async def add_member(
        self, ctx: Ctx, project_id: FromPath[uuid.UUID], data: JSONBody[s.ProjectMemberCreate]
    ) -> s.ProjectMember:
        """Add a member of the project's workspace or organization by ``user_id`` (id or user_uuid)."""
        return p.member(await ProjectMemberService(ctx).add(project_id, data))

    @get("/{member_id:uuid}", operation_id="GetProjectMember")
    async def get_member(
        self, ctx: Ctx, project_id: FromPath[uuid.UUID], member_id: FromPath[uuid.UUID]
    ) -> s.ProjectMember:
        """One membership of a visible project."""
        return p.member(await ProjectMemberService(ctx).get(project_id, member_id))

    @patch("/{member_id:uuid}", operation_id="UpdateProjectMember")
    async def update_member(
        self,
        ctx: Ctx,
        project_id: FromPath[uuid.UUID],
        member_id: FromPath[uuid.UUID],
        data: JSONBody[s.ProjectMemberUpdate],
    ) -> s.ProjectMember:
        """Change a member's role."""
        return p.member(await ProjectMemberService(ctx).change_role(project_id, member_id, data.role))

    @delete("/{member_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="RemoveProjectMember")
    async def remove_member(self, ctx: Ctx, project_id: FromPath[uuid.UUID], member_id: FromPath[uuid.UUID]) -> None:
        """Remove a member, or leave the project (your own membership). The lead cannot be removed."""
        await ProjectMemberService(ctx).remove(project_id, member_id)


class ProjectConfigController(Controller):
    """Project configurations, addressed by the project's id."""

    path = "/api/v1/projects/configs"
    tags = ["projects"]

    @get("/{project_id:uuid}", operation_id="GetProjectConfig")
    async def get_config(self, ctx: Ctx, project_id: FromPath[uuid.UUID]) -> s.ProjectConfig:
        """The configuration of a visible project (404 when absent or invisible)."""
        return p.config(await ConfigService(ctx).get(project_id))

    @post("/", status_code=HTTP_200_OK, operation_id="SaveProjectConfig")
    async def save_config(self, ctx: Ctx, data: JSONBody[s.ProjectConfigCreate]) -> s.ProjectConfig:
        """Set configuration fields of ``project`` (every project already has a configuration)."""
        return p.config(await ConfigService(ctx).update(data.project, data))

    @put("/{project_id:uuid}", operation_id="ReplaceProjectConfig")
    async def replace_config(
        self, ctx: Ctx, project_id: FromPath[uuid.UUID], data: JSONBody[s.ProjectConfigUpdate]
    ) -> s.ProjectConfig:
        """Same as PATCH: the fields sent change."""
        return p.config(await ConfigService(ctx).update(project_id, data))

    @patch("/{project_id:uuid}", operation_id="UpdateProjectConfig")
    async def update_config(
        self, ctx: Ctx, project_id: FromPath[uuid.UUID], data: JSONBody[s.ProjectConfigUpdate]
    ) -> s.ProjectConfig:
        """Change configuration fields (project admins and lead, workspace admins, organization owners and admins)."""
        return p.config(await ConfigService(ctx).update(project_id, data))
