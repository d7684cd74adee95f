"""Agile reports of one project: sprint report, team metrics, velocity, cumulative flow, analytics, CSV exports.

Every report needs read access to its project (a 404 otherwise) and answers JSON numbers (contract X9). Reports
about the past (cumulative flow, a completed sprint's report, cycle times) are rebuilt from the activity log,
not from today's state.

CSV exports are written to private storage under ``exports/<project id>/<snapshot id>.csv``. The snapshot id the
client gets is ``<project id hex><snapshot hex>``: the download finds the file and the project whose access it
re-checks without any table.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import select

from core.access import Level
from core.db import models as m
from core.http.errors import FieldErrors, NotFound
from core.http.params import optional_uuid
from core.issues.queries import issue_select
from core.sprints.history import IssueState, end_of_day, load_history, load_statuses, today
from core.sprints.presenters import number, percent
from core.sprints.queries import sprint_select

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from core.context import RequestCtx
    from core.files import FileStore
    from core.sprints.history import StatusInfo

__all__ = (
    "Analytics",
    "CumulativeFlow",
    "ExportRequest",
    "ExportResult",
    "ReportService",
    "SprintReport",
    "TeamMetrics",
    "VelocityChart",
    "bounded_int",
    "required_uuid",
)

EXPORT_TYPES = ("issues", "sprints", "activity")
EXPORT_MAX_ROWS = 50_000
_SNAPSHOT = re.compile(r"^[0-9a-f]{64}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_THROUGHPUT_WEEKS = 4
_ANALYTICS_SPRINTS = 5


# --- shapes -------------------------------------------------------------------------------------------------------


class SprintReportSprint(msgspec.Struct):
    """The sprint the report is about."""

    id: uuid.UUID
    name: str
    status: str
    start_date: datetime.date | None
    end_date: datetime.date | None


class SprintReportMetrics(msgspec.Struct):
    """The sprint's numbers (points and issues)."""

    planned_points: float
    completed_points: float
    completion_rate: float
    total_issues: int
    completed_issues: int
    incomplete_issues: int
    velocity: float


class SprintReport(msgspec.Struct):
    """``GET /reporting/reports/sprint-report/?sprint=``."""

    sprint: SprintReportSprint
    metrics: SprintReportMetrics
    issues_by_status: dict[str, int]
    issues_by_type: dict[str, int]
    defect_rate: float


class UserMetrics(msgspec.Struct):
    """One person's work in the period."""

    user_id: int
    user_uuid: uuid.UUID
    user_name: str
    email: str
    assigned: int
    completed: int
    in_progress: int
    story_points_completed: float
    avg_cycle_time_hours: float


class TeamAggregates(msgspec.Struct):
    """The whole team's numbers in the period."""

    total_issues: int
    total_completed: int
    throughput: float
    avg_cycle_time: float
    work_in_progress: int


class TeamMetrics(msgspec.Struct):
    """``GET /reporting/reports/team-metrics/?project=&period=``."""

    project: uuid.UUID
    period: int
    user_metrics: list[UserMetrics]
    team_aggregates: TeamAggregates


class VelocityChart(msgspec.Struct):
    """``GET /reporting/reports/velocity/?project=&num_sprints=``: oldest of the last completed sprints first."""

    labels: list[str]
    velocities: list[float]
    planned_points: list[float]
    average_velocity: float


class CumulativeFlow(msgspec.Struct):
    """``GET /reporting/reports/cumulative-flow/?project=&days=``: issues per status at the end of each day."""

    dates: list[str]
    status_counts: dict[str, list[int]]


class ExportRequest(msgspec.Struct):
    """``POST /reporting/reports/export/``."""

    project: uuid.UUID
    data_type: str = "issues"


class ExportResult(msgspec.Struct):
    """Where the written CSV can be downloaded (with the same token)."""

    message: str
    download_url: str
    snapshot_id: str
    rows_exported: int
    data_type: str


class Analytics(msgspec.Struct):
    """``GET /reporting/analytics/?project=``: the project's flow numbers now."""

    project: uuid.UUID
    velocity: float
    cycle_time_hours: float
    lead_time_hours: float
    throughput_per_week: float
    work_in_progress: int
    completion_rate: float
    issues_by_priority: dict[str, int]
    issues_by_status: dict[str, int]


# --- query parameters ---------------------------------------------------------------------------------------------


def bounded_int(raw: str | None, field: str, default: int, low: int, high: int) -> int:
    """An integer query parameter between ``low`` and ``high``; blank means ``default``.

    Raises:
        FieldErrors: not an integer, or out of range (naming ``field``).
    """
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise FieldErrors({field: ["A valid integer is required."]}) from None
    if not low <= value <= high:
        raise FieldErrors({field: [f"Must be between {low} and {high}."]})
    return value


