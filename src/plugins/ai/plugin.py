"""The ai plugin's hook implementations (the only module of the plugin with ``@hookimpl``).

Enable it with ``SCRUM_PLUGINS`` (or leave the variable unset). Lifecycle handlers only enqueue: the jobs embed
and store (in-process without Redis, in the SAQ workers with it). The handlers find the app's job queue in the
runtime set up by :func:`on_startup`; jobs get theirs from their job context.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from core.hookspecs import hookimpl
from plugins.ai import jobs
from plugins.ai.clients import close_clients
from plugins.ai.controllers import ROUTES
from plugins.ai.embeddings import embedder_for
from plugins.ai.settings import get_ai_settings
from plugins.ai.vectors import index_for

if TYPE_CHECKING:
    from collections.abc import Sequence

    from litestar import Litestar

    from core.events import IssueCreated, IssueDeleted, IssueEvent, IssueUpdated
    from core.jobs import JobQueue

__version__ = "1.0.0"

logger = logging.getLogger("scrum.ai")

# Fields of an issue its vector is made from: other changes (status, sprint, points...) need no re-embedding.
INDEXED_FIELDS = frozenset({"title", "description", "issue_type_id", "labels"})

_queues: list[JobQueue] = []  # the job queue of the app started in this process (set by on_startup)


def _queue() -> JobQueue:
    if not _queues:
        msg = "the ai plugin has not started (no app called on_startup in this process)"
        raise RuntimeError(msg)
    return _queues[-1]


def _key(verb: str, event: IssueEvent) -> str:
    # The event id is stable across redeliveries: a redelivered event does not queue the same work twice.
    return f"ai:{verb}:{event.issue_id}:{event.event_id or uuid.uuid4()}"


# --- contributions ----------------------------------------------------------------------------------------


@hookimpl
def register_routes() -> Sequence[Any]:
    """The REST API under ``/api/v1/ai``."""
    get_ai_settings()  # read here: a bad AI_* value stops start-up, and only an enabled plugin reads its settings
    return list(ROUTES)


@hookimpl
def register_openapi_tags() -> Sequence[dict[str, str]]:
    """The ``ai`` tag."""
    return [
        {
            "name": "ai",
            "description": "Semantic issue search, similar issues, issue and sprint summaries, the project assistant.",
        }
    ]


@hookimpl
def register_jobs() -> Sequence[Any]:
    """Indexing jobs (see :mod:`plugins.ai.jobs`)."""
    return [
        ("ai:index_issue", jobs.index_issue),
        ("ai:remove_issue", jobs.remove_issue),
        ("ai:index_missing", jobs.index_missing),
    ]


@hookimpl
async def on_startup(app: Litestar) -> None:
    """Remember the job queue; queue the catch-up that indexes what is missing (``AI_INDEX_ON_STARTUP``)."""
    queue: JobQueue = app.state.jobs
    _queues.append(queue)
    settings = get_ai_settings()
    if settings.index_on_startup:
        # One run per index among processes starting together (SAQ keeps a finished key for a while); a change of
        # embedding or backend is another key, so it always runs.
        index = f"{index_for(settings).backend}|{embedder_for(settings).name}"
        try:
            await queue.enqueue("ai:index_missing", key=f"ai:index_missing:{index}")
        except Exception:  # start-up must not fail because the catch-up could not be queued
            logger.warning("could not queue the index catch-up", exc_info=True)


@hookimpl
async def on_shutdown(app: Litestar) -> None:
    """Forget this app's queue and close the clients this loop opened."""
    queue = app.state.get("jobs")
    _queues[:] = [q for q in _queues if q is not queue]
    await close_clients()


# --- lifecycle --------------------------------------------------------------------------------------------


@hookimpl
async def on_issue_created(event: IssueCreated) -> None:
    """Index the new issue."""
    await _queue().enqueue("ai:index_issue", issue_id=str(event.issue_id), key=_key("index_issue", event))


@hookimpl
async def on_issue_updated(event: IssueUpdated) -> None:
    """Re-index the issue when its text, type or labels changed."""
    if INDEXED_FIELDS & set(event.changes):
        await _queue().enqueue("ai:index_issue", issue_id=str(event.issue_id), key=_key("index_issue", event))


@hookimpl
async def on_issue_deleted(event: IssueDeleted) -> None:
    """Forget the deleted issue."""
    await _queue().enqueue(
        "ai:remove_issue",
        issue_id=str(event.issue_id),
        organization_id=str(event.organization_id),
        key=_key("remove_issue", event),
    )
