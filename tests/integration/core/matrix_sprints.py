"""Access cells for sprints (``/api/v1/projects/sprints``) and the agile reports (``/api/v1/reporting``).

Readers of the world's project read sprints and reports; writers plan, start and complete sprints and move issues
in and out; only project admins (and the organization owner) delete a sprint. Everyone else gets a 404.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from sqlalchemy import update

from core.db import models as m
from tests.integration.core.access_world import ALL, MANAGERS, READERS, WRITERS, Call, Cell, P, World, _built, _static

S = P + "/sprints"
R = "/api/v1/reporting"


async def _issue(world: World, session: Any, sprint_id: uuid.UUID | None = None) -> uuid.UUID:
    project = await session.get(m.Project, world.project.id)
    project.issue_counter += 1
    issue = m.Issue(
        project_id=project.id,
        number=project.issue_counter,
        title="Sprint work",
        issue_type_id=world.issue_type.id,
        status_id=world.todo.id,
        reporter_id=world.users["org_owner"].id,
        sprint_id=sprint_id,
        story_points=3,
    )
    session.add(issue)
    await session.commit()
    return issue.id


async def _sprint(world: World, session: Any, status: str = "planning", issues: int = 0) -> uuid.UUID:
    today = datetime.datetime.now(datetime.UTC).date()
    sprint = m.Sprint(
        project_id=world.project.id,
        name=f"Sprint {uuid.uuid4().hex[:8]}",
        status=status,
        start_date=today - datetime.timedelta(days=2),
        end_date=today + datetime.timedelta(days=12),
        created_by_id=world.users["org_owner"].id,
    )
    session.add(sprint)
    await session.commit()
    for _ in range(issues):
        await _issue(world, session, sprint.id)
    return sprint.id


async def _planning(world: World, session: Any) -> uuid.UUID:
    return await _sprint(world, session, issues=1)


async def _create(world: World, session: Any) -> Call:
    return Call(S, {"project": str(world.project.id), "name": f"New {uuid.uuid4().hex[:8]}", "goal": "g"})


async def _start(world: World, session: Any) -> Call:
    # One active sprint per project: finish whatever an earlier persona started.
    await session.execute(
        update(m.Sprint)
        .where(m.Sprint.project_id == world.project.id, m.Sprint.status == "active")
        .values(status="completed")
    )
    await session.commit()
    return Call(f"{S}/{await _sprint(world, session, issues=1)}/start", {})


async def _complete(world: World, session: Any) -> Call:
    return Call(f"{S}/{await _sprint(world, session, status='active', issues=1)}/complete", {})


async def _add(world: World, session: Any, suffix: str = "issues") -> Call:
    sprint_id = await _sprint(world, session)
    return Call(f"{S}/{sprint_id}/{suffix}", {"issue_id": str(await _issue(world, session))})


async def _add_alias(world: World, session: Any) -> Call:
    return await _add(world, session, "add_issue")


async def _remove(world: World, session: Any) -> Call:
    sprint_id = await _sprint(world, session)
    return Call(f"{S}/{sprint_id}/issues/{await _issue(world, session, sprint_id)}")


async def _remove_alias(world: World, session: Any) -> Call:
    sprint_id = await _sprint(world, session)
    return Call(f"{S}/{sprint_id}/remove_issue", {"issue_id": str(await _issue(world, session, sprint_id))})


async def _export(world: World, session: Any) -> Call:
    return Call(f"{R}/reports/export", {"data_type": "issues", "project": str(world.project.id)})


async def _export_file(world: World, session: Any) -> Call:
    snapshot = uuid.uuid4()
    await world.extra["files"].put(f"exports/{world.project.id}/{snapshot}.csv", b"Key\nWORLD-1\n", "text/csv")
    return Call(f"{R}/reports/exports/{world.project.id.hex}{snapshot.hex}/download")


PROJECT_Q = "?project={w.project.id}"

ENTRIES: dict[tuple[str, str], Cell] = {
    # Sprints.
    ("GET", S): Cell(_static(S + PROJECT_Q), ALL),
    ("POST", S): Cell(_create, WRITERS, ok=201),
    ("GET", f"{S}/{{sprint_id:uuid}}"): Cell(_built(_planning, S + "/{id}"), READERS),
    ("PATCH", f"{S}/{{sprint_id:uuid}}"): Cell(_built(_planning, S + "/{id}", {"goal": "x"}), WRITERS),
    ("PUT", f"{S}/{{sprint_id:uuid}}"): Cell(_built(_planning, S + "/{id}", {"goal": "y"}), WRITERS),
    ("DELETE", f"{S}/{{sprint_id:uuid}}"): Cell(_built(_planning, S + "/{id}"), MANAGERS, ok=204),
    ("POST", f"{S}/{{sprint_id:uuid}}/start"): Cell(_start, WRITERS),
    ("POST", f"{S}/{{sprint_id:uuid}}/complete"): Cell(_complete, WRITERS),
    ("GET", f"{S}/{{sprint_id:uuid}}/issues"): Cell(_built(_planning, S + "/{id}/issues"), READERS),
    ("POST", f"{S}/{{sprint_id:uuid}}/issues"): Cell(_add, WRITERS),
    ("DELETE", f"{S}/{{sprint_id:uuid}}/issues/{{issue_id:uuid}}"): Cell(_remove, WRITERS),
    ("POST", f"{S}/{{sprint_id:uuid}}/add_issue"): Cell(_add_alias, WRITERS),
    ("POST", f"{S}/{{sprint_id:uuid}}/remove_issue"): Cell(_remove_alias, WRITERS),
    ("GET", f"{S}/{{sprint_id:uuid}}/progress"): Cell(_built(_planning, S + "/{id}/progress"), READERS),
    ("GET", f"{S}/{{sprint_id:uuid}}/burndown"): Cell(_built(_planning, S + "/{id}/burndown"), READERS),
    # Reports.
    ("GET", f"{R}/reports/sprint-report"): Cell(_built(_planning, R + "/reports/sprint-report?sprint={id}"), READERS),
    ("GET", f"{R}/reports/team-metrics"): Cell(_static(R + "/reports/team-metrics" + PROJECT_Q), READERS),
    ("GET", f"{R}/reports/velocity"): Cell(_static(R + "/reports/velocity" + PROJECT_Q), READERS),
    ("GET", f"{R}/reports/cumulative-flow"): Cell(_static(R + "/reports/cumulative-flow" + PROJECT_Q), READERS),
    ("POST", f"{R}/reports/export"): Cell(_export, READERS),
    ("GET", f"{R}/reports/exports/{{snapshot_id:str}}/download"): Cell(
        _export_file, READERS, public=True
    ),  # signed links: no token is a 404
    ("GET", f"{R}/analytics"): Cell(_static(R + "/analytics" + PROJECT_Q), READERS),
}