def required_uuid(raw: str | None, field: str) -> uuid.UUID:
    """A required UUID query parameter.

    Raises:
        FieldErrors: missing or not a UUID.
    """
    value = optional_uuid(raw, field)
    if value is None:
        raise FieldErrors({field: ["This field is required."]})
    return value


# --- helpers ------------------------------------------------------------------------------------------------------


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _hours(start: datetime.datetime, end: datetime.datetime) -> float:
    return max(0.0, (_utc(end) - _utc(start)).total_seconds() / 3600)


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 2) if values else 0.0


def _by_status(status_ids: Iterable[uuid.UUID | None], statuses: dict[uuid.UUID, StatusInfo]) -> dict[str, int]:
    """``{status name: count}`` in workflow order (statuses since deleted count as "Unknown")."""
    counts = Counter(status_ids)
    result = {info.name: counts[sid] for sid, info in statuses.items() if counts[sid]}
    unknown = sum(n for sid, n in counts.items() if sid not in statuses)
    if unknown:
        result["Unknown"] = unknown
    return result


def _safe_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> tuple[bytes, int]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        count += 1
    return buffer.getvalue().encode(), count


def _iso(moment: datetime.datetime | datetime.date | None) -> str:
    return "" if moment is None else moment.isoformat()


def snapshot_key(snapshot_id: str) -> tuple[uuid.UUID, str]:
    """The project and storage key of an export snapshot id.

    Raises:
        NotFound: not a snapshot id this API hands out.
    """
    if not _SNAPSHOT.match(snapshot_id):
        raise NotFound
    project_id = uuid.UUID(hex=snapshot_id[:32])
    return project_id, f"exports/{project_id}/{uuid.UUID(hex=snapshot_id[32:])}.csv"


