"""Request and response shapes of ``/api/v1/ml/...`` (contract section 12). Every number is a JSON number (X9)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated

import msgspec

__all__ = (
    "AssignmentRequest",
    "AssignmentSuggestion",
    "AssignmentSuggestions",
    "EffortPrediction",
    "EstimateRequest",
    "MetricsBreakdown",
    "PredictionRange",
    "ProjectSummary",
    "SimilarIssue",
    "SprintDurationEstimate",
    "SprintDurationRequest",
    "SprintRisk",
    "SprintRisks",
    "StoryPointsRecommendation",
)

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Description = Annotated[str, msgspec.Meta(max_length=50_000)]
TypeRef = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


# --- requests -------------------------------------------------------------------------------------------------


class EstimateRequest(msgspec.Struct):
    """``POST .../predict-effort/`` and ``.../recommend-story-points/``: an issue not created yet.

    ``issue_type`` is the id of one of the project's issue types (its name or category, e.g. ``bug``, also works).
    """

    title: Title
    issue_type: TypeRef
    project_id: uuid.UUID
    description: Description | None = None


class AssignmentRequest(msgspec.Struct):
    """``POST .../suggest-assignment/``."""

    issue_id: uuid.UUID
    project_id: uuid.UUID
    top_n: Annotated[int, msgspec.Meta(ge=1, le=50)] = 3


class SprintDurationRequest(msgspec.Struct):
    """``POST .../estimate-sprint-duration/``.

    ``scope_change_percentage`` grows (or shrinks, when negative) the sprint's work before estimating;
    ``team_capacity_hours`` is what the whole team can work during the sprint, in hours.
    """

    sprint_id: uuid.UUID
    scope_change_percentage: Annotated[float, msgspec.Meta(ge=-100, le=1000)] | None = None
    team_capacity_hours: Annotated[float, msgspec.Meta(gt=0, le=1_000_000)] | None = None


# --- responses ------------------------------------------------------------------------------------------------


class PredictionRange(msgspec.Struct):
    """Where the real figure most likely falls."""

    min: float
    max: float


class SimilarIssue(msgspec.Struct):
    """A resolved issue the estimate learned from, with how similar its text is (cosine, 0..1)."""

    id: uuid.UUID
    key: str
    title: str
    actual_hours: float
    similarity: float


class EffortPrediction(msgspec.Struct):
    """Predicted hours for an issue; ``method`` says what the figure rests on."""

    predicted_hours: float
    confidence: float
    prediction_range: PredictionRange
    method: str
    reasoning: str
    similar_issues: list[SimilarIssue]


class StoryPointsRecommendation(msgspec.Struct):
    """Story points on the Fibonacci scale, with the probability of each candidate."""

    recommended_points: int
    confidence: float
    probability_distribution: dict[str, float]
    reasoning: str
    method: str
    similar_issues_count: int


class AssignmentSuggestion(msgspec.Struct):
    """One candidate assignee; scores are 0..1 and ``user_id`` is the integer id as a string."""

    user_id: str
    user_name: str
    user_email: str
    total_score: float
    skill_score: float
    workload_score: float
    performance_score: float
    availability_score: float
    reasoning: list[str]


class AssignmentSuggestions(msgspec.Struct):
    """Candidates, best first."""

    suggestions: list[AssignmentSuggestion]


class SprintDurationEstimate(msgspec.Struct):
    """How many calendar days the sprint's work is likely to take."""

    estimated_days: float
    planned_days: int
    confidence: float
    total_estimated_hours: float
    hours_per_day: float
    average_velocity: float
    total_story_points: float
    risk_factors: list[str]
    method: str


class SprintRisk(msgspec.Struct, omit_defaults=True):
    """One risk to a sprint; only the numbers that describe this kind of risk are present."""

    risk_type: str
    severity: str
    description: str
    mitigation_suggestions: list[str] = msgspec.field(default_factory=list)
    unassigned_count: int | None = None
    total_count: int | None = None
    drift_percentage: float | None = None
    stalled_count: int | None = None
    stalled_days: int | None = None
    high_priority_count: int | None = None
    scope_change_count: int | None = None
    capacity_ratio: float | None = None


class SprintRisks(msgspec.Struct):
    """The risks found, most severe first (empty when the sprint looks healthy)."""

    risks: list[SprintRisk]


class MetricsBreakdown(msgspec.Struct):
    """The counts behind a project summary."""

    total_issues: int
    completed_issues: int
    sprints_analyzed: int
    unassigned_issues: int
    overdue_issues: int


class ProjectSummary(msgspec.Struct):
    """A project's health: completion and risk in percent, velocity in story points per sprint."""

    completion: float
    velocity: float
    risk_score: float
    project_id: uuid.UUID
    generated_at: datetime.datetime
    metrics_breakdown: MetricsBreakdown
    report: str
    recommendations: list[str]
