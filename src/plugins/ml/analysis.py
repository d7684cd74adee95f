"""Scores and forecasts computed from plain rows: assignment ranking, sprint duration, sprint risks, project health.

No database and no I/O here: the service loads the rows (``queries``) and hands them over, so every rule can be
read (and tested) on its own. Days are calendar days, as sprint dates are.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plugins.ml import schemas as s

if TYPE_CHECKING:
    from collections.abc import Sequence

    from core.db import models as m
    from plugins.ml.estimators import SkillMatch
    from plugins.ml.queries import AnyRow, CompletedSprint, Workload

__all__ = (
    "Candidate",
    "daily_velocities",
    "estimate_duration",
    "find_risks",
    "rank_candidates",
    "scope_changes",
    "summarize_project",
)

HIGH_PRIORITIES = ("P0", "P1", "P2")
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
_DEFAULT_POINTS = 3.0  # what an open issue without story points weighs in a workload


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _points(value: Any) -> float:
    return float(value or 0)


def _round(value: float, places: int = 2) -> float:
    return round(float(value), places)


# --- assignment -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone who may be assigned, with what the scores need to know about them."""

    user_id: int
    name: str
    email: str
    workload: Workload | None
    skill: SkillMatch | None
    category_share: float  # share of their resolved issues of the issue's type category
    resolved_with_due: int
    resolved_on_time: int


def _load(candidate: Candidate) -> float:
    work = candidate.workload
    return 0.0 if work is None else work.open_points + _DEFAULT_POINTS * work.open_unpointed


def rank_candidates(candidates: Sequence[Candidate], category: str, top_n: int) -> list[s.AssignmentSuggestion]:
    """Score and rank candidates for an issue of type ``category``.

    * skill: text similarity of the issue to their resolved issues (3/4) and how many of those share its type (1/4);
    * workload: open story points now (an open issue without points weighs 3), relative to the busiest candidate;
    * performance: share of their assigned issues resolved (3/5) and of resolved ones with a due date met (2/5),
      each smoothed toward 1/2 so one issue proves little;
    * availability: their open load against the team average (average = 0.5).

    Total = 0.4 skill + 0.25 workload + 0.2 performance + 0.15 availability; ties go to the less loaded.
    """
    loads = {c.user_id: _load(c) for c in candidates}
    busiest = max(loads.values(), default=0.0)
    average = statistics.fmean(loads.values()) if loads else 0.0
    scored: list[tuple[float, float, int, s.AssignmentSuggestion]] = []
    for c in candidates:
        load = loads[c.user_id]
        work = c.workload
        text = c.skill.score if c.skill else 0.0
        skill = min(1.0, 0.75 * text + 0.25 * c.category_share)
        workload = 1.0 - load / busiest if busiest > 0 else 1.0
        total = work.total if work else 0
        resolved = work.resolved if work else 0
        performance = 0.6 * (resolved + 1) / (total + 2) + 0.4 * (c.resolved_on_time + 1) / (c.resolved_with_due + 2)
        availability = min(1.0, max(0.0, 0.5 + 0.5 * (average - load) / average)) if average > 0 else 1.0
        score = 0.4 * skill + 0.25 * workload + 0.2 * performance + 0.15 * availability
        reasons = _assignment_reasons(c, category, load, average, resolved, total)
        suggestion = s.AssignmentSuggestion(
            user_id=str(c.user_id),
            user_name=c.name,
            user_email=c.email,
            total_score=_round(score, 3),
            skill_score=_round(skill, 3),
            workload_score=_round(workload, 3),
            performance_score=_round(performance, 3),
            availability_score=_round(availability, 3),
            reasoning=reasons,
        )
        scored.append((-score, load, c.user_id, suggestion))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored[:top_n]]


