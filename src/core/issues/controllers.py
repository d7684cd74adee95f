"""``/api/v1/projects/issues/...``: thin handlers over :class:`IssueService`."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.context import Ctx
from core.http.pagination import Page, page_params
from core.http.params import FromPath, FromQuery, JSONBody
from core.http.readcache import cached_json, serve_cached
from core.issues import presenters as p
from core.issues import schemas as s
from core.issues.services import IssueService

__all__ = ("IssueController",)

# The client only ever reads page 1 of issues (boards, sprints, backlog), so this list pages by 100.
ISSUE_PAGE_SIZE = 100


class IssueController(Controller):
    """Issues of the projects the caller may see."""

    path = "/api/v1/projects/issues"
    tags = ["issues"]

    @get("/", operation_id="ListIssues", before_request=serve_cached)
    async def list_issues(
        self, ctx: Ctx, request: Request[Any, Any, Any], ordering: FromQuery[str | None] = None
    ) -> Response[Page[s.Issue]]:
        """Issues with every filter of the contract (project, sprint=null for the backlog, status, assignee...)."""
        params = page_params(request, default_size=ISSUE_PAGE_SIZE)
        query = {key: value for key, value in request.query_params.items() if key not in ("page", "page_size")}
        count, rows = await IssueService(ctx).list(params, query, ordering)
        return cached_json(request, params.build(count, [p.issue(row) for row in rows]))

    @post("/", status_code=HTTP_201_CREATED, operation_id="CreateIssue")
    async def create_issue(self, ctx: Ctx, data: JSONBody[s.IssueCreate]) -> s.Issue:
        """Create an issue; without ``status`` it starts in the project's initial status."""
        return p.issue(await IssueService(ctx).create(data))

    @get("/{issue_id:uuid}", operation_id="GetIssue", before_request=serve_cached)
    async def get_issue(
        self, ctx: Ctx, request: Request[Any, Any, Any], issue_id: FromPath[uuid.UUID]
    ) -> Response[s.Issue]:
        """One issue with its nested objects."""
        return cached_json(request, p.issue(await IssueService(ctx).detail(issue_id)))

    @patch("/{issue_id:uuid}", operation_id="UpdateIssue")
    async def update_issue(self, ctx: Ctx, issue_id: FromPath[uuid.UUID], data: JSONBody[s.IssueUpdate]) -> s.Issue:
        """Change the fields sent (``null`` clears); a status change must follow the workflow."""
        return p.issue(await IssueService(ctx).update(issue_id, data))

    @put("/{issue_id:uuid}", operation_id="ReplaceIssue")
    async def replace_issue(self, ctx: Ctx, issue_id: FromPath[uuid.UUID], data: JSONBody[s.IssueUpdate]) -> s.Issue:
        """Same as PATCH."""
        return p.issue(await IssueService(ctx).update(issue_id, data))

    @delete("/{issue_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteIssue")
    async def delete_issue(self, ctx: Ctx, issue_id: FromPath[uuid.UUID]) -> None:
        """Delete an issue (its reporter or a project admin); its key is never reused."""
        await IssueService(ctx).delete(issue_id)

    @patch("/{issue_id:uuid}/transition", operation_id="TransitionIssue")
    async def transition_issue(
        self, ctx: Ctx, issue_id: FromPath[uuid.UUID], data: JSONBody[s.TransitionBody]
    ) -> s.Issue:
        """Move to another status; a move the workflow does not allow is a 400 naming the allowed ones."""
        return p.issue(await IssueService(ctx).transition(issue_id, data.target()))

    @patch("/{issue_id:uuid}/assign", operation_id="AssignIssue")
    async def assign_issue(self, ctx: Ctx, issue_id: FromPath[uuid.UUID], data: JSONBody[s.AssignBody]) -> s.Issue:
        """Assign (user_uuid or id); ``{}`` assigns the least-loaded member; ``null`` unassigns."""
        return p.issue(await IssueService(ctx).assign(issue_id, data))

    @patch("/{issue_id:uuid}/priority", operation_id="SetIssuePriority")
    async def set_priority(self, ctx: Ctx, issue_id: FromPath[uuid.UUID], data: JSONBody[s.PriorityBody]) -> s.Issue:
        """Change the priority (P0..P4)."""
        return p.issue(await IssueService(ctx).set_priority(issue_id, data.priority))
