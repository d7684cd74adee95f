"""Where issue vectors live and how the nearest ones are found: the plugin's table (default) or Pinecone.

Both backends record every indexed issue in ``ai_issue_vectors`` (its content hash, embedding and backend), so
"is this issue indexed, and is its vector current?" is always one SQL question. The embedded backend also keeps
the vector there and ranks by cosine similarity in numpy; the Pinecone backend writes the vector to the index
(one namespace per organization, ``project_id``/``organization_id`` metadata) and asks it for neighbours.

A search only ever covers a *scope*: project ids the caller may see, resolved by the service through the core
access policy. The embedded backend reads the scope's vectors with a fixed number of statements: one grouped
query tells, per project, how many issues are indexed and a checksum of their content; projects whose figures
match the in-process cache are not read again, the others are read in one statement.
"""

from __future__ import annotations

import collections
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import anyio.to_thread
import numpy as np
from sqlalchemy import and_, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from core.db import models as m
from plugins.ai.clients import pinecone_index
from plugins.ai.embeddings import from_bytes, to_bytes
from plugins.ai.errors import deadline
from plugins.ai.models import IssueVector

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from numpy.typing import NDArray
    from sqlalchemy.ext.asyncio import AsyncSession

    from plugins.ai.settings import AISettings

__all__ = (
    "ByIssue",
    "Coverage",
    "EmbeddedIndex",
    "Entry",
    "PineconeIndex",
    "VectorIndex",
    "clear_matrix_cache",
    "coverage",
    "index_for",
    "missing_counts",
)

_THREAD_ROWS = 4000  # rank in a worker thread above this many vectors, so the event loop never waits long


@dataclass(frozen=True, slots=True)
class Entry:
    """One issue's vector, ready to store."""

    issue_id: uuid.UUID
    project_id: uuid.UUID
    organization_id: uuid.UUID
    content_hash: str
    vector: NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class ByIssue:
    """A query by the stored vector of an indexed issue (the issue itself is never a result)."""

    issue_id: uuid.UUID
    organization_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Coverage:
    """Per project: how many vectors of the current index it has, and the sum of their checksums."""

    indexed: int
    checksum: int


def checksum_of(content_hash: str) -> int:
    """A 28-bit number from a content hash: the per-project sum changes whenever any vector changes."""
    return int(content_hash[:7], 16)


async def coverage(
    session: AsyncSession, project_ids: Sequence[uuid.UUID], backend: str, embedding: str
) -> dict[uuid.UUID, Coverage]:
    """Each project's vector count and checksum (one grouped statement, answered from a covering index)."""
    if not project_ids:
        return {}
    rows = await session.execute(
        select(IssueVector.project_id, func.count(), func.coalesce(func.sum(IssueVector.checksum), 0))
        .where(
            IssueVector.project_id.in_(project_ids),
            IssueVector.backend == backend,
            IssueVector.embedding == embedding,
        )
        .group_by(IssueVector.project_id)
    )
    return {row[0]: Coverage(int(row[1]), int(row[2])) for row in rows}


async def missing_counts(
    session: AsyncSession, project_ids: Sequence[uuid.UUID], backend: str, embedding: str
) -> dict[uuid.UUID, int]:
    """Per project, its active issues without a vector of the current index (for the catch-up job)."""
    if not project_ids:
        return {}
    rows = await session.execute(
        select(m.Issue.project_id, func.count(m.Issue.id) - func.count(IssueVector.id))
        .outerjoin(
            IssueVector,
            and_(
                IssueVector.issue_id == m.Issue.id,
                IssueVector.backend == backend,
                IssueVector.embedding == embedding,
            ),
        )
        .where(m.Issue.project_id.in_(project_ids), m.Issue.is_active.is_(True))
        .group_by(m.Issue.project_id)
    )
    return {row[0]: int(row[1]) for row in rows if row[1]}


async def _upsert_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert or replace index rows by ``issue_id`` in one statement (a concurrent writer cannot make a duplicate)."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(IssueVector).values(rows)
    changed = ("project_id", "organization_id", "content_hash", "checksum", "backend", "embedding", "dimensions")
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[IssueVector.issue_id],
            set_={
                **{name: stmt.excluded[name] for name in (*changed, "vector")},
                "updated_at": stmt.excluded.updated_at,
            },
        )
    )


