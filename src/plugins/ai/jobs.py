"""Background jobs of the ai plugin. Each may run more than once: all are idempotent.

* ``ai:index_issue`` embeds an issue whose text changed (an unchanged one is skipped by its content hash; a
  deleted one is removed).
* ``ai:remove_issue`` forgets a deleted issue.
* ``ai:index_missing`` embeds the issues of every project that has some without a vector of the current index
  (queued at start-up, so enabling the plugin on existing data, or a change of embedding or backend, re-indexes
  without anyone asking), and forgets deleted issues.

A failing embedding service or vector index makes the job fail, and the queue retries it with backoff.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from core.jobs import job_env
from plugins.ai import queries as q
from plugins.ai.indexing import Indexer, Report
from plugins.ai.settings import get_ai_settings
from plugins.ai.vectors import missing_counts

__all__ = ("index_issue", "index_missing", "remove_issue")

logger = logging.getLogger("scrum.ai.jobs")

_BATCH = 50
_COVERAGE_CHUNK = 200


async def index_issue(ctx: dict[str, Any], *, issue_id: str, force: bool = False) -> dict[str, str]:
    """(Re)index one issue."""
    env = job_env(ctx)
    async with env.session_factory() as session:
        status = await Indexer(session, get_ai_settings()).index_issue(uuid.UUID(issue_id), force=force)
    return {"status": status}


async def remove_issue(ctx: dict[str, Any], *, issue_id: str, organization_id: str) -> dict[str, bool]:
    """Forget a deleted issue's vector."""
    env = job_env(ctx)
    async with env.session_factory() as session:
        removed = await Indexer(session, get_ai_settings()).remove(uuid.UUID(issue_id), uuid.UUID(organization_id))
    return {"removed": removed}


async def index_missing(ctx: dict[str, Any]) -> dict[str, int]:
    """Index every project that has issues without a current vector, and forget deleted issues."""
    env = job_env(ctx)
    report = Report()
    async with env.session_factory() as session:
        indexer = Indexer(session, get_ai_settings())
        await indexer.prune(report)
        projects = [pid for pid, _ in await q.organizations_with_projects(session)]
        for start in range(0, len(projects), _COVERAGE_CHUNK):
            chunk = projects[start : start + _COVERAGE_CHUNK]
            gaps = await missing_counts(session, chunk, indexer.index.backend, indexer.embedder.name)
            for project_id in chunk:
                if gaps.get(project_id):
                    await indexer.index_project(project_id, report, batch_size=_BATCH)
    if report.total:
        logger.info(
            "index catch-up: %d projects, %d issues embedded, %d failed",
            report.projects,
            report.indexed,
            report.failed,
        )
    if report.failed:  # the queue retries with backoff; what was indexed meanwhile is skipped by its hash
        msg = f"{report.failed} issues could not be indexed: {report.errors[0]['error']}"
        raise RuntimeError(msg)
    return {"projects": report.projects, "embedded": report.indexed, "removed": report.removed}
