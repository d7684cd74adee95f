"""``/api/v1/ai/...`` (contract section 13). Thin: parse, call the service, return its answer."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import msgspec
from litestar import Controller, Request, get, post
from litestar.status_codes import HTTP_200_OK

from core.context import Ctx
from core.http.errors import ApplicationError, FieldErrors, NotFound
from core.http.params import FromPath, FromQuery, JSONBody
from plugins.ai import schemas as s
from plugins.ai.services import AIService

__all__ = ("ROUTES", "AIController")

_NO = ("false", "0", "no", "off")
T = TypeVar("T")


def _decode(body: bytes, kind: type[T]) -> T:
    """A JSON body (empty means ``{}``) as ``kind``, with the API's 400 shapes."""
    try:
        return msgspec.json.decode(body.strip() or b"{}", type=kind)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$.")
        raise FieldErrors({where.rstrip("`") or "non_field_errors": [message]}) from None
    except msgspec.DecodeError:
        raise ApplicationError("Malformed request body: not valid JSON.") from None


def _top_k(value: str | None) -> int:
    if value is None or not value.strip():
        return 5
    try:
        top_k = int(value)
    except ValueError:
        top_k = 0
    if not 1 <= top_k <= 20:
        raise FieldErrors({"top_k": ["Must be a whole number from 1 to 20."]})
    return top_k


class AIController(Controller):
    """Semantic search, similar issues, summaries, the project assistant, and the index behind them."""

    path = "/api/v1/ai"
    tags = ["ai"]

    @post("/query", status_code=HTTP_200_OK, operation_id="AskAssistant")
    async def query(self, ctx: Ctx, data: JSONBody[s.QueryRequest]) -> s.QueryAnswer:
        """Answer a question about a project from its issues, with the issues it rests on."""
        return await AIService(ctx).ask(data)

    @post("/search-issues", status_code=HTTP_200_OK, operation_id="SearchIssuesSemantically")
    async def search_issues(self, ctx: Ctx, data: JSONBody[s.SearchRequest]) -> s.SearchResults:
        """Issues closest in meaning to a query, best first."""
        return await AIService(ctx).search(data)

    @get("/{issue_id:uuid}/similar-issues", operation_id="FindSimilarIssues")
    async def similar_issues(
        self,
        ctx: Ctx,
        issue_id: FromPath[uuid.UUID],
        top_k: FromQuery[str | None] = None,
        same_project_only: FromQuery[str | None] = None,
    ) -> s.SimilarIssues:
        """Issues like this one (never itself), in its project or across its organization's visible projects."""
        same = (same_project_only or "true").strip().lower() not in _NO
        return await AIService(ctx).similar(issue_id, _top_k(top_k), same_project_only=same)

    @post("/{issue_id:uuid}/summarize-issue", status_code=HTTP_200_OK, operation_id="SummarizeIssue")
    async def summarize_issue(
        self,
        ctx: Ctx,
        issue_id: FromPath[uuid.UUID],
        data: JSONBody[s.SummaryRequest | None] = None,
    ) -> s.IssueSummary:
        """An issue's summary, key points and estimated complexity."""
        return await AIService(ctx).summarize_issue(issue_id, data or s.SummaryRequest())

    @post("/{sprint_id:uuid}/summarize-sprint", status_code=HTTP_200_OK, operation_id="SummarizeSprint")
    async def summarize_sprint(
        self,
        ctx: Ctx,
        sprint_id: FromPath[uuid.UUID],
        data: JSONBody[s.SummaryRequest | None] = None,
    ) -> s.SprintSummary:
        """A sprint's progress summary (HTML) and its numbers."""
        return await AIService(ctx).summarize_sprint(sprint_id, data or s.SummaryRequest())

    @post("/suggest-solutions", status_code=HTTP_200_OK, operation_id="SuggestIssueSolutions")
    async def suggest_solutions(self, ctx: Ctx, data: JSONBody[s.SolutionsRequest]) -> s.Solutions:
        """Next steps for a problem, from the project's similar issues."""
        return await AIService(ctx).suggest_solutions(data)

    @post("/index-issue", status_code=HTTP_200_OK, operation_id="IndexIssue")
    async def index_issue(self, ctx: Ctx, data: JSONBody[s.IndexIssueRequest]) -> s.IndexIssueResult:
        """(Re)index one issue now."""
        return await AIService(ctx).index_issue(data)

    @post(
        "/{issue_id:uuid}/index-issue",
        status_code=HTTP_200_OK,
        operation_id="IndexIssueByPath",
        include_in_schema=False,
    )
    async def index_issue_by_path(
        self, ctx: Ctx, issue_id: FromPath[uuid.UUID], data: JSONBody[s.ReindexRequest | None] = None
    ) -> s.IndexIssueResult:
        """The original's path for ``index-issue`` (the issue in the path)."""
        force = data.force_reindex if data is not None else False
        return await AIService(ctx).index_issue(s.IndexIssueRequest(issue_id=issue_id, force_reindex=force))

    @post("/{project_id:uuid}/index-project", status_code=HTTP_200_OK, operation_id="IndexProject")
    async def index_project(
        self,
        ctx: Ctx,
        project_id: FromPath[uuid.UUID],
        data: JSONBody[s.IndexProjectRequest | None] = None,
    ) -> s.IndexReport:
        """(Re)index every issue of a project now (project admins)."""
        return await AIService(ctx).index_project(project_id, data or s.IndexProjectRequest())

    @post("/sync-all", status_code=HTTP_200_OK, operation_id="SyncAllIssueVectors")
    async def sync_all(self, ctx: Ctx, request: Request[Any, Any, Any]) -> s.SyncReport:
        """Rebuild the whole index (staff only): body ``{clear_existing: bool = true, batch_size: 1..500 = 50}``.

        Anyone but staff gets a 404, whatever the body: the body is read only after the check.
        """
        if not ctx.user.is_staff:
            raise NotFound
        return await AIService(ctx).sync_all(_decode(await request.body(), s.SyncAllRequest))


ROUTES = [AIController]
"""Everything the plugin serves under ``/api/v1/ai``."""
