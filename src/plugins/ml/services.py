"""The ml plugin's use cases: check access, load the rows, run the estimators, present the answers.

Every route reads only: nothing is written, nothing is committed. A project, issue or sprint the caller may not
see is a 404 (``core.access``); the estimates learn only from projects of the same organization the caller may
see. The scikit-learn work runs in a worker thread so a model being fitted never blocks the event loop.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections import Counter
from typing import TYPE_CHECKING

import anyio.to_thread

from core.access import Level
from core.http.errors import FieldErrors, NotFound
from plugins.ml import analysis
from plugins.ml import queries as q
from plugins.ml import schemas as s
from plugins.ml.estimators import Query, Sample, estimate_effort, issue_document, recommend_points, skill_matches
from plugins.ml.settings import MLSettings, get_ml_settings

if TYPE_CHECKING:
    from core.context import RequestCtx
    from core.db import models as m

__all__ = ("MLService", "resolve_issue_type")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def resolve_issue_type(types: list[q.IssueTypeInfo], ref: str) -> q.IssueTypeInfo:
    """The project's issue type named by ``ref``: its id, its name or its category (``bug``, ``story``...).

    Raises:
        FieldErrors: blank, or not a type of the project.
    """
    text = ref.strip()
    if not text:
        raise FieldErrors({"issue_type": ["This field may not be blank."]})
    try:
        wanted = uuid.UUID(text)
    except ValueError:
        category = text.lower().replace("-", "_").replace(" ", "_")
        by_name = [t for t in types if t.name.lower() == text.lower()]
        by_category = [t for t in types if t.category == category]
        if by_name or by_category:
            return (by_name or by_category)[0]
    else:
        for issue_type in types:
            if issue_type.id == wanted:
                return issue_type
    names = ", ".join(sorted(t.name for t in types)) or "none"
    raise FieldErrors({"issue_type": [f"Not an issue type of this project. Choose from: {names}."]})


class MLService:
    """Estimates and forecasts for the signed-in caller."""

    def __init__(self, ctx: RequestCtx, settings: MLSettings | None = None) -> None:
        self.ctx = ctx
        self.settings = settings or get_ml_settings()

    # --- estimates of a new issue -------------------------------------------------------------------------

    async def _learning_data(self, data: s.EstimateRequest, target: q.Target) -> tuple[Query, list[Sample], int]:
        """The issue to estimate, the resolved issues to learn from, and how many of those are the project's own.

        The project's own history is used alone once it has ``min_training_samples`` issues; below that the
        sibling projects the caller may see in the same organization are added.
        """
        title = data.title.strip()
        if not title:
            raise FieldErrors({"title": ["This field may not be blank."]})
        session = self.ctx.session
        project, _ = await self.ctx.policy.project(data.project_id, Level.READ)
        org_id = await q.organization_id(session, project)
        issue_type = resolve_issue_type(await q.issue_types(session, project.id), data.issue_type)
        rows = await q.resolved_samples(
            session, project.id, q.org_scope(self.ctx.policy, org_id), target, self.settings.max_training_issues
        )
        own = [row for row in rows if row.project_id == project.id]
        chosen = own if len(own) >= self.settings.min_training_samples else rows
        samples = [
            Sample(
                issue_id=row.id,
                key=f"{row.key}-{row.number}",
                title=row.title,
                document=issue_document(row.title, row.description),
                category=row.category,
                value=float(row.value),
            )
            for row in chosen
        ]
        query = Query(title, data.description or "", issue_type.category, issue_type.name)
        return query, samples, len(own)

    async def predict_effort(self, data: s.EstimateRequest) -> s.EffortPrediction:
        """Hours a new issue will likely take, learned from resolved issues with actual hours."""
        query, samples, own = await self._learning_data(data, "hours")
        estimate = await anyio.to_thread.run_sync(
            functools.partial(
                estimate_effort,
                samples,
                query,
                own=own,
                min_samples=self.settings.min_training_samples,
                cache_size=self.settings.model_cache_size,
            )
        )
        return s.EffortPrediction(
            predicted_hours=estimate.hours,
            confidence=estimate.confidence,
            prediction_range=s.PredictionRange(min=estimate.low, max=estimate.high),
            method=estimate.method,
            reasoning=estimate.reasoning,
            similar_issues=[
                s.SimilarIssue(
                    id=sample.issue_id,
                    key=sample.key,
                    title=sample.title,
                    actual_hours=round(sample.value, 2),
                    similarity=score,
                )
                for sample, score in estimate.similar
            ],
        )

    async def recommend_story_points(self, data: s.EstimateRequest) -> s.StoryPointsRecommendation:
        """Story points for a new issue, learned from resolved issues with story points."""
        query, samples, own = await self._learning_data(data, "points")
        estimate = await anyio.to_thread.run_sync(
            functools.partial(
                recommend_points,
                samples,
                query,
                own=own,
                min_samples=self.settings.min_training_samples,
                cache_size=self.settings.model_cache_size,
            )
        )
        return s.StoryPointsRecommendation(
            recommended_points=estimate.points,
            confidence=estimate.confidence,
            probability_distribution={str(point): p for point, p in estimate.distribution.items()},
            reasoning=estimate.reasoning,
            method=estimate.method,
            similar_issues_count=estimate.similar_count,
        )

    # --- assignment ---------------------------------------------------------------------------------------

    async def suggest_assignment(self, data: s.AssignmentRequest) -> s.AssignmentSuggestions:
        """The best people to assign an issue to, among those who may be assigned in its project."""
        session = self.ctx.session
        project, _ = await self.ctx.policy.project(data.project_id, Level.READ)
        issue = await q.assignment_issue(session, data.issue_id, project.id)
        if issue is None:
            raise NotFound
        org_id = await q.organization_id(session, project)
        scope = q.org_scope(self.ctx.policy, org_id)
        people = await q.candidates(session, project, org_id)
        loads = await q.workloads(session, project, org_id, scope, issue.id)
        resolved = await q.resolved_work(session, project, org_id, scope, issue.id, self.settings.max_training_issues)
        work: dict[int, list[tuple[str, str]]] = {}
        same_type: Counter[int] = Counter()
        with_due: Counter[int] = Counter()
        on_time: Counter[int] = Counter()
        for row in resolved:
            user_id = int(row.assignee_id)
            work.setdefault(user_id, []).append((row.title, issue_document(row.title, row.description)))
            same_type[user_id] += row.category == issue.category
            if row.due_date is not None and row.resolved_at is not None:
                with_due[user_id] += 1
                on_time[user_id] += row.resolved_at.date() <= row.due_date
        skills = await anyio.to_thread.run_sync(skill_matches, issue_document(issue.title, issue.description), work)
        candidates = [
            analysis.Candidate(
                user_id=int(person.id),
                name=f"{person.first_name} {person.last_name}".strip() or person.username,
                email=person.email,
                workload=loads.get(int(person.id)),
                skill=skills.get(int(person.id)),
                category_share=same_type[person.id] / len(work[person.id]) if work.get(person.id) else 0.0,
                resolved_with_due=with_due[person.id],
                resolved_on_time=on_time[person.id],
            )
            for person in people
        ]
        return s.AssignmentSuggestions(suggestions=analysis.rank_candidates(candidates, issue.category, data.top_n))

    # --- sprints ------------------------------------------------------------------------------------------

    async def _sprint(self, sprint_id: uuid.UUID) -> tuple[m.Sprint, int]:
        found = await q.sprint_with_plan(self.ctx.session, sprint_id)
        if found is None:
            raise NotFound
        await self.ctx.policy.project(found[0].project_id, Level.READ)
        return found

    async def estimate_sprint_duration(self, data: s.SprintDurationRequest) -> s.SprintDurationEstimate:
        """Calendar days the sprint's work will likely take, from the project's velocity or the hours estimated."""
        sprint, weeks = await self._sprint(data.sprint_id)
        issues = await q.sprint_issues(self.ctx.session, sprint.id)
        history = await q.completed_sprints(self.ctx.session, sprint.project_id, exclude=sprint.id)
        return analysis.estimate_duration(
            sprint,
            weeks,
            issues,
            history,
            scope_change=data.scope_change_percentage or 0.0,
            capacity_hours=data.team_capacity_hours,
            hours_per_person=self.settings.hours_per_day,
        )

    async def sprint_risk(self, sprint_id: uuid.UUID) -> s.SprintRisks:
        """What threatens the sprint now."""
        sprint, _ = await self._sprint(sprint_id)
        issues = await q.sprint_issues(self.ctx.session, sprint.id)
        history = await q.completed_sprints(self.ctx.session, sprint.project_id, exclude=sprint.id)
        moves = (
            await q.sprint_moves(self.ctx.session, sprint.project_id, sprint.started_at, sprint.completed_at)
            if sprint.started_at is not None
            else []
        )
        risks = analysis.find_risks(
            sprint,
            issues,
            history,
            moves,
            stalled_days=self.settings.stalled_days,
            hours_per_person=self.settings.hours_per_day,
            now=_now(),
        )
        return s.SprintRisks(risks=risks)

    # --- projects -----------------------------------------------------------------------------------------

    async def project_summary(self, project_id: uuid.UUID) -> s.ProjectSummary:
        """A project's completion, velocity and risk, with a short report."""
        project, _ = await self.ctx.policy.project(project_id, Level.READ)
        issues = await q.project_issues(self.ctx.session, project.id)
        sprints = await q.completed_sprints(self.ctx.session, project.id)
        return analysis.summarize_project(project, issues, sprints, stalled_days=self.settings.stalled_days, now=_now())