def _assignment_reasons(
    c: Candidate, category: str, load: float, average: float, resolved: int, total: int
) -> list[str]:
    reasons = []
    if c.skill and c.skill.similar_count:
        reasons.append(f"Resolved {c.skill.similar_count} similar issue(s) (closest: {c.skill.closest_title!r}).")
    elif resolved:
        reasons.append(f"Resolved {resolved} issue(s), none much like this one.")
    else:
        reasons.append("No resolved issues to judge their skills by yet.")
    if c.category_share:
        reasons.append(f"{c.category_share:.0%} of their resolved issues are of the same type ({category}).")
    open_count = c.workload.open_count if c.workload else 0
    if open_count:
        reasons.append(
            f"{open_count} open issue(s) assigned now ({load:g} points of work; team average {average:.1f})."
        )
    else:
        reasons.append("No open issues assigned now.")
    if total:
        on_time = (
            f", {c.resolved_on_time} of {c.resolved_with_due} with a due date on time" if c.resolved_with_due else ""
        )
        reasons.append(f"Resolved {resolved} of {total} issue(s) assigned to them{on_time}.")
    return reasons


# --- sprints ----------------------------------------------------------------------------------------------


def daily_velocities(sprints: Sequence[CompletedSprint]) -> list[float]:
    """Story points delivered per planned day by each completed sprint that has dates and points."""
    return [
        sprint.completed_points / max(1, (sprint.end_date - sprint.start_date).days)
        for sprint in sprints
        if sprint.start_date is not None and sprint.end_date is not None and sprint.completed_points > 0
    ]


def _planned_days(sprint: m.Sprint, weeks: int) -> int:
    if sprint.start_date is not None and sprint.end_date is not None:
        return max(0, (sprint.end_date - sprint.start_date).days)
    return 7 * weeks


def estimate_duration(
    sprint: m.Sprint,
    weeks: int,
    issues: Sequence[AnyRow],
    history: Sequence[CompletedSprint],
    *,
    scope_change: float,
    capacity_hours: float | None,
    hours_per_person: int,
) -> s.SprintDurationEstimate:
    """Calendar days the sprint's work (grown by ``scope_change`` percent) is likely to take from its start.

    ``historical_velocity`` divides its story points by the points per day the project's last completed sprints
    delivered; ``from_estimated_hours`` divides its estimated hours by the team's hours per day (``capacity_hours``
    over the planned days, or ``hours_per_person`` for each assignee); ``default`` keeps the planned length.
    """
    planned = _planned_days(sprint, weeks)
    factor = 1 + scope_change / 100
    points = sum(_points(row.story_points) for row in issues)
    hours = sum(_points(row.estimated_hours) for row in issues)
    people = len({row.assignee_id for row in issues if row.assignee_id is not None})
    if capacity_hours is not None and planned > 0:
        hours_per_day = capacity_hours / planned
    else:
        hours_per_day = float(max(1, people) * hours_per_person)
    velocities = daily_velocities(history)
    average = statistics.fmean(velocities) if velocities else 0.0
    risks: list[str] = []
    if scope_change:
        risks.append(f"Scope {'grows' if scope_change > 0 else 'shrinks'} by {abs(scope_change):g}%.")
    if points * factor > 0 and average > 0:
        days = points * factor / average
        spread = statistics.pstdev(velocities) / average if len(velocities) > 1 else 0.5
        confidence = min(0.9, max(0.3, 0.45 + 0.1 * min(3, len(velocities)) - 0.3 * min(1.0, spread)))
        method = "historical_velocity"
        if len(velocities) < 3:
            risks.append(f"Only {len(velocities)} completed sprint(s) to learn the team's velocity from.")
        if spread > 0.3:
            risks.append("The team's velocity varies a lot from sprint to sprint.")
    elif hours * factor > 0:
        days = hours * factor / hours_per_day
        confidence = 0.6 if capacity_hours is not None else 0.5
        method = "from_estimated_hours"
        risks.append("No completed sprints with story points: estimated from hours, which tend to be optimistic.")
    else:
        days = planned * factor
        confidence = 0.2
        method = "default"
        risks.append("No story points, hour estimates or completed sprints to learn from: the planned length is kept.")
    open_rows = [row for row in issues if not row.is_final]
    unassigned = sum(1 for row in open_rows if row.assignee_id is None)
    if unassigned:
        risks.append(f"{unassigned} open issue(s) have no assignee.")
    unestimated = sum(1 for row in issues if not row.story_points and not row.estimated_hours)
    if unestimated:
        risks.append(f"{unestimated} issue(s) have neither story points nor estimated hours.")
    if capacity_hours is not None and hours * factor > capacity_hours:
        risks.append(f"The estimated work ({hours * factor:g} h) exceeds the team's capacity ({capacity_hours:g} h).")
    if planned and days > planned * 1.1:
        risks.append(f"Likely to overrun the planned {planned} days by {days - planned:.1f} days.")
    return s.SprintDurationEstimate(
        estimated_days=_round(days, 1),
        planned_days=planned,
        confidence=_round(confidence),
        total_estimated_hours=_round(hours * factor),
        hours_per_day=_round(hours_per_day),
        average_velocity=_round(average),
        total_story_points=_round(points * factor),
        risk_factors=risks,
        method=method,
    )


