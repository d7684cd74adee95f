"""``/api/v1/ml/...`` (contract section 12). Thin: parse, call the service, return its answer."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.status_codes import HTTP_200_OK

from core.context import Ctx
from core.http.params import FromPath, JSONBody
from plugins.ml import schemas as s
from plugins.ml.services import MLService

__all__ = ("ROUTES", "MLController")


class MLController(Controller):
    """Estimates for new issues, assignment suggestions, sprint forecasts and project health (read only)."""

    path = "/api/v1/ml"
    tags = ["ml"]

    @post("/predict-effort", status_code=HTTP_200_OK, operation_id="PredictIssueEffort")
    async def predict_effort(self, ctx: Ctx, data: JSONBody[s.EstimateRequest]) -> s.EffortPrediction:
        """Hours a new issue will likely take, learned from the project's resolved issues."""
        return await MLService(ctx).predict_effort(data)

    @post("/recommend-story-points", status_code=HTTP_200_OK, operation_id="RecommendStoryPoints")
    async def recommend_story_points(self, ctx: Ctx, data: JSONBody[s.EstimateRequest]) -> s.StoryPointsRecommendation:
        """Story points (Fibonacci) for a new issue, learned from the project's resolved issues."""
        return await MLService(ctx).recommend_story_points(data)

    @post("/suggest-assignment", status_code=HTTP_200_OK, operation_id="SuggestIssueAssignees")
    async def suggest_assignment(self, ctx: Ctx, data: JSONBody[s.AssignmentRequest]) -> s.AssignmentSuggestions:
        """Who to assign an issue to: skill, workload, track record and availability, best first."""
        return await MLService(ctx).suggest_assignment(data)

    @post("/estimate-sprint-duration", status_code=HTTP_200_OK, operation_id="EstimateSprintDuration")
    async def estimate_sprint_duration(
        self, ctx: Ctx, data: JSONBody[s.SprintDurationRequest]
    ) -> s.SprintDurationEstimate:
        """Days a sprint's work will likely take, from the team's velocity or the hours estimated."""
        return await MLService(ctx).estimate_sprint_duration(data)

    @get("/{sprint_id:uuid}/sprint-risk", operation_id="AssessSprintRisk")
    async def sprint_risk(self, ctx: Ctx, sprint_id: FromPath[uuid.UUID]) -> s.SprintRisks:
        """What threatens a sprint now: unassigned, stalled or urgent work, burndown drift, scope, capacity."""
        return await MLService(ctx).sprint_risk(sprint_id)

    @post("/{project_id:uuid}/project-summary", status_code=HTTP_200_OK, operation_id="SummarizeProjectHealth")
    async def project_summary(self, ctx: Ctx, project_id: FromPath[uuid.UUID]) -> s.ProjectSummary:
        """A project's completion, velocity and risk score, with a short report and recommendations."""
        return await MLService(ctx).project_summary(project_id)


ROUTES = [MLController]
"""Everything the plugin serves under ``/api/v1/ml``."""
