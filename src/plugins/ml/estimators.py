"""Text models that learn effort and story points from resolved issues (scikit-learn), with honest fall-backs.

Every issue becomes one document, its title (twice: titles say the most) and the start of its description,
vectorised with TF-IDF (word unigrams and bigrams, English and Spanish stop words dropped). Cosine similarity
between documents finds the resolved issues most like a new one; among those, issues of the same type category
count double.

* ``ml_model``: at least ``min_samples`` resolved issues. A ridge regression (effort, on log hours) or a
  logistic regression (points, over the Fibonacci scale) is trained on all of them, on the TF-IDF next to a
  one-hot of the type category, and blended with the similarity-weighted nearest neighbours: the closer the
  nearest neighbour, the more the neighbours count.
* ``similarity``: fewer issues, but some are textually similar: the similarity-weighted figures of those.
* ``heuristic``: nothing similar: the median (effort) or most common value (points) of resolved issues of the
  same type when there are some, a default per type otherwise, scaled up for long descriptions.

Fitted models are kept in a small LRU keyed by a digest of exactly the documents and figures they were trained
on, so any change in the data trains a new model, and an answer can only come from data the caller was given.
Everything here is plain CPU work on plain values: the service runs it in a worker thread.
"""

from __future__ import annotations

import hashlib
import math
import threading
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression, Ridge  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

__all__ = (
    "FIBONACCI",
    "EffortEstimate",
    "ModelCache",
    "PointsEstimate",
    "Query",
    "Sample",
    "SkillMatch",
    "clear_caches",
    "estimate_effort",
    "issue_document",
    "recommend_points",
    "skill_matches",
    "snap_points",
)

FIBONACCI = (1, 2, 3, 5, 8, 13, 21)
SIMILAR = 0.15  # cosine similarity from which a resolved issue counts as similar
FULL_TRUST = 0.4  # similarity of the nearest issue at which the neighbours alone decide
NEIGHBOURS = 7
_MAX_DESCRIPTION = 1500  # characters of a description that count: the start says what the issue is about
_MIN_SPREAD = 0.15  # smallest spread (log hours) of a prediction range: about +-16 %

DEFAULT_HOURS = {"bug": 4.0, "task": 6.0, "story": 10.0, "improvement": 6.0, "epic": 40.0, "sub_task": 3.0}
DEFAULT_POINTS = {"bug": 2, "task": 3, "story": 5, "improvement": 3, "epic": 13, "sub_task": 1}

# Spanish is the other language of the teams using FICCT-SCRUM; written without accents (they are stripped first).
_SPANISH_STOP_TEXT = (
    "a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el ella ellas "
    "ellos en entre era es esa esas ese eso esos esta estas este esto estos fue fueron ha hay la las le les lo los "
    "mas me mi mis mucho muy nada ni no nos o otra otro para pero poco por porque que quien se ser si sin sobre su "
    "sus tambien tan te tiene todo todos tu un una uno unos y ya"
)
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | frozenset(_SPANISH_STOP_TEXT.split()))

T = TypeVar("T")


def issue_document(title: str, description: str | None) -> str:
    """The text an issue is compared by."""
    return f"{title}\n{title}\n{(description or '')[:_MAX_DESCRIPTION]}"


def snap_points(value: float) -> int:
    """The Fibonacci value nearest to ``value`` (the lower one on a tie)."""
    return min(FIBONACCI, key=lambda point: (abs(point - value), point))


@dataclass(frozen=True, slots=True)
class Sample:
    """A resolved issue to learn from: its text and the figure it ended with (hours or story points)."""

    issue_id: uuid.UUID
    key: str
    title: str
    document: str
    category: str
    value: float


@dataclass(frozen=True, slots=True)
class Query:
    """The issue to estimate."""

    title: str
    description: str
    category: str
    type_name: str

    @property
    def document(self) -> str:
        """Its text, as the models see it."""
        return issue_document(self.title, self.description)

    @property
    def words(self) -> int:
        """How long its description is, in words."""
        return len(self.description.split())


@dataclass(frozen=True, slots=True)
class EffortEstimate:
    """Predicted hours, the likely range, and what they rest on."""

    hours: float
    low: float
    high: float
    confidence: float
    method: str
    reasoning: str
    similar: list[tuple[Sample, float]]