def _sprint_value(changes: Any, field: str) -> tuple[bool, str | None, str | None]:
    """Whether ``changes`` moved an issue between sprints through ``field``, and the old and new sprint ids."""
    if not isinstance(changes, dict):
        return False, None, None
    change = changes.get(field)
    if not isinstance(change, dict):
        return False, None, None
    old, new = change.get("old"), change.get("new")
    return True, (str(old) if old else None), (str(new) if new else None)


def scope_changes(sprint: m.Sprint, issues: Sequence[AnyRow], moves: Sequence[AnyRow]) -> tuple[int, int]:
    """Issues added to or removed from a started sprint since its start, and how many it had at the start."""
    if sprint.started_at is None:
        return 0, len(issues)
    started = _utc(sprint.started_at)
    me = str(sprint.id)
    added = {str(row.id) for row in issues if _utc(row.created_at) > started}
    removed: set[str] = set()
    for row in moves:
        for field in ("sprint", "sprint_id"):
            found, old, new = _sprint_value(row.changes, field)
            if not found or old == new:
                continue
            if new == me:
                added.add(str(row.object_id))
            elif old == me:
                removed.add(str(row.object_id))
    # An issue added and removed again still changed the plan once.
    changed = added | removed
    now_ids = {str(row.id) for row in issues}
    at_start = len(now_ids - added) + len(removed - added)
    return len(changed), at_start


def _severity(value: float, medium: float, high: float) -> str:
    return "high" if value >= high else "medium" if value >= medium else "low"


def find_risks(
    sprint: m.Sprint,
    issues: Sequence[AnyRow],
    history: Sequence[CompletedSprint],
    moves: Sequence[AnyRow],
    *,
    stalled_days: int,
    hours_per_person: int,
    now: datetime.datetime,
) -> list[s.SprintRisk]:
    """The risks to a sprint now, most severe first (see each check for its thresholds)."""
    today = now.date()
    open_rows = [row for row in issues if not row.is_final]
    risks = [
        _unassigned(open_rows),
        _burndown(sprint, open_rows, issues, today),
        _stalled(open_rows, stalled_days, now),
        _high_priority(open_rows),
        _scope(sprint, issues, moves),
        _capacity(sprint, open_rows, history, hours_per_person, today),
    ]
    found = [risk for risk in risks if risk is not None]
    found.sort(key=lambda risk: _SEVERITY_ORDER[risk.severity])
    return found


def _unassigned(open_rows: Sequence[AnyRow]) -> s.SprintRisk | None:
    """Open issues nobody is working on: any is a risk; a fifth is medium, half is high."""
    count = sum(1 for row in open_rows if row.assignee_id is None)
    if not count:
        return None
    return s.SprintRisk(
        risk_type="unassigned_issues",
        severity=_severity(count / len(open_rows), 0.2, 0.5),
        description=f"{count} of {len(open_rows)} open issues have no assignee.",
        mitigation_suggestions=[
            "Assign each open issue to a team member.",
            "Move work nobody can take to the backlog.",
        ],
        unassigned_count=count,
        total_count=len(open_rows),
    )


def _burndown(
    sprint: m.Sprint, open_rows: Sequence[AnyRow], issues: Sequence[AnyRow], today: datetime.date
) -> s.SprintRisk | None:
    """An active sprint whose open points are above the ideal line by 10% of its commitment or more."""
    if sprint.status != "active" or sprint.start_date is None or sprint.end_date is None:
        return None
    committed = _points(sprint.committed_points) or sum(_points(row.story_points) for row in issues)
    if committed <= 0:
        return None
    length = (sprint.end_date - sprint.start_date).days
    elapsed = min(max((today - sprint.start_date).days, 0), length)
    ideal = committed * (1 - elapsed / length) if length > 0 else 0.0
    remaining = sum(_points(row.story_points) for row in open_rows)
    drift = 100 * (remaining - ideal) / committed
    if drift < 10:
        return None
    return s.SprintRisk(
        risk_type="burndown_drift",
        severity=_severity(drift, 15, 30),
        description=(
            f"{remaining:g} story points are still open on day {elapsed} of {length}; the ideal line is at "
            f"{ideal:.1f}, {drift:.1f}% of the commitment behind."
        ),
        mitigation_suggestions=[
            "Remove blockers from the issues in progress.",
            "Agree with the product owner what to drop from the sprint.",
        ],
        drift_percentage=_round(drift, 1),
    )