def _row(entry: Entry, backend: str, embedding: str, *, keep_vector: bool) -> dict[str, Any]:
    # id, created_at and updated_at come from the model's defaults (applied per row of a multi-row insert).
    return {
        "issue_id": entry.issue_id,
        "project_id": entry.project_id,
        "organization_id": entry.organization_id,
        "content_hash": entry.content_hash,
        "checksum": checksum_of(entry.content_hash),
        "backend": backend,
        "embedding": embedding,
        "dimensions": int(entry.vector.shape[0]),
        "vector": to_bytes(entry.vector) if keep_vector else None,
    }


class VectorIndex(Protocol):
    """A place to keep issue vectors and find the nearest ones. Methods write through ``session``; none commits."""

    backend: str

    async def store(self, session: AsyncSession, entries: Sequence[Entry], embedding: str) -> None:
        """Write (or replace) the vectors of ``entries``."""
        ...

    async def remove(self, session: AsyncSession, issues: Mapping[uuid.UUID, uuid.UUID]) -> None:
        """Forget the issues (``issue_id -> organization_id``)."""
        ...

    async def clear(self, session: AsyncSession, organization_ids: Iterable[uuid.UUID]) -> None:
        """Forget every vector (of these organizations, for Pinecone's namespaces)."""
        ...

    async def nearest(
        self,
        session: AsyncSession,
        query: NDArray[np.float32] | ByIssue,
        scope: Mapping[uuid.UUID, uuid.UUID],
        embedding: str,
        limit: int,
        exclude: frozenset[uuid.UUID] = frozenset(),
    ) -> list[tuple[uuid.UUID, float]]:
        """Up to ``limit`` issues of the scope (``project_id -> organization_id``), most similar to ``query`` first.

        ``query`` is a vector, or an issue whose stored vector is used. Scores are cosine similarities.
        """
        ...


# --- embedded ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ProjectMatrix:
    checksum: tuple[int, int]
    ids: tuple[uuid.UUID, ...]
    matrix: NDArray[np.float32]


class _MatrixCache:
    """Per project and embedding: its vectors as one matrix, valid while the project's count and checksum hold."""

    def __init__(self) -> None:
        self._items: collections.OrderedDict[tuple[str, uuid.UUID], _ProjectMatrix] = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, uuid.UUID], checksum: tuple[int, int]) -> _ProjectMatrix | None:
        with self._lock:
            found = self._items.get(key)
            if found is None or found.checksum != checksum:
                return None
            self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, uuid.UUID], value: _ProjectMatrix, limit: int) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.matrix.nbytes
            if value.matrix.nbytes > limit:
                return
            self._items[key] = value
            self._bytes += value.matrix.nbytes
            while self._bytes > limit and self._items:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= evicted.matrix.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


_matrices = _MatrixCache()


def clear_matrix_cache() -> None:
    """Forget every cached project matrix (tests)."""
    _matrices.clear()


def _rank(
    matrices: list[_ProjectMatrix], vector: NDArray[np.float32], limit: int, exclude: frozenset[uuid.UUID]
) -> list[tuple[uuid.UUID, float]]:
    ids: list[uuid.UUID] = []
    scores: list[NDArray[np.float32]] = []
    for item in matrices:
        if item.matrix.shape[0] and item.matrix.shape[1] == vector.shape[0]:
            ids.extend(item.ids)
            scores.append(item.matrix @ vector)
    if not ids:
        return []
    flat = np.concatenate(scores)
    wanted = min(len(ids), limit + len(exclude))
    top = np.argpartition(-flat, wanted - 1)[:wanted] if wanted < len(ids) else np.arange(len(ids))
    ordered = sorted(top.tolist(), key=lambda i: (-float(flat[i]), str(ids[i])))
    return [(ids[i], float(flat[i])) for i in ordered if ids[i] not in exclude][:limit]