class ReportService:
    """Reports of the projects the caller may read."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    async def _project(self, project_id: uuid.UUID) -> m.Project:
        project, _ = await self.ctx.policy.project(project_id, Level.READ)
        return project

    async def _types(self, project_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, str]]:
        rows = (
            await self.ctx.session.execute(
                select(m.IssueType.id, m.IssueType.name, m.IssueType.category).where(
                    m.IssueType.project_id == project_id
                )
            )
        ).all()
        return {row.id: (row.name, row.category) for row in rows}

    async def _first_starts(
        self, project_id: uuid.UUID, statuses: dict[uuid.UUID, StatusInfo]
    ) -> dict[str, datetime.datetime]:
        """When work started on each issue: its first move to a status outside the ``to_do`` category."""
        rows = (
            await self.ctx.session.execute(
                select(m.Activity.object_id, m.Activity.changes, m.Activity.created_at)
                .where(
                    m.Activity.project_id == project_id,
                    m.Activity.object_type == "issue",
                    m.Activity.action_type == "transitioned",
                )
                .order_by(m.Activity.created_at, m.Activity.id)
            )
        ).all()
        starts: dict[str, datetime.datetime] = {}
        for row in rows:
            if row.object_id in starts:
                continue
            change = row.changes.get("status") if isinstance(row.changes, dict) else None
            new = _safe_uuid(change.get("new")) if isinstance(change, dict) else None
            info = statuses.get(new) if new is not None else None
            if info is not None and info.category != "to_do":
                starts[row.object_id] = _utc(row.created_at)
        return starts

    # --- sprint report ------------------------------------------------------------------------------------------

    async def sprint_report(self, sprint_id: uuid.UUID) -> SprintReport:
        """Points and issues of a sprint. A completed sprint is reported as it was when it was completed."""
        sprint = await self.ctx.session.get(m.Sprint, sprint_id)
        if sprint is None:
            raise NotFound
        await self._project(sprint.project_id)
        statuses = await load_statuses(self.ctx.session, sprint.project_id)
        types = await self._types(sprint.project_id)
        members: list[tuple[uuid.UUID, uuid.UUID | None, float]]
        if sprint.status == "completed" and sprint.completed_at is not None:
            completed_at = _utc(sprint.completed_at)
            history = await load_history(self.ctx.session, sprint.project_id, completed_at)
            members = history.at(
                [completed_at],
                lambda states: [
                    (st.issue_type_id, st.status_id, st.points) for st in states if st.sprint_id == sprint.id
                ],
            )[0]
        else:
            rows = (
                await self.ctx.session.execute(
                    select(m.Issue.issue_type_id, m.Issue.status_id, m.Issue.story_points).where(
                        m.Issue.sprint_id == sprint.id, m.Issue.is_active.is_(True)
                    )
                )
            ).all()
            members = [(row.issue_type_id, row.status_id, float(row.story_points or 0)) for row in rows]

        def final(status_id: uuid.UUID | None) -> bool:
            return status_id in statuses and statuses[status_id].is_final

        total = len(members)
        done = sum(1 for _, status_id, _ in members if final(status_id))
        planned = number(sum(p for _, _, p in members) if sprint.status == "planning" else sprint.committed_points)
        completed = number(
            sprint.completed_points
            if sprint.status == "completed"
            else sum(p for _, status_id, p in members if final(status_id))
        )
        type_counts = Counter(types.get(type_id, ("Unknown", ""))[0] for type_id, _, _ in members)
        bugs = sum(1 for type_id, _, _ in members if types.get(type_id, ("", ""))[1] == "bug")
        return SprintReport(
            sprint=SprintReportSprint(
                id=sprint.id,
                name=sprint.name,
                status=sprint.status,
                start_date=sprint.start_date,
                end_date=sprint.end_date,
            ),
            metrics=SprintReportMetrics(
                planned_points=planned,
                completed_points=completed,
                completion_rate=percent(completed, planned) if planned else percent(done, total),
                total_issues=total,
                completed_issues=done,
                incomplete_issues=total - done,
                velocity=completed,
            ),
            issues_by_status=_by_status((status_id for _, status_id, _ in members), statuses),
            issues_by_type=dict(type_counts.most_common()),
            defect_rate=percent(bugs, total),
        )

    # --- team metrics -------------------------------------------------------------------------------------------

    async def team_metrics(self, project_id: uuid.UUID, period: int) -> TeamMetrics:
        """Per person and team totals over the last ``period`` days.

        The period's issues are those still open and those resolved in it. ``completed`` counts issues resolved in
        the period, ``throughput`` is completed issues per week, cycle times run from the first move out of a
        to-do status (or creation) to resolution, in hours.
        """
        project = await self._project(project_id)
        since = _now() - datetime.timedelta(days=period)
        statuses = await load_statuses(self.ctx.session, project.id)
        issues = (
            await self.ctx.session.execute(
                select(
                    m.Issue.id,
                    m.Issue.assignee_id,
                    m.Issue.status_id,
                    m.Issue.story_points,
                    m.Issue.created_at,
                    m.Issue.resolved_at,
                ).where(
                    m.Issue.project_id == project.id,
                    m.Issue.is_active.is_(True),
                    (m.Issue.resolved_at.is_(None)) | (m.Issue.resolved_at >= since),
                )
            )
        ).all()
        starts = await self._first_starts(project.id, statuses)

        def category(status_id: uuid.UUID) -> str:
            info = statuses.get(status_id)
            return "done" if info is not None and info.is_final else info.category if info else ""

        completed = [row for row in issues if category(row.status_id) == "done" and row.resolved_at is not None]
        cycle = {row.id: _hours(starts.get(str(row.id), row.created_at), row.resolved_at) for row in completed}
        member_ids = set(
            (
                await self.ctx.session.scalars(
                    select(m.ProjectMember.user_id).where(
                        m.ProjectMember.project_id == project.id, m.ProjectMember.is_active.is_(True)
                    )
                )
            ).all()
        )
        user_ids = member_ids | {row.assignee_id for row in issues if row.assignee_id is not None}
        users = (
            (await self.ctx.session.scalars(select(m.User).where(m.User.id.in_(user_ids)))).all() if user_ids else []
        )
        metrics = []
        for user in sorted(users, key=lambda u: (u.full_name.lower(), u.id)):
            mine = [row for row in issues if row.assignee_id == user.id]
            done = [row for row in completed if row.assignee_id == user.id]
            metrics.append(
                UserMetrics(
                    user_id=user.id,
                    user_uuid=user.user_uuid,
                    user_name=user.full_name,
                    email=user.email,
                    assigned=len(mine),
                    completed=len(done),
                    in_progress=sum(1 for row in mine if category(row.status_id) == "in_progress"),
                    story_points_completed=number(sum(float(row.story_points or 0) for row in done)),
                    avg_cycle_time_hours=_mean([cycle[row.id] for row in done]),
                )
            )
        return TeamMetrics(
            project=project.id,
            period=period,
            user_metrics=metrics,
            team_aggregates=TeamAggregates(
                total_issues=len(issues),
                total_completed=len(completed),
                throughput=round(len(completed) * 7 / period, 2),
                avg_cycle_time=_mean(list(cycle.values())),
                work_in_progress=sum(1 for row in issues if category(row.status_id) == "in_progress"),
            ),
        )

    # --- velocity -----------------------------------------------------------------------------------------------

    async def _completed_sprints(self, project_id: uuid.UUID, limit: int) -> list[m.Sprint]:
        sprints = (
            await self.ctx.session.scalars(
                select(m.Sprint)
                .where(m.Sprint.project_id == project_id, m.Sprint.status == "completed")
                .order_by(
                    m.Sprint.completed_at.desc().nulls_last(), m.Sprint.end_date.desc().nulls_last(), m.Sprint.id.desc()
                )
                .limit(limit)
            )
        ).all()
        return list(reversed(sprints))

    async def velocity(self, project_id: uuid.UUID, num_sprints: int) -> VelocityChart:
        """Completed (velocity) and committed points of the last ``num_sprints`` completed sprints, oldest first."""
        project = await self._project(project_id)
        sprints = await self._completed_sprints(project.id, num_sprints)
        velocities = [number(sprint.completed_points) for sprint in sprints]
        return VelocityChart(
            labels=[sprint.name for sprint in sprints],
            velocities=velocities,
            planned_points=[number(sprint.committed_points) for sprint in sprints],
            average_velocity=_mean(velocities),
        )

    # --- cumulative flow ----------------------------------------------------------------------------------------

    async def cumulative_flow(self, project_id: uuid.UUID, days: int) -> CumulativeFlow:
        """Issues in each status at the end of each of the last ``days`` days (today so far), from the log."""
        project = await self._project(project_id)
        statuses = await load_statuses(self.ctx.session, project.id)
        now = _now()
        last = today()
        dates = [last - datetime.timedelta(days=offset) for offset in range(days - 1, -1, -1)]
        moments = [min(end_of_day(day), now) for day in dates]
        history = await load_history(self.ctx.session, project.id, moments[0])

        def count(states: list[IssueState]) -> Counter[uuid.UUID | None]:
            return Counter(state.status_id for state in states)

        snapshots = history.at(moments, count)
        status_counts = {
            info.name: [snapshot[sid] for snapshot in snapshots]
            for sid, info in statuses.items()
            if info.is_active or any(snapshot[sid] for snapshot in snapshots)
        }
        return CumulativeFlow(dates=[day.isoformat() for day in dates], status_counts=status_counts)

    # --- analytics ----------------------------------------------------------------------------------------------

    async def analytics(self, project_id: uuid.UUID) -> Analytics:
        """The project's flow numbers now.

        Velocity is the mean of the last 5 completed sprints; cycle and lead times (hours) average the resolved
        issues; throughput is issues resolved per week over the last 4 weeks.
        """
        project = await self._project(project_id)
        statuses = await load_statuses(self.ctx.session, project.id)
        issues = (
            await self.ctx.session.execute(
                select(m.Issue.id, m.Issue.status_id, m.Issue.priority, m.Issue.created_at, m.Issue.resolved_at).where(
                    m.Issue.project_id == project.id, m.Issue.is_active.is_(True)
                )
            )
        ).all()
        sprints = await self._completed_sprints(project.id, _ANALYTICS_SPRINTS)
        starts = await self._first_starts(project.id, statuses)
        resolved = [
            row
            for row in issues
            if row.resolved_at is not None and row.status_id in statuses and statuses[row.status_id].is_final
        ]
        recent = _now() - datetime.timedelta(weeks=_THROUGHPUT_WEEKS)
        priorities = Counter(row.priority for row in issues)
        return Analytics(
            project=project.id,
            velocity=_mean([number(sprint.completed_points) for sprint in sprints]),
            cycle_time_hours=_mean(
                [_hours(starts.get(str(row.id), row.created_at), row.resolved_at) for row in resolved]
            ),
            lead_time_hours=_mean([_hours(row.created_at, row.resolved_at) for row in resolved]),
            throughput_per_week=round(
                sum(1 for row in resolved if _utc(row.resolved_at) >= recent) / _THROUGHPUT_WEEKS, 2
            ),
            work_in_progress=sum(
                1
                for row in issues
                if row.status_id in statuses
                and statuses[row.status_id].category == "in_progress"
                and not statuses[row.status_id].is_final
            ),
            completion_rate=percent(len(resolved), len(issues)),
            issues_by_priority=dict(sorted(priorities.items())),
            issues_by_status=_by_status((row.status_id for row in issues), statuses),
        )

    # --- CSV exports --------------------------------------------------------------------------------------------

    async def export(self, data: ExportRequest, files: FileStore) -> ExportResult:
        """Write a CSV of the project's issues, sprints or activity to private storage.

        Raises:
            NotFound: the project is invisible.
            FieldErrors: an unknown ``data_type``.
        """
        data_type = data.data_type.strip().lower()
        if data_type not in EXPORT_TYPES:
            raise FieldErrors({"data_type": [f"Choose one of: {', '.join(EXPORT_TYPES)}."]})
        project = await self._project(data.project)
        if data_type == "issues":
            content, rows = await self._issues_csv(project)
        elif data_type == "sprints":
            content, rows = await self._sprints_csv(project)
        else:
            content, rows = await self._activity_csv(project)
        snapshot = uuid.uuid4()
        await files.put(f"exports/{project.id}/{snapshot}.csv", content, "text/csv")
        snapshot_id = project.id.hex + snapshot.hex
        return ExportResult(
            message=f"Exported {rows} {data_type} row(s) of {project.key}.",
            download_url=f"/api/v1/reporting/reports/exports/{snapshot_id}/download/",
            snapshot_id=snapshot_id,
            rows_exported=rows,
            data_type=data_type,
        )

    async def download(self, snapshot_id: str, files: FileStore) -> tuple[bytes, str]:
        """The CSV of an export and a file name, for callers who (still) may read its project.

        Raises:
            NotFound: unknown snapshot, gone file, or a project the caller may not read (any more).
        """
        project_id, key = snapshot_key(snapshot_id.strip().lower())
        project = await self._project(project_id)
        try:
            content = await files.get(key)
        except Exception:
            msg = "This export no longer exists."
            raise NotFound(msg) from None
        return content, f"{project.key.lower()}-export-{snapshot_id[32:40]}.csv"

    async def _issues_csv(self, project: m.Project) -> tuple[bytes, int]:
        sprint_names = dict(
            (
                await self.ctx.session.execute(
                    select(m.Sprint.id, m.Sprint.name).where(m.Sprint.project_id == project.id)
                )
            ).all()
        )
        rows = (
            await self.ctx.session.execute(
                issue_select().where(m.Issue.project_id == project.id).order_by(m.Issue.number).limit(EXPORT_MAX_ROWS)
            )
        ).all()
        return _csv(
            (
                "Key",
                "Title",
                "Type",
                "Status",
                "Priority",
                "Assignee",
                "Reporter",
                "Story Points",
                "Sprint",
                "Created At",
                "Resolved At",
            ),
            (
                (
                    f"{row.project_key}-{row.number}",
                    row.title,
                    row.type_name,
                    row.status_name,
                    row.priority,
                    row.assignee_email or "",
                    row.reporter_email or "",
                    "" if row.story_points is None else float(row.story_points),
                    sprint_names.get(row.sprint_id, "") if row.sprint_id else "",
                    _iso(row.created_at),
                    _iso(row.resolved_at),
                )
                for row in rows
            ),
        )

    async def _sprints_csv(self, project: m.Project) -> tuple[bytes, int]:
        rows = (
            await self.ctx.session.execute(
                sprint_select().where(m.Sprint.project_id == project.id).order_by(m.Sprint.created_at)
            )
        ).all()
        return _csv(
            ("Name", "Status", "Start Date", "End Date", "Goal", "Issues", "Committed Points", "Completed Points"),
            (
                (
                    row.name,
                    row.status,
                    _iso(row.start_date),
                    _iso(row.end_date),
                    row.goal,
                    int(row.issue_count or 0),
                    number(row.total_points if row.status == "planning" else row.committed_points),
                    number(row.completed_points if row.status == "completed" else row.done_points),
                )
                for row in rows
            ),
        )

    async def _activity_csv(self, project: m.Project) -> tuple[bytes, int]:
        rows = (
            await self.ctx.session.execute(
                select(
                    m.Activity.created_at,
                    m.Activity.action_type,
                    m.Activity.object_type,
                    m.Activity.object_repr,
                    m.Activity.changes,
                    m.Activity.ip_address,
                    m.User.email,
                )
                .outerjoin(m.User, m.User.id == m.Activity.user_id)
                .where(m.Activity.project_id == project.id, m.Activity.object_type != "event")
                .order_by(m.Activity.created_at.desc(), m.Activity.id.desc())
                .limit(EXPORT_MAX_ROWS)
            )
        ).all()
        return _csv(
            ("Date", "Time", "User", "Action", "Object Type", "Object", "Changes", "IP Address"),
            (
                (
                    _utc(row.created_at).date().isoformat(),
                    _utc(row.created_at).strftime("%H:%M:%S"),
                    row.email or "",
                    row.action_type,
                    row.object_type,
                    row.object_repr,
                    msgspec.json.encode(row.changes or {}).decode(),
                    row.ip_address or "",
                )
                for row in rows
            ),
        )
