"""``/api/v1/projects/issue-types/``, ``/workflow-statuses/``, ``/workflow-transitions/``."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.access import Level
from core.context import Ctx
from core.http.pagination import Page, page_params
from core.http.params import FromPath, FromQuery, JSONBody, optional_uuid
from core.workflow import presenters as p
from core.workflow import schemas as s
from core.workflow.services import WorkflowService

__all__ = ("IssueTypeController", "TransitionController", "WorkflowStatusController")


class IssueTypeController(Controller):
    """Issue types of a project."""

    path = "/api/v1/projects/issue-types"
    tags = ["workflow"]

    @get("/", operation_id="ListIssueTypes")
    async def list_types(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        project: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.IssueType]:
        """Issue types of ``?project=`` (or of every visible project)."""
        params = page_params(request)
        count, rows = await WorkflowService(ctx).list_types(optional_uuid(project, "project"), params, search, ordering)
        return params.build(count, [p.issue_type(row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="CreateIssueType")
    async def create_type(self, ctx: Ctx, data: JSONBody[s.IssueTypeCreate]) -> s.IssueType:
        """Add an issue type (project admins)."""
        return p.issue_type(await WorkflowService(ctx).create_type(data))

    @get("/{type_id:uuid}", operation_id="GetIssueType")
    async def get_type(self, ctx: Ctx, type_id: FromPath[uuid.UUID]) -> s.IssueType:
        """One issue type."""
        issue_type, _ = await WorkflowService(ctx).get_type(type_id)
        return p.issue_type(issue_type)

    @patch("/{type_id:uuid}", operation_id="UpdateIssueType")
    async def update_type(
        self, ctx: Ctx, type_id: FromPath[uuid.UUID], data: JSONBody[s.IssueTypeUpdate]
    ) -> s.IssueType:
        """Edit an issue type (project admins)."""
        return p.issue_type(await WorkflowService(ctx).update_type(type_id, data))

    @delete("/{type_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteIssueType")
    async def delete_type(
        self, ctx: Ctx, type_id: FromPath[uuid.UUID], replacement: FromQuery[str | None] = None
    ) -> None:
        """Delete an issue type; issues using it need ``?replacement=<type id>``."""
        await WorkflowService(ctx).delete_type(type_id, optional_uuid(replacement, "replacement"))


class WorkflowStatusController(Controller):
    """Workflow statuses of a project."""

    path = "/api/v1/projects/workflow-statuses"
    tags = ["workflow"]

    @get("/", operation_id="ListWorkflowStatuses")
    async def list_statuses(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        project: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.WorkflowStatus]:
        """Statuses of ``?project=`` in workflow order, each with its issue count."""
        params = page_params(request)
        count, rows = await WorkflowService(ctx).list_statuses(
            optional_uuid(project, "project"), params, search, ordering
        )
        return params.build(count, [p.status(row, n) for row, n in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="CreateWorkflowStatus")
    async def create_status(self, ctx: Ctx, data: JSONBody[s.WorkflowStatusCreate]) -> s.WorkflowStatus:
        """Add a status; transitions to and from every other status are created with it (project admins)."""
        return p.status(await WorkflowService(ctx).create_status(data))

    @get("/{status_id:uuid}", operation_id="GetWorkflowStatus")
    async def get_status(self, ctx: Ctx, status_id: FromPath[uuid.UUID]) -> s.WorkflowStatus:
        """One status."""
        service = WorkflowService(ctx)
        status, _ = await service.get_status(status_id, Level.READ)
        return p.status(status, await service.status_issue_count(status.id))

    @patch("/{status_id:uuid}", operation_id="UpdateWorkflowStatus")
    async def update_status(
        self, ctx: Ctx, status_id: FromPath[uuid.UUID], data: JSONBody[s.WorkflowStatusUpdate]
    ) -> s.WorkflowStatus:
        """Edit a status (project admins)."""
        service = WorkflowService(ctx)
        status = await service.update_status(status_id, data)
        return p.status(status, await service.status_issue_count(status.id))

    @delete("/{status_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteWorkflowStatus")
    async def delete_status(
        self, ctx: Ctx, status_id: FromPath[uuid.UUID], replacement: FromQuery[str | None] = None
    ) -> None:
        """Delete a status; issues in it need ``?replacement=<status id>`` (project admins)."""
        await WorkflowService(ctx).delete_status(status_id, optional_uuid(replacement, "replacement"))


class TransitionController(Controller):
    """Transitions between a project's statuses."""

    path = "/api/v1/projects/workflow-transitions"
    tags = ["workflow"]

    @get("/", operation_id="ListWorkflowTransitions")
    async def list_transitions(
        self, ctx: Ctx, request: Request[Any, Any, Any], project: FromQuery[str | None] = None
    ) -> Page[s.Transition]:
        """Transitions of ``?project=``."""
        params = page_params(request, default_size=100)
        count, rows = await WorkflowService(ctx).list_transitions(optional_uuid(project, "project"), params)
        return params.build(count, [p.transition(*row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="CreateWorkflowTransition")
    async def add_transition(self, ctx: Ctx, data: JSONBody[s.TransitionCreate]) -> s.Transition:
        """Allow a move between two statuses (project admins)."""
        return p.transition(*await WorkflowService(ctx).add_transition(data))

    @delete("/{transition_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteWorkflowTransition")
    async def remove_transition(self, ctx: Ctx, transition_id: FromPath[uuid.UUID]) -> None:
        """Forbid a move again (project admins)."""
        await WorkflowService(ctx).remove_transition(transition_id)