@dataclass(frozen=True, slots=True)
class PointsEstimate:
    """Recommended story points and the probability of each Fibonacci value."""

    points: int
    confidence: float
    distribution: dict[int, float]
    method: str
    reasoning: str
    similar_count: int


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """How close an issue is to one person's resolved work."""

    score: float
    similar_count: int
    closest_title: str | None


# --- model cache ------------------------------------------------------------------------------------------


class ModelCache(Generic[T]):
    """A thread-safe LRU of fitted models; a key is a digest of the training data, so stale entries never match."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_fit(self, key: str, fit: Callable[[], T], size: int) -> T:
        """The model stored under ``key``, or a new one from ``fit`` (kept unless ``size`` is 0)."""
        with self._lock:
            model = self._items.get(key)
            if model is not None:
                self._items.move_to_end(key)
                return model
        # Fit outside the lock: two requests missing at once both fit, which is cheaper than making one wait.
        model = fit()
        if size > 0:
            with self._lock:
                self._items[key] = model
                while len(self._items) > size:
                    self._items.popitem(last=False)
        return model

    def clear(self) -> None:
        """Forget every model."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


@dataclass(frozen=True, slots=True)
class _TextModel:
    size: int
    vectorizer: Any | None  # None when no sample has a word left to learn from (titles like "Fix it")
    matrix: Any | None  # one L2-normalised TF-IDF row per sample
    categories: tuple[str, ...]
    regressor: Any | None  # Ridge on log hours, or LogisticRegression over points; None below min_samples
    spread: float  # effort: the regressor's error on log hours

    def similarities(self, document: str) -> np.ndarray[Any, Any]:
        """Cosine similarity of ``document`` to each sample."""
        if self.vectorizer is None:
            return np.zeros(self.size)
        vector = self.vectorizer.transform([document])
        return np.asarray((self.matrix @ vector.T).toarray()).ravel()

    def features(self, document: str, category: str) -> Any:
        """The regressor's input for one issue."""
        text = self.vectorizer.transform([document]) if self.vectorizer is not None else None
        return _features(text, [category], self.categories)


def _features(text: Any | None, categories: Sequence[str], known: tuple[str, ...]) -> Any:
    """TF-IDF rows next to a one-hot of the type category (a category never seen is all zeros)."""
    kind = sparse.csr_matrix(np.array([[1.0 if c == k else 0.0 for k in known] for c in categories]))
    return kind if text is None else sparse.hstack([text, kind]).tocsr()


def _fit_text(samples: Sequence[Sample]) -> tuple[Any | None, Any | None, tuple[str, ...]]:
    categories = tuple(sorted({sample.category for sample in samples}))
    vectorizer = _vectorizer()
    try:
        matrix = vectorizer.fit_transform([sample.document for sample in samples])
    except ValueError:  # an empty vocabulary: only stop words and one-letter words; the type is all there is
        return None, None, categories
    return vectorizer, matrix, categories


EFFORT_MODELS: ModelCache[_TextModel] = ModelCache()
POINT_MODELS: ModelCache[_TextModel] = ModelCache()


def clear_caches() -> None:
    """Forget every fitted model (tests; a process never needs to: stale keys simply stop matching)."""
    EFFORT_MODELS.clear()
    POINT_MODELS.clear()


def _vectorizer() -> Any:
    return TfidfVectorizer(
        strip_accents="unicode",
        lowercase=True,
        stop_words=STOP_WORDS,
        ngram_range=(1, 2),
        sublinear_tf=True,
        token_pattern=r"(?u)\b\w\w+\b",
    )


def _digest(kind: str, samples: Sequence[Sample], trained: bool) -> str:
    digest = hashlib.blake2b(f"{kind}:{trained}".encode(), digest_size=20)
    for sample in samples:
        digest.update(f"\x1e{sample.issue_id}\x1f{sample.value!r}\x1f{sample.document}".encode())
    return digest.hexdigest()


def _fit_effort(samples: Sequence[Sample], trained: bool) -> _TextModel:
    vectorizer, matrix, categories = _fit_text(samples)
    if not trained:
        return _TextModel(len(samples), vectorizer, matrix, categories, None, 0.0)
    features = _features(matrix, [sample.category for sample in samples], categories)
    target = np.log1p([sample.value for sample in samples])
    ridge = Ridge(alpha=1.0).fit(features, target)
    rmse = float(np.sqrt(np.mean((ridge.predict(features) - target) ** 2)))
    # In-sample error flatters the model; the spread of the data itself keeps the range honest.
    return _TextModel(len(samples), vectorizer, matrix, categories, ridge, max(rmse, 0.5 * float(np.std(target))))


