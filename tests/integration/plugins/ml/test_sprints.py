"""Sprint risk and duration come from the sprint's issues, its dates, its log and the team's past velocity."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import update

from core.db import models as m
from tests.integration.plugins.ml.conftest import ML, day, make_world, ml_post

pytestmark = pytest.mark.anyio


async def risks_of(client, sprint) -> dict[str, dict]:
    """The sprint's risks by type."""
    response = await client.get(f"{ML}/{sprint['id']}/sprint-risk/")
    assert response.status_code == 200, response.text
    risks = response.json()["risks"]
    for risk in risks:
        assert risk["severity"] in ("low", "medium", "high")
        assert risk["description"]
        assert risk["mitigation_suggestions"]
    return {risk["risk_type"]: risk for risk in risks}


async def velocity_history(world, points: float = 10, days: int = 10) -> None:
    """One completed sprint that delivered ``points`` in a ``days``-day timebox (1 point a day by default)."""
    past = await world.sprint("Sprint 0", start_date=day(-days - 20), end_date=day(-20))
    done = await world.issue("Past work", story_points=points)
    await world.add_to(past, done)
    await world.start(past)
    moved = await world.owner.patch(
        f"/api/v1/projects/issues/{done['id']}/", json={"status": world.statuses["In Progress"]["id"]}
    )
    assert moved.status_code == 200, moved.text
    finished = await world.owner.patch(
        f"/api/v1/projects/issues/{done['id']}/", json={"status": world.statuses["Done"]["id"]}
    )
    assert finished.status_code == 200, finished.text
    await world.complete(past)


async def test_risk_flags_unassigned_and_stalled_issues_with_their_counts(mlclient, db):
    """Two open issues without assignee and two in progress untouched for 5 days show up, counted."""
    world = await make_world(mlclient)
    sprint = await world.sprint()
    me = world.owner_id
    issues = [
        await world.issue("Unowned one"),
        await world.issue("Unowned two"),
        await world.issue("Slow one", assignee=me, status="In Progress"),
        await world.issue("Slow two", assignee=me, status="In Progress"),
        await world.issue("Fresh", assignee=me, status="In Progress"),
    ]
    for issue in issues:
        await world.add_to(sprint, issue)
    await world.start(sprint)
    stale = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=5)
    async with db() as session:
        await session.execute(
            update(m.Issue).where(m.Issue.title.in_(("Slow one", "Slow two"))).values(updated_at=stale)
        )
        await session.commit()
    risks = await risks_of(world.owner, sprint)
    assert risks["unassigned_issues"]["unassigned_count"] == 2
    assert risks["unassigned_issues"]["total_count"] == 5
    assert risks["stalled_issues"]["stalled_count"] == 2
    assert risks["stalled_issues"]["stalled_days"] >= 5
    assert "burndown_drift" not in risks  # day 0: nothing is expected to be done yet


async def test_a_healthy_sprint_has_no_risks(mlclient):
    """Assigned, moving, normal-priority work on day one of a sprint: no risk is reported."""
    world = await make_world(mlclient)
    sprint = await world.sprint()
    for n in range(3):
        await world.add_to(sprint, await world.issue(f"Work {n}", assignee=world.owner_id, story_points=2))
    await world.start(sprint)
    assert await risks_of(world.owner, sprint) == {}


async def test_risk_flags_drift_from_the_ideal_line_urgent_work_scope_change_and_capacity(mlclient):
    """Ten days into a 14-day sprint with nothing done, mostly urgent, grown after the start and past capacity."""
    world = await make_world(mlclient)
    await velocity_history(world)  # 1 point a day
    sprint = await world.sprint(start_date=day(-10), end_date=day(4))
    for n in range(3):
        issue = await world.issue(f"Urgent {n}", assignee=world.owner_id, story_points=5, priority="P1")
        await world.add_to(sprint, issue)
    await world.start(sprint)
    await world.add_to(sprint, await world.issue("Late addition", assignee=world.owner_id, story_points=5))
    risks = await risks_of(world.owner, sprint)
    drift = risks["burndown_drift"]
    # Committed 15 at the start, 20 open now; the ideal line is at 15 * 4/14 = 4.3: (20 - 4.3) / 15.
    assert drift["drift_percentage"] == pytest.approx(104.8, abs=0.2)
    assert drift["severity"] == "high"
    assert risks["high_priority_issues"]["high_priority_count"] == 3
    assert risks["scope_change"]["scope_change_count"] == 1
    # 20 open points, 4 days left at 1 point a day.
    assert risks["capacity_overload"]["capacity_ratio"] == pytest.approx(5.0)
    assert risks["capacity_overload"]["severity"] == "high"
    severities = [risk["severity"] for risk in risks.values()]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)


async def test_duration_follows_velocity_and_scales_with_scope_change(mlclient):
    """At 1 point a day, 20 points take 20 days; 50% more scope takes 30, and the overrun is named."""
    world = await make_world(mlclient)
    await velocity_history(world)
    sprint = await world.sprint(start_date=day(0), end_date=day(14))
    for n in range(4):
        await world.add_to(sprint, await world.issue(f"Story {n}", assignee=world.owner_id, story_points=5))
    base = await ml_post(world.owner, "estimate-sprint-duration", {"sprint_id": sprint["id"]})
    assert base["method"] == "historical_velocity"
    assert base["average_velocity"] == 1.0
    assert base["total_story_points"] == 20
    assert base["estimated_days"] == 20
    assert base["planned_days"] == 14
    assert any("overrun" in factor for factor in base["risk_factors"])
    grown = await ml_post(
        world.owner, "estimate-sprint-duration", {"sprint_id": sprint["id"], "scope_change_percentage": 50}
    )
    assert grown["estimated_days"] == 30
    shrunk = await ml_post(
        world.owner, "estimate-sprint-duration", {"sprint_id": sprint["id"], "scope_change_percentage": -50}
    )
    assert shrunk["estimated_days"] == 10
    assert 0 < shrunk["confidence"] <= 1


async def test_duration_from_hours_and_capacity_without_a_velocity(mlclient):
    """No past sprints: 24 estimated hours at 60 h of capacity over 10 days (6 h a day) take 4 days."""
    world = await make_world(mlclient)
    sprint = await world.sprint(start_date=day(0), end_date=day(10))
    for n in range(3):
        await world.add_to(sprint, await world.issue(f"Task {n}", estimated_hours=8))
    result = await ml_post(
        world.owner, "estimate-sprint-duration", {"sprint_id": sprint["id"], "team_capacity_hours": 60}
    )
    assert result["method"] == "from_estimated_hours"
    assert result["hours_per_day"] == 6
    assert result["total_estimated_hours"] == 24
    assert result["estimated_days"] == 4
    assert any("no assignee" in factor for factor in result["risk_factors"])
    tight = await ml_post(
        world.owner, "estimate-sprint-duration", {"sprint_id": sprint["id"], "team_capacity_hours": 20}
    )
    assert any("exceeds the team's capacity" in factor for factor in tight["risk_factors"])


async def test_an_empty_sprint_keeps_its_planned_length(mlclient):
    """Nothing to measure: the planned length, low confidence, and a risk factor saying so."""
    world = await make_world(mlclient)
    sprint = await world.sprint(start_date=day(0), end_date=day(14))
    result = await ml_post(world.owner, "estimate-sprint-duration", {"sprint_id": sprint["id"]})
    assert result["method"] == "default"
    assert result["estimated_days"] == result["planned_days"] == 14
    assert result["confidence"] < 0.3
    assert result["risk_factors"]
    assert await risks_of(world.owner, sprint) == {}