def _stalled(open_rows: Sequence[AnyRow], stalled_days: int, now: datetime.datetime) -> s.SprintRisk | None:
    """Issues in progress unchanged for ``stalled_days`` or more; high from 3 issues or twice that long."""
    ages = [
        (now - _utc(row.updated_at)).days
        for row in open_rows
        if row.category == "in_progress" and (now - _utc(row.updated_at)).days >= stalled_days
    ]
    if not ages:
        return None
    longest = max(ages)
    return s.SprintRisk(
        risk_type="stalled_issues",
        severity="high" if len(ages) >= 3 or longest >= 2 * stalled_days else "medium",
        description=f"{len(ages)} issue(s) in progress have not changed for {stalled_days} days or more "
        f"(the longest for {longest} days).",
        mitigation_suggestions=[
            "Ask in the daily stand-up what blocks them.",
            "Split them or pair on them.",
        ],
        stalled_count=len(ages),
        stalled_days=longest,
    )


def _high_priority(open_rows: Sequence[AnyRow]) -> s.SprintRisk | None:
    """Too many urgent issues at once: 5 or more, or at least 2 making up over 40% of the open ones."""
    count = sum(1 for row in open_rows if row.priority in HIGH_PRIORITIES)
    share = count / len(open_rows) if open_rows else 0.0
    if count < 5 and not (count >= 2 and share > 0.4):
        return None
    return s.SprintRisk(
        risk_type="high_priority_issues",
        severity="high" if count >= 8 or share > 0.6 else "medium",
        description=f"{count} of {len(open_rows)} open issues are critical or high priority.",
        mitigation_suggestions=[
            "Finish the most urgent issues before starting others.",
            "Check that every high priority is really urgent.",
        ],
        high_priority_count=count,
        total_count=len(open_rows),
    )


def _scope(sprint: m.Sprint, issues: Sequence[AnyRow], moves: Sequence[AnyRow]) -> s.SprintRisk | None:
    """Issues added or removed after the start; 15% of the starting scope is medium, 40% high."""
    changed, at_start = scope_changes(sprint, issues, moves)
    if not changed:
        return None
    return s.SprintRisk(
        risk_type="scope_change",
        severity=_severity(changed / max(1, at_start), 0.15, 0.4),
        description=f"{changed} issue(s) were added to or removed from the sprint after it started "
        f"(it started with {at_start}).",
        mitigation_suggestions=[
            "Put new requests in the backlog for the next sprint.",
            "Talk about the changes in the retrospective.",
        ],
        scope_change_count=changed,
    )


def _capacity(
    sprint: m.Sprint,
    open_rows: Sequence[AnyRow],
    history: Sequence[CompletedSprint],
    hours_per_person: int,
    today: datetime.date,
) -> s.SprintRisk | None:
    """Open work against what the team can still do before the end date (above 1 is medium, above 1.5 high).

    Story points against the points per day of past sprints; without them, estimated hours against the assignees'
    working hours.
    """
    if sprint.status == "completed" or sprint.end_date is None:
        return None
    start = max(today, sprint.start_date) if sprint.start_date else today
    days = max(1, (sprint.end_date - start).days)
    velocities = daily_velocities(history)
    points = sum(_points(row.story_points) for row in open_rows)
    hours = sum(_points(row.estimated_hours) for row in open_rows)
    if velocities and points > 0:
        ratio = points / (statistics.fmean(velocities) * days)
        detail = f"{points:g} open story points for {days} day(s) at the team's {statistics.fmean(velocities):.2f}"
        detail += " points per day"
    elif hours > 0:
        people = max(1, len({row.assignee_id for row in open_rows if row.assignee_id is not None}))
        ratio = hours / (people * hours_per_person * days)
        detail = f"{hours:g} open estimated hours for {people} assignee(s) over {days} day(s)"
    else:
        return None
    if ratio <= 1:
        return None
    return s.SprintRisk(
        risk_type="capacity_overload",
        severity="high" if ratio > 1.5 else "medium",
        description=f"The open work needs {ratio:.0%} of the team's remaining capacity ({detail}).",
        mitigation_suggestions=["Reduce the sprint's scope.", "Defer low-priority issues to the next sprint."],
        capacity_ratio=_round(ratio),
    )