def _fit_points(samples: Sequence[Sample], trained: bool) -> _TextModel:
    vectorizer, matrix, categories = _fit_text(samples)
    labels = [snap_points(sample.value) for sample in samples]
    classifier = None
    if trained and len(set(labels)) > 1:
        features = _features(matrix, [sample.category for sample in samples], categories)
        classifier = LogisticRegression(C=1.0, max_iter=200, tol=1e-3, random_state=0).fit(features, labels)
    return _TextModel(len(samples), vectorizer, matrix, categories, classifier, 0.0)


def _neighbours(sims: np.ndarray[Any, Any]) -> list[int]:
    """Indexes of the most similar samples (at least ``SIMILAR``), best first; ties keep the data's order."""
    order = np.argsort(-sims, kind="stable")[:NEIGHBOURS]
    return [int(i) for i in order if sims[i] >= SIMILAR]


def _trust(sims: np.ndarray[Any, Any], neighbours: list[int]) -> float:
    """How much the neighbours count, 0..1: reached at ``FULL_TRUST`` similarity of the nearest one."""
    return min(1.0, float(sims[neighbours[0]]) / FULL_TRUST) if neighbours else 0.0


def _weight(sample: Sample, similarity: float, query: Query) -> float:
    """A neighbour's say: its similarity squared, halved when it is of another type category."""
    return similarity**2 * (1.0 if sample.category == query.category else 0.5)


def _weighted(values: Iterable[float], weights: Iterable[float]) -> tuple[float, float]:
    """Weighted mean and standard deviation."""
    v = np.fromiter(values, dtype=float)
    w = np.fromiter(weights, dtype=float)
    mean = float(np.average(v, weights=w))
    return mean, float(math.sqrt(np.average((v - mean) ** 2, weights=w)))


def _scope_note(samples: Sequence[Sample], own: int) -> str:
    if own >= len(samples):
        return "of this project"
    return f"of this organization's projects you can see (this project has {own})"


def _nothing_to_learn(samples: Sequence[Sample], what: str) -> str:
    if not samples:
        return f"No resolved issues with {what} to learn from yet"
    return f"None of the {len(samples)} resolved issues with {what} is similar enough to learn from"


def _clip(value: float, low: float, high: float) -> float:
    return round(min(high, max(low, value)), 2)


# --- effort -----------------------------------------------------------------------------------------------


def estimate_effort(
    samples: Sequence[Sample], query: Query, *, own: int, min_samples: int, cache_size: int
) -> EffortEstimate:
    """Predict the hours ``query`` will take from resolved issues with actual hours.

    Args:
        samples: resolved issues with actual hours, the project's own first.
        query: the issue to estimate.
        own: how many of ``samples`` belong to the project itself (the rest come from sibling projects).
        min_samples: samples needed to train a model.
        cache_size: fitted models to keep (0: none).
    """
    if not samples:
        return _effort_heuristic(samples, query)
    trained = len(samples) >= min_samples
    model = EFFORT_MODELS.get_or_fit(
        _digest("effort", samples, trained), lambda: _fit_effort(samples, trained), cache_size
    )
    sims = model.similarities(query.document)
    neighbours = _neighbours(sims)
    similar = [(samples[i], round(float(sims[i]), 3)) for i in neighbours[:5]]
    trust = _trust(sims, neighbours)
    if neighbours:
        near, near_spread = _weighted(
            (math.log1p(samples[i].value) for i in neighbours),
            (_weight(samples[i], float(sims[i]), query) for i in neighbours),
        )
    else:
        near, near_spread = 0.0, 0.0
    scope = _scope_note(samples, own)
    if model.regressor is not None:
        learned = float(model.regressor.predict(model.features(query.document, query.category))[0])
        log_hours = trust * near + (1 - trust) * learned
        spread = max(_MIN_SPREAD, trust * near_spread + (1 - trust) * model.spread)
        coverage = min(1.0, len(samples) / (3 * min_samples))
        confidence = _clip(0.45 + 0.25 * trust + 0.15 * coverage - 0.2 * min(1.0, spread), 0.35, 0.95)
        if neighbours:
            best, score = similar[0]
            why = (
                f"weighted toward the {len(neighbours)} most similar (closest: {best.key} {best.title!r}, "
                f"{best.value:g} h, similarity {score:.2f})"
            )
        else:
            why = "none of them is much like this one, so the regression decides"
        reasoning = (
            f"A model trained on {len(samples)} resolved issues {scope} with actual hours: a ridge regression over "
            f"their text and type, {why}."
        )
        return _effort(log_hours, spread, confidence, "ml_model", reasoning, similar)
    if neighbours:
        spread = max(_MIN_SPREAD, near_spread)
        confidence = _clip(0.25 + 0.3 * trust + 0.05 * min(3, len(neighbours)) - 0.15 * min(1.0, spread), 0.25, 0.7)
        best, score = similar[0]
        reasoning = (
            f"Only {len(samples)} resolved issues {scope} have actual hours ({min_samples} are needed to train a "
            f"model); the similarity-weighted hours of the {len(neighbours)} most like this one (closest: "
            f"{best.key} {best.title!r}, {best.value:g} h, similarity {score:.2f})."
        )
        return _effort(near, spread, confidence, "similarity", reasoning, similar)
    return _effort_heuristic(samples, query)


