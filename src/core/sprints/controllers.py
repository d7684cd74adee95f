"""``/api/v1/projects/sprints/...``: thin handlers over :class:`SprintService`."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.context import Ctx
from core.http.body import read_body
from core.http.pagination import Page, page_params
from core.http.params import FromPath, FromQuery, JSONBody, optional_uuid
from core.issues import presenters as issue_presenters
from core.issues.controllers import ISSUE_PAGE_SIZE
from core.issues.schemas import Issue
from core.sprints import presenters as p
from core.sprints import schemas as s
from core.sprints.services import SprintService

__all__ = ("SprintController",)


class SprintController(Controller):
    """Sprints of the projects the caller may see."""

    path = "/api/v1/projects/sprints"
    tags = ["sprints"]

    @get("/", operation_id="ListSprints")
    async def list_sprints(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        project: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.Sprint]:
        """Sprints of ``?project=`` (or of every visible project), newest first, each with its counts and points."""
        params = page_params(request)
        count, rows = await SprintService(ctx).page(
            params, project=optional_uuid(project, "project"), status=status, search=search, ordering=ordering
        )
        return params.build(count, [p.sprint(row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="CreateSprint")
    async def create_sprint(self, ctx: Ctx, data: JSONBody[s.SprintCreate]) -> s.Sprint:
        """Create a sprint in planning; the answer is the full sprint, with its id."""
        return p.sprint(await SprintService(ctx).create(data))

    @get("/{sprint_id:uuid}", operation_id="GetSprint")
    async def get_sprint(self, ctx: Ctx, sprint_id: FromPath[uuid.UUID]) -> s.Sprint:
        """One sprint with its counts and points."""
        return p.sprint(await SprintService(ctx).detail(sprint_id))

    @patch("/{sprint_id:uuid}", operation_id="UpdateSprint")
    async def update_sprint(self, ctx: Ctx, sprint_id: FromPath[uuid.UUID], data: JSONBody[s.SprintUpdate]) -> s.Sprint:
        """Change name, goal or dates (a completed sprint keeps its dates)."""
        return p.sprint(await SprintService(ctx).update(sprint_id, data))

    @put("/{sprint_id:uuid}", operation_id="ReplaceSprint")
    async def replace_sprint(
        self, ctx: Ctx, sprint_id: FromPath[uuid.UUID], data: JSONBody[s.SprintUpdate]
    ) -> s.Sprint:
        """Same as PATCH."""
        return p.sprint(await SprintService(ctx).update(sprint_id, data))

    @delete("/{sprint_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteSprint")
    async def delete_sprint(self, ctx: Ctx, sprint_id: FromPath[uuid.UUID]) -> None:
        """Delete a sprint that is not active (project admins); its issues go back to the backlog."""
        await SprintService(ctx).delete(sprint_id)

    @post("/{sprint_id:uuid}/start", status_code=HTTP_200_OK, operation_id="StartSprint")
    async def start_sprint(self, ctx: Ctx, sprint_id: FromPath[uuid.UUID]) -> s.Sprint:
        """Start the sprint (one active sprint per project; it needs issues); its points are committed now.

        Any request body is ignored (the web client sends its headers object as the body).
        """
        return p.sprint(await SprintService(ctx).start(sprint_id))

    @post("/{sprint_id:uuid}/complete", status_code=HTTP_200_OK, operation_id="CompleteSprint")
    async def complete_sprint(
        self, ctx: Ctx, sprint_id: FromPath[uuid.UUID], request: Request[Any, Any, Any]
    ) -> s.Sprint:
        """Complete the active sprint; unfinished issues go to the backlog, or to ``move_incomplete_to`` (a sprint id).

        The body is optional: ``{}``, ``{"move_incomplete_to": "<sprint id>"}`` or
        ``{"move_incomplete_to_backlog": false}`` (unfinished issues then stay in the completed sprint).
        """
        body, _ = await read_body(request, s.SprintComplete)
        return p.sprint(await SprintService(ctx).complete(sprint_id, body))

    @get("/{sprint_id:uuid}/issues", operation_id="ListSprintIssues")
    async def list_sprint_issues(
        self,
        ctx: Ctx,
        sprint_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        ordering: FromQuery[str | None] = None,
    ) -> Page[Issue]:
        """The sprint's issues in the issue list's shape (board rank order unless ``?ordering=``)."""
        params = page_params(request, default_size=ISSUE_PAGE_SIZE)
        count, rows = await SprintService(ctx).issue_page(sprint_id, params, ordering)
        return params.build(count, [issue_presenters.issue(row) for row in rows])

    @post("/{sprint_id:uuid}/issues", status_code=HTTP_200_OK, operation_id="AddSprintIssue")
    async def add_issue(
        self, ctx: Ctx, sprint_id: FromPath[uuid.UUID], data: JSONBody[s.IssueRef]
    ) -> s.SprintIssueResult:
        """Add an issue of the same project (from the backlog or another sprint); not into a completed sprint."""
        row = await SprintService(ctx).add_issue(sprint_id, data.issue_id)
        return s.SprintIssueResult("Issue added to sprint successfully.", sprint_id, issue_presenters.issue(row))

    @delete("/{sprint_id:uuid}/issues/{issue_id:uuid}", status_code=HTTP_200_OK, operation_id="RemoveSprintIssue")
    async def remove_issue(
        self, ctx: Ctx, sprint_id: FromPath[uuid.UUID], issue_id: FromPath[uuid.UUID]
    ) -> s.SprintIssueResult:
        """Send an issue of the sprint back to the backlog."""
        row = await SprintService(ctx).remove_issue(sprint_id, issue_id)
        return s.SprintIssueResult("Issue removed from sprint successfully.", sprint_id, issue_presenters.issue(row))

    @post(
        "/{sprint_id:uuid}/add_issue",
        status_code=HTTP_200_OK,
        operation_id="AddSprintIssueAlias",
        include_in_schema=False,
    )
    async def add_issue_alias(
        self, ctx: Ctx, sprint_id: FromPath[uuid.UUID], data: JSONBody[s.IssueRef]
    ) -> s.SprintIssueResult:
        """The original API's name for ``POST .../issues/``."""
        row = await SprintService(ctx).add_issue(sprint_id, data.issue_id)
        return s.SprintIssueResult("Issue added to sprint successfully.", sprint_id, issue_presenters.issue(row))

    @post(
        "/{sprint_id:uuid}/remove_issue",
        status_code=HTTP_200_OK,
        operation_id="RemoveSprintIssueAlias",
        include_in_schema=False,
    )
    async def remove_issue_alias(
        self, ctx: Ctx, sprint_id: FromPath[uuid.UUID], data: JSONBody[s.IssueRef]
    ) -> s.SprintIssueResult:
        """The original API's ``remove_issue`` action (the issue in the body)."""
        row = await SprintService(ctx).remove_issue(sprint_id, data.issue_id)
        return s.SprintIssueResult("Issue removed from sprint successfully.", sprint_id, issue_presenters.issue(row))

    @get("/{sprint_id:uuid}/progress", operation_id="GetSprintProgress")
    async def progress(self, ctx: Ctx, sprint_id: FromPath[uuid.UUID]) -> s.SprintProgress:
        """Issues and story points done and left."""
        return await SprintService(ctx).progress(sprint_id)

    @get("/{sprint_id:uuid}/burndown", operation_id="GetSprintBurndown")
    async def burndown(self, ctx: Ctx, sprint_id: FromPath[uuid.UUID]) -> s.SprintBurndown:
        """Ideal and actual remaining points per day; the actual line is rebuilt from the activity history."""
        return await SprintService(ctx).burndown(sprint_id)
