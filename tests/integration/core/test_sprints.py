"""Sprints: planning, one active sprint, frozen points, issues in and out with history, burndown from the log."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import select, update

from core.db import models as m
from tests.integration.core.test_issues import add_workspace_member, create_issue, setup_project
from tests.query_counter import QueryCounter

pytestmark = pytest.mark.anyio

S = "/api/v1/projects/sprints"
TODAY = datetime.datetime.now(datetime.UTC).date()


def day(offset: int) -> str:
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


async def create_sprint(client, project, **fields):
    body = {"project": project["id"], "name": "Sprint 1", "goal": "Ship it", "start_date": day(0), "end_date": day(13)}
    body.update(fields)
    response = await client.post(f"{S}/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def add(client, sprint, issue):
    response = await client.post(f"{S}/{sprint['id']}/issues/", json={"issue_id": issue["id"]})
    assert response.status_code == 200, response.text
    return response.json()


async def finish(client, issue, statuses):
    """Move an issue along the default workflow to Done."""
    url = f"/api/v1/projects/issues/{issue['id']}/transition/"
    for name in ("In Progress", "Done"):
        response = await client.patch(url, json={"status": statuses[name]["id"]})
        assert response.status_code == 200, response.text


async def test_journey_7_plan_start_board_and_complete(client):
    """Journey 7: create a sprint, add backlog issues, start it, see them on the scrum board, complete it."""
    owner, _, _, _, project, statuses = await setup_project(client)
    sprint = await create_sprint(owner, project)
    assert sprint["id"]
    assert sprint["project"] == {"id": project["id"], "name": project["name"], "key": project["key"]}
    assert sprint["status"] == "planning"
    assert sprint["duration_days"] == 13
    issues = [await create_issue(owner, project, title=f"Story {n}", story_points=n) for n in (3, 5, 2)]
    backlog = (await owner.get(f"/api/v1/projects/issues?&project={project['id']}&sprint=null")).json()
    assert backlog["count"] == 3
    for issue in issues:
        added = await add(owner, sprint, issue)
        assert added["issue"]["sprint"] == sprint["id"]
    started = await owner.post(f"{S}/{sprint['id']}/start/", json={"headers": {"normalizedNames": {}}})
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "active"
    assert started.json()["committed_points"] == 10
    board = (await owner.get(f"/api/v1/projects/issues?&project={project['id']}&sprint={sprint['id']}")).json()
    assert {issue["id"] for issue in board["results"]} == {issue["id"] for issue in issues}
    listed = (await owner.get(f"{S}/?project={project['id']}")).json()["results"]
    assert [s["status"] for s in listed] == ["active"]
    assert listed[0]["issue_count"] == 3
    await finish(owner, issues[0], statuses)
    completed = await owner.post(f"{S}/{sprint['id']}/complete/", json={})
    assert completed.status_code == 200, completed.text
    body = completed.json()
    assert body["status"] == "completed"
    assert body["completed_points"] == 3
    assert body["committed_points"] == 10
    assert body["completed_at"] is not None
    assert body["issue_count"] == 1
    assert body["progress_percentage"] == 100
    backlog = (await owner.get(f"/api/v1/projects/issues?&project={project['id']}&sprint=null")).json()
    assert {issue["id"] for issue in backlog["results"]} == {issues[1]["id"], issues[2]["id"]}
    activity = (await owner.get(f"/api/v1/reporting/activity?&project={project['id']}&page_size=100")).json()
    removed = [a for a in activity["results"] if a["action_type"] == "sprint_removed"]
    assert {a["object_id"] for a in removed} == {issues[1]["id"], issues[2]["id"]}
    assert removed[0]["changes"] == {"sprint": {"old": sprint["id"], "new": None}}
    assert {(a["object_type"], a["action_type"]) for a in activity["results"]} >= {
        ("sprint", "created"),
        ("sprint", "started"),
        ("sprint", "completed"),
        ("issue", "sprint_added"),
    }


async def test_only_one_active_sprint_and_start_rules(client):
    """A second start names the active sprint; an empty sprint cannot start; a completed one cannot restart."""
    owner, _, _, _, project, _ = await setup_project(client)
    first = await create_sprint(owner, project, name="First")
    second = await create_sprint(owner, project, name="Second")
    empty = await owner.post(f"{S}/{first['id']}/start/")
    assert empty.status_code == 400
    assert "issue" in empty.json()["message"]
    await add(owner, first, await create_issue(owner, project, story_points=1))
    await add(owner, second, await create_issue(owner, project, story_points=1))
    assert (await owner.post(f"{S}/{first['id']}/start/")).status_code == 200
    again = await owner.post(f"{S}/{first['id']}/start/")
    assert again.status_code == 400
    blocked = await owner.post(f"{S}/{second['id']}/start/")
    assert blocked.status_code == 400
    assert "First" in blocked.json()["message"]
    assert (await owner.post(f"{S}/{first['id']}/complete/")).status_code == 200
    restart = await owner.post(f"{S}/{first['id']}/start/")
    assert restart.status_code == 400
    assert "completed" in restart.json()["message"]
    assert (await owner.post(f"{S}/{second['id']}/start/")).status_code == 200
    planning = await create_sprint(owner, project, name="Third")
    not_active = await owner.post(f"{S}/{planning['id']}/complete/")
    assert not_active.status_code == 400


async def test_start_without_a_start_date_starts_today(client):
    """Starting a sprint that has no start date sets it to today."""
    owner, _, _, _, project, _ = await setup_project(client)
    sprint = await create_sprint(owner, project, start_date=None, end_date="")
    assert sprint["start_date"] is None
    await add(owner, sprint, await create_issue(owner, project))
    started = (await owner.post(f"{S}/{sprint['id']}/start/")).json()
    assert started["start_date"] == day(0)
    completed = (await owner.post(f"{S}/{sprint['id']}/complete/")).json()
    assert completed["end_date"] == day(0)


async def test_committed_points_are_frozen_at_start(client):
    """Re-estimating or adding issues after the start changes the live numbers, never the commitment."""
    owner, _, _, _, project, statuses = await setup_project(client)
    sprint = await create_sprint(owner, project)
    issue = await create_issue(owner, project, story_points=5)
    await add(owner, sprint, issue)
    await add(owner, sprint, await create_issue(owner, project, story_points=3))
    planning = (await owner.get(f"{S}/{sprint['id']}/")).json()
    assert planning["committed_points"] == 8  # before the start: what would be committed now
    await owner.post(f"{S}/{sprint['id']}/start/")
    await owner.patch(f"/api/v1/projects/issues/{issue['id']}/", json={"story_points": 13})
    await add(owner, sprint, await create_issue(owner, project, story_points=2))
    after = (await owner.get(f"{S}/{sprint['id']}/")).json()
    assert after["committed_points"] == 8
    assert after["issue_count"] == 3
    progress = (await owner.get(f"{S}/{sprint['id']}/progress/")).json()
    assert progress["total_story_points"] == 18
    assert progress["completed_story_points"] == 0
    await finish(owner, issue, statuses)
    progress = (await owner.get(f"{S}/{sprint['id']}/progress/")).json()
    assert progress["completed_issues"] == 1
    assert progress["remaining_story_points"] == 5
    assert progress["points_completion_percentage"] == pytest.approx(72.22)
    done = (await owner.post(f"{S}/{sprint['id']}/complete/")).json()
    assert done["completed_points"] == 13
    assert done["committed_points"] == 8
    await owner.patch(f"/api/v1/projects/issues/{issue['id']}/", json={"story_points": 1})
    assert (await owner.get(f"{S}/{sprint['id']}/")).json()["completed_points"] == 13


async def test_complete_moves_unfinished_issues_to_another_sprint(client):
    """Unfinished issues can go to the next sprint instead of the backlog; each move is logged on the issue."""
    owner, _, _, _, project, statuses = await setup_project(client)
    current = await create_sprint(owner, project, name="Current")
    following = await create_sprint(owner, project, name="Next")
    done, open_ = await create_issue(owner, project), await create_issue(owner, project)
    for issue in (done, open_):
        await add(owner, current, issue)
    await owner.post(f"{S}/{current['id']}/start/")
    await finish(owner, done, statuses)
    bad = await owner.post(f"{S}/{current['id']}/complete/", json={"move_incomplete_to": current["id"]})
    assert bad.status_code == 400
    assert "move_incomplete_to" in bad.json()
    moved = await owner.post(f"{S}/{current['id']}/complete/", json={"move_incomplete_to": following["id"]})
    assert moved.status_code == 200, moved.text
    assert (await owner.get(f"/api/v1/projects/issues/{open_['id']}/")).json()["sprint"] == following["id"]
    assert (await owner.get(f"/api/v1/projects/issues/{done['id']}/")).json()["sprint"] == current["id"]
    history = (
        await owner.get(f"/api/v1/reporting/activity?&project={project['id']}&object_type=issue&page_size=100")
    ).json()["results"]
    mine = [a for a in history if a["object_id"] == open_["id"] and a["action_type"].startswith("sprint_")]
    assert {a["action_type"] for a in mine} == {"sprint_added", "sprint_removed"}
    assert any(a["changes"] == {"sprint": {"old": current["id"], "new": following["id"]}} for a in mine)


async def test_keep_unfinished_issues_in_the_completed_sprint(client):
    """``move_incomplete_to_backlog: false`` leaves unfinished issues in the completed sprint."""
    owner, _, _, _, project, _ = await setup_project(client)
    sprint = await create_sprint(owner, project)
    issue = await create_issue(owner, project)
    await add(owner, sprint, issue)
    await owner.post(f"{S}/{sprint['id']}/start/")
    await owner.post(f"{S}/{sprint['id']}/complete/", json={"move_incomplete_to_backlog": False})
    assert (await owner.get(f"/api/v1/projects/issues/{issue['id']}/")).json()["sprint"] == sprint["id"]


async def test_create_and_edit_validation(client):
    """Names are unique per project, the end is not before the start, a completed sprint keeps its dates."""
    owner, _, _, _, project, _ = await setup_project(client)
    sprint = await create_sprint(owner, project, name="Alpha")
    duplicate = await owner.post(f"{S}/", json={"project": project["id"], "name": " Alpha "})
    assert duplicate.status_code == 400
    assert "name" in duplicate.json()
    backwards = await owner.post(
        f"{S}/", json={"project": project["id"], "name": "Beta", "start_date": day(5), "end_date": day(1)}
    )
    assert backwards.status_code == 400
    assert "end_date" in backwards.json()
    bad_date = await owner.post(f"{S}/", json={"project": project["id"], "name": "Gamma", "start_date": "soon"})
    assert bad_date.status_code == 400
    assert "start_date" in bad_date.json()
    iso = await create_sprint(owner, project, name="Delta", start_date=f"{day(1)}T00:00:00.000Z", end_date=day(8))
    assert iso["start_date"] == day(1)
    edited = await owner.patch(
        f"{S}/{sprint['id']}/", json={"name": "Alpha 2", "goal": "New goal", "end_date": day(20)}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["name"] == "Alpha 2"
    assert edited.json()["duration_days"] == 20
    taken = await owner.put(f"{S}/{sprint['id']}/", json={"name": "Delta"})
    assert taken.status_code == 400
    await add(owner, sprint, await create_issue(owner, project))
    await owner.post(f"{S}/{sprint['id']}/start/")
    await owner.post(f"{S}/{sprint['id']}/complete/")
    frozen = await owner.patch(f"{S}/{sprint['id']}/", json={"end_date": day(30)})
    assert frozen.status_code == 400
    assert "end_date" in frozen.json()
    renamed = await owner.patch(f"{S}/{sprint['id']}/", json={"goal": "Retro notes", "end_date": day(20)})
    assert renamed.status_code == 200


async def test_delete_rules_and_issues_back_to_backlog(client):
    """An active sprint cannot be deleted; deleting another returns its issues to the backlog; members cannot delete."""
    owner, _, org, ws, project, _ = await setup_project(client)
    member, _ = await add_workspace_member(client, owner, org, ws)
    active = await create_sprint(owner, project, name="Active")
    await add(owner, active, await create_issue(owner, project))
    await owner.post(f"{S}/{active['id']}/start/")
    refused = await owner.delete(f"{S}/{active['id']}/")
    assert refused.status_code == 400
    planned = await create_sprint(member, project, name="Planned")
    issue = await create_issue(owner, project)
    await add(member, planned, issue)
    not_admin = await member.delete(f"{S}/{planned['id']}/")
    assert not_admin.status_code == 404
    assert "admin" in not_admin.json()["message"]
    assert (await owner.delete(f"{S}/{planned['id']}/")).status_code == 204
    assert (await owner.get(f"{S}/{planned['id']}/")).status_code == 404
    assert (await owner.get(f"/api/v1/projects/issues/{issue['id']}/")).json()["sprint"] is None


async def test_adding_and_removing_issues(client, db):
    """Same project only, never into a completed sprint; each move is logged and sent to the live board."""
    owner, _, _, _, project, _ = await setup_project(client)
    other_owner, _, _, _, other, _ = await setup_project(client, key="other")
    foreign_issue = await create_issue(other_owner, other)
    sprint = await create_sprint(owner, project)
    issue = await create_issue(owner, project)
    foreign = await owner.post(f"{S}/{sprint['id']}/issues/", json={"issue_id": foreign_issue["id"]})
    assert foreign.status_code == 400
    assert "issue_id" in foreign.json()
    await add(owner, sprint, issue)
    again = await add(owner, sprint, issue)
    assert again["issue"]["sprint"] == sprint["id"]
    listed = (await owner.get(f"{S}/{sprint['id']}/issues/")).json()
    assert [row["id"] for row in listed["results"]] == [issue["id"]]
    assert listed["results"][0]["project"]["id"] == project["id"]
    removed = await owner.delete(f"{S}/{sprint['id']}/issues/{issue['id']}/")
    assert removed.status_code == 200, removed.text
    assert removed.json()["issue"]["sprint"] is None
    missing = await owner.delete(f"{S}/{sprint['id']}/issues/{issue['id']}/")
    assert missing.status_code == 404
    alias = await owner.post(f"{S}/{sprint['id']}/add_issue/", json={"issue_id": issue["id"]})
    assert alias.status_code == 200
    alias = await owner.post(f"{S}/{sprint['id']}/remove_issue/", json={"issue_id": issue["id"]})
    assert alias.status_code == 200
    async with db() as session:
        rows = (
            await session.execute(
                select(m.Activity.action_type, m.Activity.changes, m.Activity.event_hook)
                .where(m.Activity.object_id == issue["id"], m.Activity.action_type.like("sprint_%"))
                .order_by(m.Activity.created_at)
            )
        ).all()
    assert [row.action_type for row in rows] == ["sprint_added", "sprint_removed", "sprint_added", "sprint_removed"]
    assert rows[0].changes == {"sprint": {"old": None, "new": sprint["id"]}}
    assert all(row.event_hook == "on_issue_updated" for row in rows)
    await add(owner, sprint, issue)
    await owner.post(f"{S}/{sprint['id']}/start/")
    await owner.post(f"{S}/{sprint['id']}/complete/")
    late = await owner.post(
        f"{S}/{sprint['id']}/issues/", json={"issue_id": (await create_issue(owner, project))["id"]}
    )
    assert late.status_code == 400


async def test_sprint_events_are_recorded_with_activity_rows(client, db):
    """Starting and completing a sprint record SprintStarted and SprintCompleted on sprint activity rows."""
    owner, _, _, _, project, _ = await setup_project(client)
    sprint = await create_sprint(owner, project)
    await add(owner, sprint, await create_issue(owner, project, story_points=4))
    await owner.post(f"{S}/{sprint['id']}/start/")
    await owner.post(f"{S}/{sprint['id']}/complete/")
    async with db() as session:
        rows = (
            await session.execute(
                select(m.Activity.action_type, m.Activity.event_hook, m.Activity.event_payload)
                .where(m.Activity.object_type == "sprint", m.Activity.object_id == sprint["id"])
                .order_by(m.Activity.created_at)
            )
        ).all()
    hooks = {row.action_type: (row.event_hook, row.event_payload) for row in rows}
    assert hooks["started"][0] == "on_sprint_started"
    assert hooks["started"][1]["committed_points"] == 4
    assert hooks["started"][1]["issue_count"] == 1
    assert hooks["completed"][0] == "on_sprint_completed"
    assert hooks["completed"][1]["unfinished_issue_count"] == 1
    assert hooks["completed"][1]["moved_to_sprint_id"] is None


async def test_list_filters_shape_and_numbers(client):
    """The list filters by project, status and search, orders by name or dates, and every number is a number."""
    owner, _, _, _, project, statuses = await setup_project(client)
    alpha = await create_sprint(owner, project, name="Alpha", start_date=day(-20), end_date=day(-7))
    beta = await create_sprint(owner, project, name="Beta release", goal="Billing")
    done, todo = await create_issue(owner, project, story_points=2), await create_issue(owner, project, story_points=6)
    await add(owner, alpha, done)
    await add(owner, alpha, todo)
    await finish(owner, done, statuses)
    rows = (await owner.get(f"{S}/?project={project['id']}&ordering=name")).json()["results"]
    assert [row["name"] for row in rows] == ["Alpha", "Beta release"]
    first = rows[0]
    assert first["issue_count"] == 2
    assert first["completed_issue_count"] == 1
    assert first["progress_percentage"] == 50
    assert isinstance(first["progress_percentage"], (int, float))
    assert first["committed_points"] == 8
    assert first["completed_points"] == 2
    assert first["remaining_days"] == 0
    assert first["project"]["id"] == project["id"]
    by_date = (await owner.get(f"{S}/?project={project['id']}&ordering=-start_date")).json()["results"]
    assert by_date[0]["name"] == "Beta release"
    found = (await owner.get(f"{S}/?project={project['id']}&search=billing")).json()
    assert [row["id"] for row in found["results"]] == [beta["id"]]
    active = (await owner.get(f"{S}/?project={project['id']}&status=active")).json()
    assert active["count"] == 0
    assert (await owner.get(f"{S}/?project={project['id']}&status=bogus")).status_code == 400
    assert (await owner.get(f"{S}/?project={project['id']}&ordering=secret")).status_code == 400
    assert (await owner.get(f"{S}/?project=undefined")).json()["count"] == 2


async def test_strangers_see_nothing(client):
    """Another tenant's sprints are 404 and never listed, even when filtering by their project."""
    owner, _, _, _, project, _ = await setup_project(client)
    sprint = await create_sprint(owner, project)
    stranger, _ = await client.signed_up()
    assert (await stranger.get(f"{S}/?project={project['id']}")).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    for path in ("", "issues/", "progress/", "burndown/"):
        assert (await stranger.get(f"{S}/{sprint['id']}/{path}")).status_code == 404, path
    assert (await stranger.patch(f"{S}/{sprint['id']}/", json={"name": "Mine"})).status_code == 404
    assert (await stranger.post(f"{S}/{sprint['id']}/start/")).status_code == 404
    created = await stranger.post(f"{S}/", json={"project": project["id"], "name": "Intruder"})
    assert created.status_code == 404