def _effort(
    log_hours: float, spread: float, confidence: float, method: str, reasoning: str, similar: list[tuple[Sample, float]]
) -> EffortEstimate:
    hours = max(0.25, math.expm1(log_hours))  # a quarter of an hour is the least any issue takes
    return EffortEstimate(
        hours=round(hours, 1),
        low=round(min(hours, max(0.0, math.expm1(log_hours - spread))), 1),
        high=round(max(hours, math.expm1(log_hours + spread)), 1),
        confidence=confidence,
        method=method,
        reasoning=reasoning,
        similar=similar,
    )


def _effort_heuristic(samples: Sequence[Sample], query: Query) -> EffortEstimate:
    same_type = [sample.value for sample in samples if sample.category == query.category]
    if same_type:
        base = float(np.median(same_type))
        source = f"the median of {len(same_type)} resolved {query.type_name} issues ({base:g} h)"
        confidence = 0.25
    else:
        base = DEFAULT_HOURS.get(query.category, 6.0)
        source = f"a default of {base:g} h for a {query.type_name}"
        confidence = 0.15
    # A long description usually means more to do; at most half as much again.
    factor = 1 + 0.5 * min(query.words, 300) / 300
    hours = base * factor
    note = f", scaled by {factor:.2f} for a {query.words}-word description" if factor > 1 else ""
    reasoning = f"{_nothing_to_learn(samples, 'actual hours')}: {source}{note}."
    return EffortEstimate(
        hours=round(hours, 1),
        low=round(hours * 0.5, 1),
        high=round(hours * 1.75, 1),
        confidence=confidence,
        method="heuristic",
        reasoning=reasoning,
        similar=[],
    )


# --- story points -----------------------------------------------------------------------------------------


def recommend_points(
    samples: Sequence[Sample], query: Query, *, own: int, min_samples: int, cache_size: int
) -> PointsEstimate:
    """Recommend story points for ``query`` from resolved issues with story points (see :func:`estimate_effort`)."""
    if not samples:
        return _points_heuristic(samples, query)
    trained = len(samples) >= min_samples
    model = POINT_MODELS.get_or_fit(
        _digest("points", samples, trained), lambda: _fit_points(samples, trained), cache_size
    )
    sims = model.similarities(query.document)
    neighbours = _neighbours(sims)
    similar_count = int(np.count_nonzero(sims >= SIMILAR))
    votes = np.zeros(len(FIBONACCI))
    for i in neighbours:
        votes[FIBONACCI.index(snap_points(samples[i].value))] += _weight(samples[i], float(sims[i]), query)
    if neighbours:
        votes /= votes.sum()
    trust = _trust(sims, neighbours)
    scope = _scope_note(samples, own)
    if trained:
        learned = np.zeros(len(FIBONACCI))
        if model.regressor is None:  # every sample has the same points: that value is all there is to learn
            learned[FIBONACCI.index(snap_points(samples[0].value))] = 1.0
        else:
            probabilities = model.regressor.predict_proba(model.features(query.document, query.category))[0]
            for label, probability in zip(model.regressor.classes_, probabilities, strict=True):
                learned[FIBONACCI.index(int(label))] = float(probability)
        distribution = trust * votes + (1 - trust) * learned
        coverage = min(1.0, len(samples) / (3 * min_samples))
        confidence = _clip(float(distribution.max()) * (0.75 + 0.25 * coverage), 0.3, 0.95)
        why = (
            f"weighted toward the {len(neighbours)} most similar"
            if neighbours
            else "none of them is much like this one"
        )
        reasoning = (
            f"A model trained on {len(samples)} resolved issues {scope} with story points: a logistic regression "
            f"over their text and type, {why}."
        )
        return _points(distribution, confidence, "ml_model", reasoning, similar_count)
    if neighbours:
        confidence = _clip(float(votes.max()) * (0.4 + 0.3 * trust), 0.25, 0.7)
        reasoning = (
            f"Only {len(samples)} resolved issues {scope} have story points ({min_samples} are needed to train a "
            f"model); the similarity-weighted points of the {len(neighbours)} most like this one."
        )
        return _points(votes, confidence, "similarity", reasoning, similar_count)
    return _points_heuristic(samples, query)


