"""The project summary's numbers are the project's own: completion, velocity, risk and the counts behind them."""

from __future__ import annotations

import datetime

import pytest

from tests.integration.plugins.ml.conftest import ML, day, make_world, ml_post
from tests.integration.plugins.ml.test_sprints import velocity_history

pytestmark = pytest.mark.anyio


async def test_summary_numbers_match_the_data(mlclient):
    """2 of 5 issues done (40%), one open unassigned, one overdue, a 10-point sprint: the summary says exactly that."""
    world = await make_world(mlclient)
    await velocity_history(world, points=10)  # one issue, done
    await world.resolved("Shipped", assignee=world.owner_id)
    await world.issue("Nobody's", due_date=day(5))
    await world.issue("Late", assignee=world.owner_id, due_date=day(-3))
    await world.issue("On track", assignee=world.owner_id)
    summary = await ml_post(world.owner, f"{world.project['id']}/project-summary", {})
    assert summary["project_id"] == world.project["id"]
    assert summary["completion"] == 40.0
    assert summary["velocity"] == 10.0
    assert summary["metrics_breakdown"] == {
        "total_issues": 5,
        "completed_issues": 2,
        "sprints_analyzed": 1,
        "unassigned_issues": 1,
        "overdue_issues": 1,
    }
    # 35 x 1/3 overdue + 25 x 1/3 unassigned.
    assert summary["risk_score"] == pytest.approx(20.0, abs=0.1)
    generated = datetime.datetime.fromisoformat(summary["generated_at"])
    assert abs((datetime.datetime.now(datetime.UTC) - generated).total_seconds()) < 60
    assert "2 of 5 issues done" in summary["report"]
    assert any("overdue" in advice for advice in summary["recommendations"])
    assert any("Assign" in advice for advice in summary["recommendations"])


async def test_an_empty_project_gets_a_valid_summary(mlclient):
    """No issues and no sprints: zeros, a report saying so and a first step, not an error."""
    world = await make_world(mlclient)
    response = await world.owner.post(f"{ML}/{world.project['id']}/project-summary/", json={})
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["completion"] == summary["velocity"] == summary["risk_score"] == 0
    assert summary["metrics_breakdown"]["total_issues"] == 0
    assert "no issues" in summary["report"]
    assert summary["recommendations"]
