"""Turning issue text into unit vectors: an OpenAI-compatible endpoint, or a local hashing embedding.

The local embedding needs no model file, no network and no training: scikit-learn's ``HashingVectorizer`` over
word uni/bigrams and character 3-5-grams, log-scaled, each part L2-normalised, mixed and normalised again. It is
deterministic (the same text gives the same vector in every process), so search and similar issues work on a
fresh machine. Texts that share words or word pieces ("login page crashes" / "crash when logging in") come out
close; a handful of common synonyms ("sign in" -> "login") are folded first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import anyio.to_thread
import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer  # type: ignore[import-untyped]

from plugins.ai.clients import openai_client
from plugins.ai.errors import AIUnavailable, deadline

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from plugins.ai.settings import AISettings

__all__ = (
    "LOCAL_DIMENSIONS",
    "ApiEmbedder",
    "Embedder",
    "IssueText",
    "LocalEmbedder",
    "content_hash",
    "document",
    "embedder_for",
    "from_bytes",
    "local_vectors",
    "to_bytes",
)

LOCAL_DIMENSIONS = 1024
_LOCAL_NAME = f"local-hash-v1-{LOCAL_DIMENSIONS}"
_MAX_DESCRIPTION = 6000
_API_BATCH = 96

_SPANISH_STOP = (
    "a al algo como con contra cual cuando de del desde donde durante e el ella ellos en entre era es esa ese eso "
    "esta este esto estos fue ha hay la las le les lo los mas me mi mientras muy ni no nos o otra otro para pero "
    "por porque que se sea segun ser si sin sobre son su sus tambien tan te tiene todo todos tu un una uno unos y ya"
)
_STOP_WORDS = sorted(ENGLISH_STOP_WORDS | frozenset(_SPANISH_STOP.split()))
# Words people use interchangeably for the same thing in issue trackers (folded before hashing).
_SYNONYMS = (
    (re.compile(r"\b(?:sign|log)[\s_-]?(?:in|on)s?\b|\blogging in\b|\binicio de sesion\b|\biniciar sesion\b"), "login"),
    (re.compile(r"\b(?:sign|log)[\s_-]?(?:out|off)s?\b|\bcerrar sesion\b"), "logout"),
    (re.compile(r"\bsign[\s_-]?ups?\b|\bregistration\b|\bregistro\b"), "signup"),
    (re.compile(r"\bpasswords?\b|\bcontrasenas?\b|\bpwd\b"), "password"),
    (re.compile(r"\bcrash(?:es|ed|ing)?\b|\bfalla\b|\bse cae\b"), "crash"),
    (re.compile(r"\berrors?\b|\bexceptions?\b|\bfails?\b|\bfailing\b|\bfailed\b"), "error"),
)
_ACCENTS = str.maketrans("áéíóúüñÁÉÍÓÚÜÑ", "aeiouunAEIOUUN")


@dataclass(frozen=True, slots=True)
class IssueText:
    """The parts of an issue its vector is made from."""

    title: str
    description: str
    issue_type: str
    labels: tuple[str, ...] = ()


def document(text: IssueText) -> str:
    """The text an issue is embedded as: title, type, labels and the start of its description."""
    labels = ", ".join(text.labels)
    head = f"{text.title}\n{text.issue_type}" + (f"\n{labels}" if labels else "")
    return f"{head}\n\n{text.description[:_MAX_DESCRIPTION]}".strip()


def content_hash(index_name: str, doc: str) -> str:
    """Hex SHA-256 of the index (backend and embedding) and the document: unchanged hash, unchanged vector."""
    return hashlib.sha256(f"{index_name}\x1f{doc}".encode()).hexdigest()


def to_bytes(vector: NDArray[np.float32]) -> bytes:
    """A vector as little-endian float32 bytes (how the embedded backend stores it)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(raw: bytes) -> NDArray[np.float32]:
    """The inverse of :func:`to_bytes`."""
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


def _normalise(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: NDArray[np.float64] = matrix / norms
    return result


def _fold(text: str) -> str:
    text = text.lower().translate(_ACCENTS)
    for pattern, replacement in _SYNONYMS:
        text = pattern.sub(replacement, text)
    return text


_WORDS = HashingVectorizer(
    n_features=LOCAL_DIMENSIONS,
    analyzer="word",
    ngram_range=(1, 2),
    stop_words=_STOP_WORDS,
    token_pattern=r"(?u)\b\w\w+\b",
    lowercase=False,
    alternate_sign=True,
    norm=None,
)
_CHARS = HashingVectorizer(
    n_features=LOCAL_DIMENSIONS, analyzer="char_wb", ngram_range=(3, 5), lowercase=False, alternate_sign=True, norm=None
)


def local_vectors(texts: Sequence[str]) -> NDArray[np.float32]:
    """Unit vectors (``len(texts)`` x :data:`LOCAL_DIMENSIONS`) of the local hashing embedding. CPU only."""
    if not texts:
        return np.zeros((0, LOCAL_DIMENSIONS), dtype=np.float32)
    folded = [_fold(text) for text in texts]
    parts = []
    for vectorizer in (_WORDS, _CHARS):
        counts = vectorizer.transform(folded).toarray()
        parts.append(_normalise(np.sign(counts) * np.log1p(np.abs(counts))))  # repeated words count less
    mixed = _normalise(0.5 * parts[0] + 0.5 * parts[1])
    return mixed.astype(np.float32)


class Embedder(Protocol):
    """Turns texts into unit vectors; ``name`` identifies the vector space (a change re-indexes)."""

    name: str

    async def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One unit vector per text.

        Raises:
            AIUnavailable: the embedding service failed or did not answer in time.
        """
        ...


class LocalEmbedder:
    """The local hashing embedding, computed in a worker thread."""

    name = _LOCAL_NAME

    async def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """See :class:`Embedder`."""
        return await anyio.to_thread.run_sync(local_vectors, list(texts))


class ApiEmbedder:
    """An OpenAI-compatible ``/embeddings`` endpoint."""

    def __init__(self, settings: AISettings) -> None:
        self.settings = settings
        self.name = f"api:{settings.embedding_model}"

    async def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """See :class:`Embedder`."""
        rows: list[list[float]] = []
        client = openai_client(self.settings)
        for start in range(0, len(texts), _API_BATCH):
            chunk = [text or " " for text in texts[start : start + _API_BATCH]]  # the API refuses empty strings
            async with deadline(self.settings.timeout, "embedding"):
                # Floats, not the SDK's default base64: every OpenAI-compatible server understands them.
                response: Any = await client.embeddings.create(
                    model=self.settings.embedding_model, input=chunk, encoding_format="float"
                )
            data = sorted(response.data, key=lambda item: item.index)
            if len(data) != len(chunk):
                msg = f"The embedding service returned {len(data)} vectors for {len(chunk)} texts."
                raise AIUnavailable(msg)
            rows.extend(list(item.embedding) for item in data)
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return _normalise(np.asarray(rows, dtype=np.float64)).astype(np.float32)


def embedder_for(settings: AISettings) -> Embedder:
    """The embedder the settings choose."""
    return ApiEmbedder(settings) if settings.embeddings == "api" else LocalEmbedder()