class EmbeddedIndex:
    """Vectors in ``ai_issue_vectors``, ranked in numpy."""

    backend = "embedded"

    def __init__(self, settings: AISettings) -> None:
        self.cache_bytes = settings.vector_cache_mb * 1024 * 1024

    async def store(self, session: AsyncSession, entries: Sequence[Entry], embedding: str) -> None:
        """See :class:`VectorIndex`."""
        await _upsert_rows(session, [_row(e, self.backend, embedding, keep_vector=True) for e in entries])

    async def remove(self, session: AsyncSession, issues: Mapping[uuid.UUID, uuid.UUID]) -> None:
        """See :class:`VectorIndex`."""
        if issues:
            await session.execute(delete(IssueVector).where(IssueVector.issue_id.in_(list(issues))))

    async def clear(self, session: AsyncSession, organization_ids: Iterable[uuid.UUID]) -> None:
        """See :class:`VectorIndex`."""
        await session.execute(delete(IssueVector))

    async def _matrices(
        self, session: AsyncSession, project_ids: Sequence[uuid.UUID], embedding: str
    ) -> list[_ProjectMatrix]:
        covered = await coverage(session, project_ids, self.backend, embedding)
        found: list[_ProjectMatrix] = []
        stale: dict[uuid.UUID, tuple[int, int]] = {}
        for pid, cov in covered.items():
            if not cov.indexed:
                continue
            checksum = (cov.indexed, cov.checksum)
            cached = _matrices.get((embedding, pid), checksum)
            if cached is None:
                stale[pid] = checksum
            else:
                found.append(cached)
        if stale:
            # Vectors of deleted issues not yet removed may come along: the caller reads the issues' rows anyway.
            rows = await session.execute(
                select(IssueVector.project_id, IssueVector.issue_id, IssueVector.vector)
                .where(
                    IssueVector.project_id.in_(list(stale)),
                    IssueVector.backend == self.backend,
                    IssueVector.embedding == embedding,
                    IssueVector.vector.is_not(None),
                )
                .order_by(IssueVector.project_id, IssueVector.issue_id)
            )
            grouped: dict[uuid.UUID, tuple[list[uuid.UUID], list[NDArray[np.float32]]]] = {}
            for pid, issue_id, raw in rows:
                if not raw:
                    continue
                ids, vectors = grouped.setdefault(pid, ([], []))
                ids.append(issue_id)
                vectors.append(np.frombuffer(raw, dtype="<f4"))  # read-only views; vstack copies them once
            for pid, (ids, vectors) in grouped.items():
                width = max((len(v) for v in vectors), default=0)
                keep = [i for i, v in enumerate(vectors) if len(v) == width]  # a malformed row is skipped
                matrix = np.vstack([vectors[i] for i in keep]) if keep else np.zeros((0, width), dtype=np.float32)
                item = _ProjectMatrix(stale[pid], tuple(ids[i] for i in keep), matrix)
                _matrices.put((embedding, pid), item, self.cache_bytes)
                found.append(item)
        return found

    async def nearest(
        self,
        session: AsyncSession,
        query: NDArray[np.float32] | ByIssue,
        scope: Mapping[uuid.UUID, uuid.UUID],
        embedding: str,
        limit: int,
        exclude: frozenset[uuid.UUID] = frozenset(),
    ) -> list[tuple[uuid.UUID, float]]:
        """See :class:`VectorIndex`."""
        if isinstance(query, ByIssue):
            raw = await session.scalar(
                select(IssueVector.vector).where(
                    IssueVector.issue_id == query.issue_id,
                    IssueVector.backend == self.backend,
                    IssueVector.embedding == embedding,
                )
            )
            if not raw:
                return []
            vector, exclude = from_bytes(raw), exclude | {query.issue_id}
        else:
            vector = query
        matrices = await self._matrices(session, list(scope), embedding)
        if sum(item.matrix.shape[0] for item in matrices) > _THREAD_ROWS:
            return await anyio.to_thread.run_sync(_rank, matrices, vector, limit, exclude)
        return _rank(matrices, vector, limit, exclude)


# --- Pinecone ---------------------------------------------------------------------------------------------


