"""Agile reports: sprint report, velocity, team metrics, cumulative flow from history, analytics, CSV exports."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from sqlalchemy import update

from core.db import models as m
from tests.integration.core.test_issues import add_workspace_member, create_issue, setup_project
from tests.integration.core.test_sprints import S, add, create_sprint, day, finish

pytestmark = pytest.mark.anyio

R = "/api/v1/reporting"
TODAY = datetime.datetime.now(datetime.UTC).date()


async def small_sprint(client):
    """A started sprint: a 3-point task done, a 2-point bug in progress, a 5-point task to do."""
    owner, login, org, ws, project, statuses = await setup_project(client)
    sprint = await create_sprint(owner, project)
    done = await create_issue(owner, project, title="Done task", story_points=3, assignee=login["user"]["id"])
    bug = await create_issue(owner, project, title="A bug", issue_type="bug", story_points=2)
    todo = await create_issue(owner, project, title="Todo task", story_points=5)
    for issue in (done, bug, todo):
        await add(owner, sprint, issue)
    await owner.post(f"{S}/{sprint['id']}/start/")
    await finish(owner, done, statuses)
    moved = await owner.patch(
        f"/api/v1/projects/issues/{bug['id']}/transition/", json={"status": statuses["In Progress"]["id"]}
    )
    assert moved.status_code == 200
    return owner, login, org, ws, project, statuses, sprint, (done, bug, todo)


async def test_sprint_report_numbers_before_and_after_completion(client):
    """The report shows points, issues by status and type and the defect rate, and keeps them once completed."""
    owner, _, _, _, _, _, sprint, _ = await small_sprint(client)
    expected_metrics = {
        "planned_points": 10,
        "completed_points": 3,
        "completion_rate": 30,
        "total_issues": 3,
        "completed_issues": 1,
        "incomplete_issues": 2,
        "velocity": 3,
    }
    report = await owner.get(f"{R}/reports/sprint-report/?sprint={sprint['id']}")
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["sprint"]["name"] == sprint["name"]
    assert body["sprint"]["status"] == "active"
    assert body["sprint"]["start_date"] == sprint["start_date"]
    assert body["metrics"] == expected_metrics
    assert body["issues_by_status"] == {"To Do": 1, "In Progress": 1, "Done": 1}
    assert body["issues_by_type"] == {"Task": 2, "Bug": 1}
    assert body["defect_rate"] == pytest.approx(33.33)
    await owner.post(f"{S}/{sprint['id']}/complete/")
    after = (await owner.get(f"{R}/reports/sprint-report/?sprint={sprint['id']}")).json()
    assert after["sprint"]["status"] == "completed"
    assert after["metrics"] == expected_metrics  # the unfinished issues left for the backlog still count
    assert after["issues_by_status"] == {"To Do": 1, "In Progress": 1, "Done": 1}
    missing = await owner.get(f"{R}/reports/sprint-report/")
    assert missing.status_code == 400
    assert "sprint" in missing.json()


async def test_velocity_over_the_last_completed_sprints(client):
    """Velocity lists completed sprints oldest first with committed and completed points and their average."""
    owner, _, _, _, project, statuses = await setup_project(client)
    for name, points, finished in (("One", (3, 5), 1), ("Two", (2, 2), 2), ("Three", (8,), 0)):
        sprint = await create_sprint(owner, project, name=name)
        issues = [await create_issue(owner, project, story_points=p) for p in points]
        for issue in issues:
            await add(owner, sprint, issue)
        await owner.post(f"{S}/{sprint['id']}/start/")
        for issue in issues[:finished]:
            await finish(owner, issue, statuses)
        await owner.post(f"{S}/{sprint['id']}/complete/")
    await create_sprint(owner, project, name="Future")
    chart = (await owner.get(f"{R}/reports/velocity/?project={project['id']}")).json()
    assert chart == {
        "labels": ["One", "Two", "Three"],
        "velocities": [3, 4, 0],
        "planned_points": [8, 4, 8],
        "average_velocity": 2.33,
    }
    last = (await owner.get(f"{R}/reports/velocity/?project={project['id']}&num_sprints=2")).json()
    assert last["labels"] == ["Two", "Three"]
    assert last["average_velocity"] == 2
    for bad in ("0", "21", "many"):
        response = await owner.get(f"{R}/reports/velocity/?project={project['id']}&num_sprints={bad}")
        assert response.status_code == 400
        assert "num_sprints" in response.json()


async def test_team_metrics_per_person_and_team(client):
    """Team metrics count each person's assigned, finished and in-progress work and the team's throughput."""
    owner, login, org, ws, project, statuses = await setup_project(client)
    member_client, member = await add_workspace_member(client, owner, org, ws)
    mine = [await create_issue(owner, project, story_points=p, assignee=login["user"]["id"]) for p in (3, 5)]
    theirs = await create_issue(owner, project, story_points=8, assignee=member["user"]["id"])
    await create_issue(owner, project)  # unassigned, to do
    await finish(owner, mine[0], statuses)
    await owner.patch(
        f"/api/v1/projects/issues/{theirs['id']}/transition/", json={"status": statuses["In Progress"]["id"]}
    )
    response = await member_client.get(f"{R}/reports/team-metrics/?project={project['id']}&period=14")
    assert response.status_code == 200, response.text
    body = response.json()
    people = {row["user_id"]: row for row in body["user_metrics"]}
    me = people[login["user"]["id"]]
    assert (me["assigned"], me["completed"], me["in_progress"], me["story_points_completed"]) == (2, 1, 0, 3)
    assert me["avg_cycle_time_hours"] >= 0
    assert me["user_name"] == login["user"]["full_name"]
    them = people[member["user"]["id"]]
    assert (them["assigned"], them["completed"], them["in_progress"]) == (1, 0, 1)
    assert body["team_aggregates"] == {
        "total_issues": 4,
        "total_completed": 1,
        "throughput": 0.5,
        "avg_cycle_time": body["team_aggregates"]["avg_cycle_time"],
        "work_in_progress": 1,
    }
    for bad in ("0", "366", "x"):
        response = await owner.get(f"{R}/reports/team-metrics/?project={project['id']}&period={bad}")
        assert response.status_code == 400
        assert "period" in response.json()


async def test_cumulative_flow_is_rebuilt_from_history(client, db):
    """Each day shows how many issues were in each status then: yesterday's move to Done is not backdated."""
    owner, _, _, _, project, statuses = await setup_project(client)
    early, late = await create_issue(owner, project), await create_issue(owner, project)
    three_days_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    async with db() as session:
        await session.execute(update(m.Issue).where(m.Issue.id == early["id"]).values(created_at=three_days_ago))
        await session.execute(
            update(m.Activity).where(m.Activity.object_id == early["id"]).values(created_at=three_days_ago)
        )
        await session.commit()
    await finish(owner, early, statuses)
    yesterday_noon = datetime.datetime.combine(
        TODAY - datetime.timedelta(days=1), datetime.time(12), tzinfo=datetime.UTC
    )
    async with db() as session:
        await session.execute(
            update(m.Activity)
            .where(m.Activity.object_id == early["id"], m.Activity.action_type == "transitioned")
            .values(created_at=yesterday_noon)
        )
        await session.commit()
    flow = (await owner.get(f"{R}/reports/cumulative-flow/?project={project['id']}&days=5")).json()
    assert flow["dates"] == [day(-4), day(-3), day(-2), day(-1), day(0)]
    assert list(flow["status_counts"]) == ["To Do", "In Progress", "Done"]
    assert flow["status_counts"]["To Do"] == [0, 1, 1, 0, 1]
    assert flow["status_counts"]["In Progress"] == [0, 0, 0, 0, 0]
    assert flow["status_counts"]["Done"] == [0, 0, 0, 1, 1]
    assert late["status"]["name"] == "To Do"
    default = (await owner.get(f"{R}/reports/cumulative-flow/?project={project['id']}")).json()
    assert len(default["dates"]) == 30
    for bad in ("0", "181", "week"):
        response = await owner.get(f"{R}/reports/cumulative-flow/?project={project['id']}&days={bad}")
        assert response.status_code == 400
        assert "days" in response.json()