def _points(
    distribution: np.ndarray[Any, Any], confidence: float, method: str, reasoning: str, similar_count: int
) -> PointsEstimate:
    best = int(np.argmax(distribution))  # the first (smaller) value on a tie
    shown = {point: round(float(p), 3) for point, p in zip(FIBONACCI, distribution, strict=True) if p >= 0.005}
    return PointsEstimate(
        points=FIBONACCI[best],
        confidence=confidence,
        distribution=shown,
        method=method,
        reasoning=f"{reasoning} Most likely: {FIBONACCI[best]} points ({float(distribution[best]):.0%}).",
        similar_count=similar_count,
    )


def _points_heuristic(samples: Sequence[Sample], query: Query) -> PointsEstimate:
    same_type = [snap_points(sample.value) for sample in samples if sample.category == query.category]
    if same_type:
        counts = Counter(same_type)
        base = max(sorted(counts), key=lambda point: counts[point])
        source = f"the most common value of {len(same_type)} resolved {query.type_name} issues"
        confidence = 0.25
    else:
        base = DEFAULT_POINTS.get(query.category, 3)
        source = f"the default for a {query.type_name}"
        confidence = 0.2
    index = FIBONACCI.index(base)
    note = ""
    if query.words > 150 and index + 1 < len(FIBONACCI):  # a long description: one step up the scale
        index += 1
        note = f", one step up for a {query.words}-word description"
    distribution = np.zeros(len(FIBONACCI))
    distribution[index] = 0.5
    for side in (index - 1, index + 1):
        if 0 <= side < len(FIBONACCI):
            distribution[side] = 0.25
    distribution /= distribution.sum()
    reasoning = f"{_nothing_to_learn(samples, 'story points')}: {source}{note}."
    return _points(distribution, confidence, "heuristic", reasoning, 0)


# --- skills -----------------------------------------------------------------------------------------------


def skill_matches(document: str, work: dict[int, list[tuple[str, str]]]) -> dict[int, SkillMatch]:
    """How close ``document`` is to each person's resolved issues.

    Args:
        document: the issue to assign (see :func:`issue_document`).
        work: per user id, ``(title, document)`` of each issue they resolved.

    Returns:
        Per user with resolved work: the mean of their three best similarities, scaled so that ``FULL_TRUST``
        counts as a full match, how many of their issues are similar, and the title of the closest one.
    """
    owners = [(user_id, title, doc) for user_id, items in work.items() for title, doc in items]
    if not owners:
        return {}
    vectorizer = _vectorizer()
    try:
        matrix = vectorizer.fit_transform([doc for _, _, doc in owners])
    except ValueError:  # an empty vocabulary: no words to compare
        return {}
    sims = np.asarray((matrix @ vectorizer.transform([document]).T).toarray()).ravel()
    per_user: dict[int, list[tuple[float, str]]] = {}
    for (user_id, title, _), sim in zip(owners, sims, strict=True):
        per_user.setdefault(user_id, []).append((float(sim), title))
    result = {}
    for user_id, scored in per_user.items():
        scored.sort(key=lambda item: -item[0])
        best = [sim for sim, _ in scored[:3]]
        similar = [title for sim, title in scored if sim >= SIMILAR]
        result[user_id] = SkillMatch(
            score=min(1.0, float(np.mean(best)) / FULL_TRUST),
            similar_count=len(similar),
            closest_title=similar[0] if similar else None,
        )
    return result