class PineconeIndex:
    """Vectors in a Pinecone index: one namespace per organization, so tenants never share a query."""

    backend = "pinecone"

    def __init__(self, settings: AISettings) -> None:
        self.settings = settings

    def namespace(self, organization_id: uuid.UUID) -> str:
        """The namespace of an organization's vectors."""
        return f"{self.settings.pinecone_namespace_prefix}{organization_id}"

    async def store(self, session: AsyncSession, entries: Sequence[Entry], embedding: str) -> None:
        """See :class:`VectorIndex`. Pinecone is written first: a row claims only what the index holds."""
        by_org: dict[uuid.UUID, list[dict[str, Any]]] = {}
        for entry in entries:
            by_org.setdefault(entry.organization_id, []).append(
                {
                    "id": str(entry.issue_id),
                    "values": [float(x) for x in entry.vector],
                    "metadata": {"project_id": str(entry.project_id), "organization_id": str(entry.organization_id)},
                }
            )
        index = pinecone_index(self.settings)
        for org_id, vectors in by_org.items():
            async with deadline(self.settings.timeout, "vector index"):
                await index.upsert(vectors=vectors, namespace=self.namespace(org_id))
        await _upsert_rows(session, [_row(e, self.backend, embedding, keep_vector=False) for e in entries])

    async def remove(self, session: AsyncSession, issues: Mapping[uuid.UUID, uuid.UUID]) -> None:
        """See :class:`VectorIndex`."""
        if not issues:
            return
        by_org: dict[uuid.UUID, list[str]] = {}
        for issue_id, org_id in issues.items():
            by_org.setdefault(org_id, []).append(str(issue_id))
        index = pinecone_index(self.settings)
        for org_id, ids in by_org.items():
            async with deadline(self.settings.timeout, "vector index"):
                await index.delete(ids=ids, namespace=self.namespace(org_id))
        await session.execute(delete(IssueVector).where(IssueVector.issue_id.in_(list(issues))))

    async def clear(self, session: AsyncSession, organization_ids: Iterable[uuid.UUID]) -> None:
        """See :class:`VectorIndex`: empties each organization's namespace (a missing one is fine)."""
        import pinecone

        index = pinecone_index(self.settings)
        for org_id in organization_ids:
            try:
                async with deadline(self.settings.timeout, "vector index"):
                    await index.delete(delete_all=True, namespace=self.namespace(org_id))
            except Exception as exc:
                if not isinstance(exc.__cause__, pinecone.NotFoundError):
                    raise
        await session.execute(delete(IssueVector))

    async def _query(
        self, scope: Mapping[uuid.UUID, uuid.UUID], limit: int, **query: Any
    ) -> list[tuple[uuid.UUID, float]]:
        by_org: dict[uuid.UUID, list[str]] = {}
        for pid, org_id in scope.items():
            by_org.setdefault(org_id, []).append(str(pid))
        index = pinecone_index(self.settings)
        found: list[tuple[uuid.UUID, float]] = []
        for org_id, project_ids in by_org.items():
            async with deadline(self.settings.timeout, "vector index"):
                response = await index.query(
                    top_k=limit,
                    namespace=self.namespace(org_id),
                    filter={"project_id": {"$in": sorted(project_ids)}},
                    include_values=False,
                    include_metadata=False,
                    **query,
                )
            for match in response.matches:
                try:
                    found.append((uuid.UUID(match.id), float(match.score)))
                except ValueError:
                    continue  # not one of ours
        found.sort(key=lambda item: (-item[1], str(item[0])))
        return found

    async def nearest(
        self,
        session: AsyncSession,
        query: NDArray[np.float32] | ByIssue,
        scope: Mapping[uuid.UUID, uuid.UUID],
        embedding: str,
        limit: int,
        exclude: frozenset[uuid.UUID] = frozenset(),
    ) -> list[tuple[uuid.UUID, float]]:
        """See :class:`VectorIndex`.

        A query by issue asks Pinecone for the neighbours of the stored vector, in the issue's own namespace only.
        """
        wanted = dict(scope)
        if isinstance(query, ByIssue):
            wanted = {pid: org for pid, org in wanted.items() if org == query.organization_id}
            exclude |= {query.issue_id}
            how: dict[str, Any] = {"id": str(query.issue_id)}
        else:
            how = {"vector": [float(x) for x in query]}
        if not wanted:
            return []
        found = await self._query(wanted, limit + len(exclude), **how)
        return [item for item in found if item[0] not in exclude][:limit]


def index_for(settings: AISettings) -> VectorIndex:
    """The backend the settings choose."""
    return PineconeIndex(settings) if settings.pinecone_enabled else EmbeddedIndex(settings)
