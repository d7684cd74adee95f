"""Request and response shapes of ``/api/v1/ai/...`` (contract section 13). Every number is a JSON number (X9).

Answers say how they were made in ``method``: ``llm`` (a language model wrote it), ``retrieval`` (the matching
issues, no model), ``extractive`` (quoted from the issue, no model) or ``metrics`` (counted, no model).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec

__all__ = (
    "HistoryMessage",
    "IndexIssueRequest",
    "IndexIssueResult",
    "IndexProjectRequest",
    "IndexReport",
    "IssueSummary",
    "QueryAnswer",
    "QueryRequest",
    "ReindexRequest",
    "SearchHit",
    "SearchMetadata",
    "SearchRequest",
    "SearchResults",
    "SimilarIssue",
    "SimilarIssues",
    "Solutions",
    "SolutionsRequest",
    "Source",
    "SprintMetrics",
    "SprintSummary",
    "SummaryRequest",
    "SyncAllRequest",
    "SyncError",
    "SyncReport",
)

Question = Annotated[str, msgspec.Meta(max_length=4000)]
Length = Literal["brief", "medium", "detailed"]
BatchSize = Annotated[int, msgspec.Meta(ge=1, le=500)]
FilterValue = Annotated[str, msgspec.Meta(max_length=200)] | int | list[Annotated[str, msgspec.Meta(max_length=50)]]


# --- requests -------------------------------------------------------------------------------------------------


class HistoryMessage(msgspec.Struct):
    """One earlier turn of the conversation (the caller's own text)."""

    role: Literal["user", "assistant"]
    content: Annotated[str, msgspec.Meta(max_length=4000)]


class QueryRequest(msgspec.Struct):
    """``POST /query/``: a question about the project (``query`` is accepted for ``question``).

    Without ``project_id`` the question covers every project the caller can see.
    """

    question: Question | None = None
    query: Question | None = None
    project_id: uuid.UUID | None = None
    conversation_history: Annotated[list[HistoryMessage], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )
    top_k: Annotated[int, msgspec.Meta(ge=1, le=20)] = 8


class SearchRequest(msgspec.Struct):
    """``POST /search-issues/``. ``filters`` narrows like the issue list (status, priority, issue_type, ...)."""

    query: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    project_id: uuid.UUID | None = None
    top_k: Annotated[int, msgspec.Meta(ge=1, le=50)] = 10
    filters: Annotated[dict[str, FilterValue], msgspec.Meta(max_length=10)] | None = None


class SummaryRequest(msgspec.Struct):
    """``POST /{id}/summarize-issue/`` and ``/{id}/summarize-sprint/`` (the web client sends ``{}``)."""

    length: Length = "medium"
    use_cache: bool = True


class SolutionsRequest(msgspec.Struct):
    """``POST /suggest-solutions/``: a problem (or an issue) and the project to look for similar ones in."""

    project_id: uuid.UUID
    issue_description: Annotated[str, msgspec.Meta(max_length=20_000)] | None = None
    issue_id: uuid.UUID | None = None
    top_k: Annotated[int, msgspec.Meta(ge=1, le=10)] = 5


class IndexIssueRequest(msgspec.Struct):
    """``POST /index-issue/``."""

    issue_id: uuid.UUID
    force_reindex: bool = False


class ReindexRequest(msgspec.Struct):
    """``POST /{issue_id}/index-issue/`` (the original's path for ``index-issue``)."""

    force_reindex: bool = False


class IndexProjectRequest(msgspec.Struct):
    """``POST /{project_id}/index-project/``."""

    batch_size: BatchSize = 50
    force_reindex: bool = False


class SyncAllRequest(msgspec.Struct):
    """``POST /sync-all/`` (staff): rebuild the whole index, emptied first unless ``clear_existing`` is false."""

    clear_existing: bool = True
    batch_size: BatchSize = 50


# --- responses ------------------------------------------------------------------------------------------------


class Source(msgspec.Struct):
    """An issue an answer rests on; ``score`` and ``similarity`` are the same cosine similarity (0..1)."""

    issue_id: uuid.UUID
    title: str
    key: str
    project_key: str
    score: float
    similarity: float
    description: str
    status: str


class QueryAnswer(msgspec.Struct):
    """The assistant's answer with its sources; ``tokens_used`` is 0 when no model was asked."""

    answer: str
    sources: list[Source]
    confidence: float
    tokens_used: int
    suggested_actions: list[str]
    method: str
    model: str | None = None


class SearchMetadata(msgspec.Struct):
    """What the search results show about an issue (placeholders instead of nulls, as the client expects)."""

    assignee_id: str
    assignee_name: str
    reporter_id: str
    reporter_name: str
    status: str
    priority: str
    issue_type: str
    project_key: str
    project_name: str
    story_points: float | None
    created_at: str
    updated_at: str
    sprint_id: str | None
    sprint_name: str | None


class SearchHit(msgspec.Struct):
    """One search result, best first; ``similarity_score`` and ``score`` are the same cosine similarity."""

    issue_id: uuid.UUID
    id: uuid.UUID
    title: str
    key: str
    description: str
    issue_type: str
    status: str
    priority: str
    assignee: str | None
    project_key: str
    similarity_score: float
    score: float
    metadata: SearchMetadata


class SearchResults(msgspec.Struct):
    """Search results."""

    results: list[SearchHit]
    query: str
    total: int


class SimilarIssue(msgspec.Struct):
    """An issue like the one asked about."""

    id: uuid.UUID
    issue_id: uuid.UUID
    title: str
    key: str
    similarity_score: float
    issue_type: str
    status: str
    project_key: str


class SimilarIssues(msgspec.Struct):
    """Similar issues, most similar first (never the issue itself)."""

    similar_issues: list[SimilarIssue]


class IssueSummary(msgspec.Struct):
    """An issue's summary; ``estimated_complexity`` is ``low``, ``medium``, ``high``, ``very-high`` or ``unknown``."""

    issue_id: uuid.UUID
    summary: str
    key_points: list[str]
    estimated_complexity: str
    method: str
    cached: bool
    tokens_used: int
    model: str | None = None


class SprintMetrics(msgspec.Struct):
    """Counts behind a sprint summary; ``completion_rate`` in percent."""

    total_issues: int
    completed: int
    completion_rate: float
    in_progress: int
    to_do: int
    total_points: float
    completed_points: float
    unassigned: int


class SprintSummary(msgspec.Struct):
    """A sprint's summary as HTML (escaped: safe to render) and its numbers."""

    sprint_id: uuid.UUID
    summary: str
    sprint_metrics: SprintMetrics
    method: str
    cached: bool
    tokens_used: int
    model: str | None = None


class Solutions(msgspec.Struct):
    """Suggestions for solving an issue, and the similar issues they come from."""

    suggestions: list[str]
    similar_issues: list[Source]
    confidence: float
    method: str
    tokens_used: int
    model: str | None = None


class IndexIssueResult(msgspec.Struct):
    """``status``: ``indexed`` (embedded now), ``unchanged`` (already current) or ``removed`` (deleted issue)."""

    success: bool
    status: str
    message: str
    issue_id: uuid.UUID


class SyncError(msgspec.Struct):
    """An issue that could not be indexed."""

    issue_id: str
    issue_title: str
    error: str


class IndexReport(msgspec.Struct):
    """A project re-index: ``success_rate`` in percent of the issues seen."""

    total: int
    indexed: int
    unchanged: int
    failed: int
    success_rate: float
    errors: list[SyncError]
    duration_seconds: float


class SyncReport(msgspec.Struct):
    """A full re-index: ``status`` is ``success``, ``partial`` or ``error``; the first 50 errors are listed."""

    status: str
    projects_processed: int
    total_issues: int
    indexed: int
    unchanged: int
    failed: int
    removed: int
    success_rate: float
    duration_seconds: float
    errors: list[SyncError]
    total_errors: int
    backend: str
    embedding: str
