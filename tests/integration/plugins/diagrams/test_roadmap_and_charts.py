"""The roadmap (sprints with progress, milestones) and the burndown and velocity charts the core computes."""

from __future__ import annotations

import datetime

import pytest

from tests.integration.plugins.diagrams.conftest import (
    data_of,
    generate,
    issue,
    move,
    parse_svg,
    svg_texts,
    world,
)

pytestmark = pytest.mark.anyio

SPRINTS = "/api/v1/projects/sprints"
TODAY = datetime.datetime.now(datetime.UTC).date()


def day(offset: int) -> str:
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


async def sprint(client, project, name, start=None, end=None):
    """Create a sprint (dates optional)."""
    body = {"project": project["id"], "name": name, "start_date": start, "end_date": end}
    response = await client.post(f"{SPRINTS}/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def run_sprint(client, project, statuses, name, start, end, points, finished, complete):
    """A sprint with one issue per entry of ``points``, started; the first ``finished`` issues done."""
    created = await sprint(client, project, name, start, end)
    for n, value in enumerate(points):
        item = await issue(client, project, f"{name} story {n}", story_points=value, sprint=created["id"])
        if n < finished:
            await move(client, item, statuses, "In Progress", "Done")
    assert (await client.post(f"{SPRINTS}/{created['id']}/start/", json={})).status_code == 200
    if complete:
        assert (await client.post(f"{SPRINTS}/{created['id']}/complete/", json={})).status_code == 200
    return created


async def test_roadmap_sprints_progress_and_milestones(dclient):
    """Sprints map to planned/active/completed with points progress; undated ones are placed after the last; epics
    with a due date are milestones, achieved once resolved."""
    w = await world(dclient)
    owner, project, statuses = w["owner"], w["project"], w["statuses"]
    s1 = await run_sprint(owner, project, statuses, "Sprint 1", day(-20), day(-7), [3, 5], 1, complete=True)
    s2 = await run_sprint(owner, project, statuses, "Sprint 2", day(-6), day(7), [2, 2], 1, complete=False)
    s3 = await sprint(owner, project, "Sprint 3")
    await issue(owner, project, "Launch", issue_type="Epic", due_date=day(10))
    shipped = await issue(owner, project, "Beta", issue_type="Epic", due_date=day(-10))
    await move(owner, shipped, statuses, "In Progress", "Done")
    await issue(owner, project, "Someday", issue_type="Epic")

    data = await data_of(owner, "roadmap", project)
    assert set(data) >= {"sprints", "milestones", "metadata", "layout"}
    by_name = {item["name"]: item for item in data["sprints"]}
    assert [item["name"] for item in data["sprints"]] == ["Sprint 1", "Sprint 2", "Sprint 3"]
    for item in data["sprints"]:
        assert set(item) >= {
            "id",
            "name",
            "start_date",
            "end_date",
            "status",
            "color",
            "progress",
            "issue_count",
            "completed_count",
            "velocity",
        }
    first, second, third = by_name["Sprint 1"], by_name["Sprint 2"], by_name["Sprint 3"]
    assert first["id"] == s1["id"]
    assert (first["status"], first["progress"], first["velocity"]) == ("completed", 37.5, 3)
    assert (first["committed_points"], first["completed_points"]) == (8, 3)
    assert (first["issue_count"], first["completed_count"]) == (1, 1)  # the unfinished issue left the sprint
    assert second["id"] == s2["id"]
    assert (second["status"], second["progress"], second["velocity"]) == ("active", 50, 2)
    assert (second["issue_count"], second["completed_count"]) == (2, 1)
    assert third["id"] == s3["id"]
    assert (third["status"], third["progress"], third["velocity"]) == ("planned", 0, None)
    assert third["dates_estimated"] is True
    assert (third["start_date"], third["end_date"]) == (day(8), day(21))
    assert first["dates_estimated"] is False
    assert (first["start_date"], first["end_date"]) == (day(-20), day(-7))

    milestones = {item["name"]: item for item in data["milestones"]}
    assert milestones["DG-5: Launch"]["achieved"] is False
    assert milestones["DG-5: Launch"]["date"] == day(10)
    assert milestones["DG-6: Beta"]["achieved"] is True
    assert milestones["Sprint 1 ends"]["achieved"] is True
    assert milestones["Sprint 2 ends"]["achieved"] is False
    assert not [name for name in milestones if "Someday" in name]
    assert [item["date"] for item in data["milestones"]] == sorted(item["date"] for item in data["milestones"])
    for item in data["milestones"]:
        assert set(item) >= {"id", "name", "date", "color", "description", "achieved"}
    assert data["metadata"] == {
        "project_id": project["id"],
        "project_name": project["name"],
        "project_key": "DG",
        "start_date": day(-20),
        "end_date": day(21),
        "today": day(0),
        "sprint_count": 3,
        "milestone_count": 5,
    }
    assert data["layout"]["width"] > 0
    assert data["layout"]["height"] > 0

    svg = await generate(owner, "roadmap", project, format="svg")
    texts = svg_texts(parse_svg(svg.json()["data"]))
    assert {"Sprint 1", "Sprint 2", "Sprint 3", "Today", "37.5%", "50%"} <= set(texts)
    assert "DG-5: Launch" in texts


async def test_burndown_and_velocity_are_the_core_figures(dclient):
    """The burndown of a sprint (named, or the active one) and the velocity chart equal the core's own reports."""
    w = await world(dclient)
    owner, project, statuses = w["owner"], w["project"], w["statuses"]
    empty = await generate(owner, "burndown", project)
    assert empty.status_code == 400
    assert "sprint" in empty.json()
    await run_sprint(owner, project, statuses, "Done one", day(-20), day(-7), [5, 3], 2, complete=True)
    active = await run_sprint(owner, project, statuses, "Now", day(-2), day(5), [3, 2], 1, complete=False)

    core = (await owner.get(f"{SPRINTS}/{active['id']}/burndown/")).json()
    by_sprint = await owner.post(
        "/api/v1/reporting/diagrams/generate/",
        json={"diagram_type": "burndown", "sprint": active["id"], "format": "json"},
    )
    assert by_sprint.status_code == 200, by_sprint.text
    assert by_sprint.json()["data"] == core
    assert by_sprint.json()["metadata"]["sprint_id"] == active["id"]
    assert await data_of(owner, "burndown", project) == core  # no sprint named: the active one
    assert core["total_points"] == 5
    assert core["actual_line"][-1]["remaining_points"] == 2

    velocity = await data_of(owner, "velocity", project)
    assert velocity == (await owner.get(f"/api/v1/reporting/reports/velocity/?project={project['id']}")).json()
    assert velocity["labels"] == ["Done one"]
    assert velocity["velocities"] == [8]

    chart = await generate(owner, "burndown", None, sprint=active["id"], format="svg")
    texts = svg_texts(parse_svg(chart.json()["data"]))
    assert "Burndown — Now" in texts
    assert {"Ideal", "Remaining"} <= set(texts)
    bars = await generate(owner, "velocity", project, format="svg")
    texts = svg_texts(parse_svg(bars.json()["data"]))
    assert "Done one" in texts
    assert "average 8" in texts