# --- projects ---------------------------------------------------------------------------------------------


def summarize_project(
    project: m.Project,
    issues: Sequence[AnyRow],
    sprints: Sequence[CompletedSprint],
    *,
    stalled_days: int,
    now: datetime.datetime,
) -> s.ProjectSummary:
    """Completion, velocity and a 0-100 risk score of a project, with a short report and what to do.

    Risk = 35 x share of open issues overdue + 25 x share unassigned + 20 x share stalled in progress + 20 x the
    drop of the last sprint's velocity below the average of the ones before (0..1).
    """
    today = now.date()
    total = len(issues)
    done = sum(1 for row in issues if row.is_final)
    open_rows = [row for row in issues if not row.is_final]
    unassigned = sum(1 for row in open_rows if row.assignee_id is None)
    overdue = sum(1 for row in open_rows if row.due_date is not None and row.due_date < today)
    stalled = sum(
        1 for row in open_rows if row.category == "in_progress" and (now - _utc(row.updated_at)).days >= stalled_days
    )
    velocities = [sprint.completed_points for sprint in sprints]
    velocity = statistics.fmean(velocities) if velocities else 0.0
    drop = 0.0
    if len(velocities) >= 2:
        before = statistics.fmean(velocities[:-1])
        drop = min(1.0, max(0.0, 1 - velocities[-1] / before)) if before > 0 else 0.0

    def share(count: int) -> float:
        return count / len(open_rows) if open_rows else 0.0

    risk = 100 * (0.35 * share(overdue) + 0.25 * share(unassigned) + 0.2 * share(stalled) + 0.2 * drop)
    completion = 100 * done / total if total else 0.0
    level = "high" if risk >= 50 else "moderate" if risk >= 25 else "low"
    if total:
        report = (
            f"{project.name}: {done} of {total} issues done ({completion:.1f}%). "
            + (
                f"Velocity {velocity:.1f} story points per sprint over the last {len(velocities)} completed sprint(s). "
                if velocities
                else "No completed sprints yet. "
            )
            + f"{len(open_rows)} open: {unassigned} unassigned, {overdue} overdue, {stalled} stalled in progress. "
            f"Risk {risk:.0f}/100 ({level})."
        )
    else:
        report = f"{project.name} has no issues yet."
    recommendations = _recommendations(total, len(velocities), unassigned, overdue, stalled, drop, stalled_days)
    return s.ProjectSummary(
        completion=_round(completion, 1),
        velocity=_round(velocity, 1),
        risk_score=_round(risk, 1),
        project_id=project.id,
        generated_at=now,
        metrics_breakdown=s.MetricsBreakdown(
            total_issues=total,
            completed_issues=done,
            sprints_analyzed=len(velocities),
            unassigned_issues=unassigned,
            overdue_issues=overdue,
        ),
        report=report,
        recommendations=recommendations,
    )


def _recommendations(
    total: int, sprints: int, unassigned: int, overdue: int, stalled: int, drop: float, stalled_days: int
) -> list[str]:
    if not total:
        return ["Create the project's first issues and plan a sprint."]
    advice = []
    if overdue:
        advice.append(f"Re-plan or finish the {overdue} overdue issue(s) first.")
    if unassigned:
        advice.append(f"Assign the {unassigned} open issue(s) nobody owns.")
    if stalled:
        advice.append(f"Unblock the {stalled} issue(s) in progress unchanged for {stalled_days}+ days.")
    if drop >= 0.2:
        advice.append(f"The last sprint delivered {drop:.0%} less than the ones before: look for the cause.")
    if not sprints:
        advice.append("Complete a sprint to learn the team's velocity.")
    return advice or ["Keep the current pace: no risk stands out."]