async def test_burndown_actual_line_is_rebuilt_from_history(client, db):
    """Remaining points drop on the day an issue was finished, not today; future days are not drawn."""
    owner, _, _, _, project, statuses = await setup_project(client)
    sprint = await create_sprint(owner, project, start_date=day(-3), end_date=day(3))
    big, small = await create_issue(owner, project, story_points=5), await create_issue(owner, project, story_points=3)
    await add(owner, sprint, big)
    await add(owner, sprint, small)
    await owner.post(f"{S}/{sprint['id']}/start/")
    async with db() as session:
        # The issues were planned before the sprint began...
        four_days_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=4)
        await session.execute(
            update(m.Issue).where(m.Issue.project_id == project["id"]).values(created_at=four_days_ago)
        )
        await session.execute(
            update(m.Activity)
            .where(m.Activity.project_id == project["id"], m.Activity.object_type == "issue")
            .values(created_at=four_days_ago)
        )
        await session.commit()
    await finish(owner, big, statuses)
    async with db() as session:
        # ...and the big one was finished yesterday at noon.
        yesterday_noon = datetime.datetime.combine(
            TODAY - datetime.timedelta(days=1), datetime.time(12), tzinfo=datetime.UTC
        )
        await session.execute(
            update(m.Activity)
            .where(m.Activity.object_id == big["id"], m.Activity.action_type == "transitioned")
            .values(created_at=yesterday_noon)
        )
        await session.commit()
    chart = (await owner.get(f"{S}/{sprint['id']}/burndown/")).json()
    assert chart["total_points"] == 8
    assert chart["start_date"] == day(-3)
    assert [p["remaining_points"] for p in chart["ideal_line"]] == [8, 6.67, 5.33, 4, 2.67, 1.33, 0]
    assert [p["date"] for p in chart["actual_line"]] == [day(-3), day(-2), day(-1), day(0)]
    assert [p["day"] for p in chart["actual_line"]] == [0, 1, 2, 3]
    assert [p["remaining_points"] for p in chart["actual_line"]] == [8, 8, 3, 3]
    no_dates = await create_sprint(owner, project, name="Undated", start_date=None, end_date=None)
    refused = await owner.get(f"{S}/{no_dates['id']}/burndown/")
    assert refused.status_code == 400


async def test_sprint_list_uses_a_fixed_number_of_statements(client):
    """Listing 2 or 12 sprints with every count costs the same few statements."""
    owner, _, _, _, project, _ = await setup_project(client)
    for n in range(12):
        sprint = await create_sprint(owner, project, name=f"Sprint {n}")
        await add(owner, sprint, await create_issue(owner, project, story_points=n))
    counter = QueryCounter()
    counts = []
    for size in (2, 12):
        with counter.counting():
            response = await owner.get(f"{S}/?project={project['id']}&page_size={size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert counts[1] <= 4  # user, count, page
