"""Keeping the index in step with the issues: embed what changed, forget what was deleted, rebuild on demand.

Used by the jobs (lifecycle hooks enqueue them), by the routes that index on demand, and by the re-index routes.
Every operation is idempotent: an issue whose text, embedding and backend are unchanged is not embedded again
(its content hash says so), and removing an issue twice is harmless.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.db import models as m
from plugins.ai import queries as q
from plugins.ai.embeddings import Embedder, content_hash, document, embedder_for
from plugins.ai.errors import AIUnavailable
from plugins.ai.models import IssueVector
from plugins.ai.vectors import Entry, VectorIndex, index_for

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    import numpy as np
    from numpy.typing import NDArray
    from sqlalchemy.ext.asyncio import AsyncSession

    from plugins.ai.settings import AISettings

__all__ = ("MAX_REPORTED_ERRORS", "Indexer", "Report")

logger = logging.getLogger("scrum.ai")

MAX_REPORTED_ERRORS = 50


@dataclass(slots=True)
class Report:
    """What a batch run did: issues seen, (re)embedded, already current, failed, and the first errors."""

    total: int = 0
    indexed: int = 0
    unchanged: int = 0
    failed: int = 0
    removed: int = 0
    projects: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    total_errors: int = 0
    started: float = field(default_factory=time.monotonic)

    def fail(self, docs: Sequence[q.IssueDoc], reason: str) -> None:
        """Count ``docs`` as failed with ``reason``."""
        self.failed += len(docs)
        self.total_errors += len(docs)
        for doc in docs:
            if len(self.errors) < MAX_REPORTED_ERRORS:
                self.errors.append({"issue_id": str(doc.issue_id), "issue_title": doc.title[:200], "error": reason})

    @property
    def success_rate(self) -> float:
        """Issues now in the index (new or already current), in percent of those seen (100 when none)."""
        return round(100.0 * (self.indexed + self.unchanged) / self.total, 2) if self.total else 100.0

    @property
    def duration(self) -> float:
        """Seconds since the run started."""
        return round(time.monotonic() - self.started, 3)


class Indexer:
    """Embeds issues into the configured index. Commits after each batch through ``commit``."""

    def __init__(
        self,
        session: AsyncSession,
        settings: AISettings,
        *,
        commit: Callable[[], Awaitable[None]] | None = None,
        embedder: Embedder | None = None,
        index: VectorIndex | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.embedder = embedder or embedder_for(settings)
        self.index = index or index_for(settings)
        self._commit = commit or session.commit

    @property
    def index_name(self) -> str:
        """Backend and embedding: what a content hash is relative to."""
        return f"{self.index.backend}|{self.embedder.name}"

    def hash_of(self, doc: q.IssueDoc) -> str:
        """The content hash ``doc`` has in this index."""
        return content_hash(self.index_name, document(doc.text))

    async def index_docs(self, docs: Sequence[q.IssueDoc], *, force: bool = False) -> tuple[int, int]:
        """Embed and store the active ``docs`` whose vector is missing or stale; forget the inactive ones; commit.

        ``force`` embeds every active one. Returns (embedded, unchanged).

        Raises:
            AIUnavailable: the embedding service or the vector index failed (nothing of this batch is stored).
        """
        active = [doc for doc in docs if doc.is_active]
        gone = {doc.issue_id: doc.organization_id for doc in docs if not doc.is_active}
        hashes = {doc.issue_id: self.hash_of(doc) for doc in active}
        current: dict[uuid.UUID, str] = {}
        if active and not force:
            rows = await self.session.execute(
                select(IssueVector.issue_id, IssueVector.content_hash).where(
                    IssueVector.issue_id.in_([doc.issue_id for doc in active])
                )
            )
            current = {row[0]: row[1] for row in rows}
        todo = [doc for doc in active if force or current.get(doc.issue_id) != hashes[doc.issue_id]]
        if todo:
            vectors = await self.embedder.embed([document(doc.text) for doc in todo])
            if vectors.shape[0] != len(todo):
                msg = "The embedding service returned the wrong number of vectors."
                raise AIUnavailable(msg)
            entries = [
                Entry(doc.issue_id, doc.project_id, doc.organization_id, hashes[doc.issue_id], vectors[i])
                for i, doc in enumerate(todo)
            ]
            await self.index.store(self.session, entries, self.embedder.name)
        if gone:
            await self.index.remove(self.session, gone)
        if todo or gone:
            await self._commit()
        return len(todo), len(active) - len(todo)

    async def store_one(self, doc: q.IssueDoc, vector: NDArray[np.float32]) -> None:
        """Store a vector just computed for ``doc`` (a similar-issues request embedding the issue on the spot)."""
        entry = Entry(doc.issue_id, doc.project_id, doc.organization_id, self.hash_of(doc), vector)
        await self.index.store(self.session, [entry], self.embedder.name)
        await self._commit()

    async def clear(self, organization_ids: set[uuid.UUID]) -> None:
        """Empty the index (every row; for Pinecone, the namespaces of ``organization_ids``); commit."""
        await self.index.clear(self.session, organization_ids)
        await self._commit()

    async def index_issue(self, issue_id: uuid.UUID, *, force: bool = False) -> str:
        """(Re)index one issue, or forget it when it was deleted: ``indexed``, ``unchanged`` or ``removed``."""
        docs = await q.issue_docs(self.session, m.Issue.id == issue_id)
        if not docs or not docs[0].is_active:
            await self.remove(issue_id)
            return "removed"
        embedded, _ = await self.index_docs(docs, force=force)
        return "indexed" if embedded else "unchanged"

    async def remove(self, issue_id: uuid.UUID, organization_id: uuid.UUID | None = None) -> bool:
        """Forget one issue (its organization is looked up in the index when not given); commit."""
        if organization_id is None:
            organization_id = await self.session.scalar(
                select(IssueVector.organization_id).where(IssueVector.issue_id == issue_id)
            )
            if organization_id is None:
                return False
        await self.index.remove(self.session, {issue_id: organization_id})
        await self._commit()
        return True

    async def index_project(
        self, project_id: uuid.UUID, report: Report, *, batch_size: int, force: bool = False
    ) -> Report:
        """(Re)index every active issue of a project in batches of ``batch_size``; failures are counted per batch."""
        after: uuid.UUID | None = None
        report.projects += 1
        while True:
            docs = await q.project_issue_batch(self.session, project_id, after, batch_size)
            if not docs:
                break
            after = docs[-1].issue_id
            report.total += len(docs)
            try:
                embedded, unchanged = await self.index_docs(docs, force=force)
            except AIUnavailable as exc:
                await self.session.rollback()
                logger.warning("indexing %d issues of project %s failed: %s", len(docs), project_id, exc.detail)
                report.fail(docs, exc.detail)
            else:
                report.indexed += embedded
                report.unchanged += unchanged
        return report

    async def prune(self, report: Report, project_id: uuid.UUID | None = None) -> Report:
        """Forget the vectors of deleted issues (of one project, or everywhere); commit."""
        stmt = (
            select(IssueVector.issue_id, IssueVector.organization_id)
            .join(m.Issue, m.Issue.id == IssueVector.issue_id)
            .where(m.Issue.is_active.is_(False))
        )
        if project_id is not None:
            stmt = stmt.where(m.Issue.project_id == project_id)
        rows = {row[0]: row[1] for row in await self.session.execute(stmt)}
        if rows:
            await self.index.remove(self.session, rows)
            await self._commit()
            report.removed += len(rows)
        return report