async def test_analytics_shape_and_numbers(client):
    """Analytics answers the project's flow numbers as JSON numbers."""
    owner, _, _, _, project, _, sprint, _ = await small_sprint(client)
    await owner.post(f"{S}/{sprint['id']}/complete/")
    body = (await owner.get(f"{R}/analytics/?project={project['id']}")).json()
    assert body["velocity"] == 3
    assert body["work_in_progress"] == 1
    assert body["completion_rate"] == pytest.approx(33.33)
    assert body["throughput_per_week"] == 0.25
    assert body["issues_by_priority"] == {"P3": 3}
    assert body["issues_by_status"] == {"To Do": 1, "In Progress": 1, "Done": 1}
    for key in ("cycle_time_hours", "lead_time_hours"):
        assert isinstance(body[key], (int, float))
        assert body[key] >= 0
    assert (await owner.get(f"{R}/analytics/")).status_code == 400


async def test_csv_export_and_download(client):
    """Exporting issues writes a CSV the project's readers can download; a stranger gets a 404."""
    owner, _, _, _, project, _, _, issues = await small_sprint(client)
    await create_issue(owner, project, title='=HYPERLINK("http://evil")')
    exported = await owner.post(f"{R}/reports/export/", json={"data_type": "issues", "project": project["id"]})
    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert body["rows_exported"] == 4
    assert body["data_type"] == "issues"
    # An absolute link with a signed token: the web client opens it in a new window, without a bearer header.
    assert body["download_url"].startswith(
        f"http://testserver.local{R}/reports/exports/{body['snapshot_id']}/download/?token="
    )
    download = await client.raw.get(body["download_url"])
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [row["Key"] for row in rows] == ["DEMO-1", "DEMO-2", "DEMO-3", "DEMO-4"]
    assert rows[0]["Title"] == issues[0]["title"]
    assert rows[0]["Status"] == "Done"
    assert rows[0]["Story Points"] == "3.0"
    assert rows[0]["Sprint"] == "Sprint 1"
    assert rows[3]["Title"].startswith("'=")  # never run as a spreadsheet formula
    stranger, _ = await client.signed_up()
    plain_url = f"{R}/reports/exports/{body['snapshot_id']}/download/"
    assert (await stranger.get(plain_url)).status_code == 404  # a bearer token of someone who may not read it
    assert (await owner.get(plain_url)).status_code == 200  # the owner's own bearer token works too
    assert (await client.raw.get(plain_url)).status_code == 404  # no token at all
    forged = body["download_url"].rsplit("=", 1)[0] + "=not-a-token"
    assert (await client.raw.get(forged)).status_code == 404
    refused = await stranger.post(f"{R}/reports/export/", json={"data_type": "issues", "project": project["id"]})
    assert refused.status_code == 404
    assert (await owner.get(f"{R}/reports/exports/{'0' * 64}/download/")).status_code == 404
    assert (await owner.get(f"{R}/reports/exports/not-a-snapshot/download/")).status_code == 404
    activity = (
        await owner.post(f"{R}/reports/export/", json={"data_type": "activity", "project": project["id"]})
    ).json()
    assert activity["rows_exported"] > 5
    text = (await owner.get(activity["download_url"])).text
    assert text.splitlines()[0] == "Date,Time,User,Action,Object Type,Object,Changes,IP Address"
    assert "sprint_added" in text
    sprints = (await owner.post(f"{R}/reports/export/", json={"data_type": "sprints", "project": project["id"]})).json()
    assert sprints["rows_exported"] == 1
    bad = await owner.post(f"{R}/reports/export/", json={"data_type": "secrets", "project": project["id"]})
    assert bad.status_code == 400
    assert "data_type" in bad.json()


async def test_reports_are_404_for_strangers(client):
    """Every report of a project the caller cannot read is a 404, and never an empty 200."""
    _, _, _, _, project, _, sprint, _ = await small_sprint(client)
    stranger, _ = await client.signed_up()
    for url in (
        f"{R}/reports/sprint-report/?sprint={sprint['id']}",
        f"{R}/reports/team-metrics/?project={project['id']}",
        f"{R}/reports/velocity/?project={project['id']}",
        f"{R}/reports/cumulative-flow/?project={project['id']}",
        f"{R}/analytics/?project={project['id']}",
    ):
        assert (await stranger.get(url)).status_code == 404, url
