"""Effort and story point estimates learn from the project's resolved issues, and say honestly what they rest on."""

from __future__ import annotations

import pytest

from plugins.ml.estimators import FIBONACCI
from tests.integration.plugins.ml.conftest import World, estimate_body, make_world, ml_post

pytestmark = pytest.mark.anyio

LOGIN_BUGS = [
    ("Fix login page bug", 3.0, 2),
    ("Login page crashes on submit", 2.5, 2),
    ("Login button bug in Safari", 3.5, 3),
    ("Login page shows wrong error", 3.0, 2),
]
OTHER_WORK = [
    ("Build the reporting dashboard", "Story", 20.0, 13),
    ("Migrate the database to PostgreSQL", "Task", 12.0, 8),
    ("Export sprints as CSV", "Story", 14.0, 8),
    ("Add a dark mode theme", "Improvement", 8.0, 5),
    ("Write the API documentation", "Task", 10.0, 5),
    ("Payment gateway integration", "Story", 30.0, 13),
    ("Refactor the notification service", "Task", 16.0, 8),
    ("Set up the CI pipeline", "Task", 9.0, 5),
]


async def history(world: World, login_bugs=LOGIN_BUGS, other=OTHER_WORK) -> None:
    """Resolved login bugs (a few hours, few points) and larger unrelated work."""
    for title, hours, points in login_bugs:
        await world.resolved(title, issue_type="Bug", actual_hours=hours, story_points=points)
    for title, kind, hours, points in other:
        await world.resolved(title, issue_type=kind, actual_hours=hours, story_points=points)


async def test_effort_of_a_login_bug_follows_past_login_bugs(mlclient):
    """With 12 resolved issues, a new login bug is predicted near the 2.5-3.5 h past login bugs took, by the model."""
    world = await make_world(mlclient)
    await history(world)
    body = estimate_body(world, "Login page bug", description="Users cannot log in from the login page.")
    result = await ml_post(world.owner, "predict-effort", body)
    assert result["method"] == "ml_model"
    assert 2.0 <= result["predicted_hours"] <= 4.0
    assert result["prediction_range"]["min"] <= result["predicted_hours"] <= result["prediction_range"]["max"]
    assert 0.5 <= result["confidence"] <= 1
    assert result["similar_issues"][0]["title"].lower().startswith(("fix login", "login"))
    assert {issue["title"] for issue in result["similar_issues"]} <= {title for title, _, _ in LOGIN_BUGS}
    assert result["similar_issues"][0]["key"].startswith("ML-")
    assert "12 resolved issues" in result["reasoning"]
    unrelated = await ml_post(
        world.owner, "predict-effort", estimate_body(world, "Payment gateway refunds", issue_type="Story")
    )
    assert unrelated["predicted_hours"] > result["predicted_hours"] * 2


async def test_few_resolved_issues_give_a_similarity_estimate(mlclient):
    """Below the training minimum, similar past issues still answer, as method 'similarity' with less confidence."""
    world = await make_world(mlclient)
    await history(world, LOGIN_BUGS[:3], [])
    result = await ml_post(world.owner, "predict-effort", estimate_body(world, "Login page bug"))
    assert result["method"] == "similarity"
    assert 2.5 <= result["predicted_hours"] <= 3.5
    assert result["confidence"] <= 0.7
    assert len(result["similar_issues"]) == 3
    points = await ml_post(world.owner, "recommend-story-points", estimate_body(world, "Login page bug"))
    assert points["method"] == "similarity"
    assert points["recommended_points"] == 2
    assert points["similar_issues_count"] == 3


async def test_empty_project_gets_heuristic_answers(mlclient):
    """No history at all: a heuristic by type and description length, with low confidence, never an error."""
    world = await make_world(mlclient)
    bug = await ml_post(world.owner, "predict-effort", estimate_body(world, "Login page bug"))
    epic = await ml_post(world.owner, "predict-effort", estimate_body(world, "Login page bug", issue_type="Epic"))
    assert bug["method"] == epic["method"] == "heuristic"
    assert bug["similar_issues"] == []
    assert bug["confidence"] < 0.3
    assert epic["predicted_hours"] > bug["predicted_hours"]
    wordy = await ml_post(
        world.owner, "predict-effort", estimate_body(world, "Login page bug", description="word " * 300)
    )
    assert wordy["predicted_hours"] > bug["predicted_hours"]
    points = await ml_post(world.owner, "recommend-story-points", estimate_body(world, "Login page bug"))
    assert points["method"] == "heuristic"
    assert points["recommended_points"] in FIBONACCI
    assert points["similar_issues_count"] == 0
    assert abs(sum(points["probability_distribution"].values()) - 1) < 0.01


async def test_story_points_follow_the_history(mlclient):
    """Login bugs took 2-3 points, stories 8-13: the recommendation for each follows, on the Fibonacci scale."""
    world = await make_world(mlclient)
    await history(world)
    login = await ml_post(world.owner, "recommend-story-points", estimate_body(world, "Login page bug"))
    assert login["method"] == "ml_model"
    assert login["recommended_points"] == 2
    assert login["similar_issues_count"] >= 3
    assert set(login["probability_distribution"]) <= {str(p) for p in FIBONACCI}
    assert abs(sum(login["probability_distribution"].values()) - 1) < 0.01
    assert login["probability_distribution"]["2"] == max(login["probability_distribution"].values())
    story = await ml_post(
        world.owner,
        "recommend-story-points",
        estimate_body(world, "Build the payment dashboard", issue_type="Story"),
    )
    assert story["recommended_points"] >= 8


async def test_issue_type_by_id_name_or_category_and_unknown_is_a_field_error(mlclient):
    """The type may be its id (what the web client sends), its name or its category; another is a 400 naming it."""
    world = await make_world(mlclient)
    by_id = await ml_post(world.owner, "predict-effort", estimate_body(world, "Crash"))
    by_name = await ml_post(world.owner, "predict-effort", {**estimate_body(world, "Crash"), "issue_type": "Bug"})
    by_category = await ml_post(world.owner, "predict-effort", {**estimate_body(world, "Crash"), "issue_type": "bug"})
    assert by_id["predicted_hours"] == by_name["predicted_hours"] == by_category["predicted_hours"]
    first_bug = world.types["Bug"]["id"]
    other = await world.add_project("other")
    wrong = await world.owner.post(
        "/api/v1/ml/predict-effort/", json={"title": "Crash", "issue_type": first_bug, "project_id": other["id"]}
    )
    assert wrong.status_code == 400
    assert "Not an issue type of this project" in wrong.json()["issue_type"][0]


async def test_a_small_project_learns_from_sibling_projects_but_never_from_another_tenant(mlclient):
    """An empty project borrows the history of its organization's projects; another organization's never counts."""
    stranger = await make_world(mlclient, key="far")
    for n in range(12):
        await stranger.resolved(f"Login page bug {n}", issue_type="Bug", actual_hours=100.0, story_points=21)
    world = await make_world(mlclient)
    alone = await ml_post(world.owner, "predict-effort", estimate_body(world, "Login page bug"))
    assert alone["method"] == "heuristic"
    assert alone["predicted_hours"] < 20
    await history(world)
    await world.add_project("new")
    borrowed = await ml_post(world.owner, "predict-effort", estimate_body(world, "Login page bug"))
    assert borrowed["method"] == "ml_model"
    assert 2.0 <= borrowed["predicted_hours"] <= 4.0
    assert "organization" in borrowed["reasoning"]
    assert all(issue["key"].startswith("ML-") for issue in borrowed["similar_issues"])


async def test_a_change_in_the_history_changes_the_estimate(mlclient):
    """Estimates follow the data: after past login bugs are re-logged at 9 h, the prediction moves there."""
    world = await make_world(mlclient)
    await history(world)
    before = await ml_post(world.owner, "predict-effort", estimate_body(world, "Login page bug"))
    issues = (await world.owner.get(f"/api/v1/projects/issues?&project={world.project['id']}&page_size=100")).json()
    for issue in issues["results"]:
        if "login" in issue["title"].lower():
            patched = await world.owner.patch(f"/api/v1/projects/issues/{issue['id']}/", json={"actual_hours": 9})
            assert patched.status_code == 200, patched.text
    after = await ml_post(world.owner, "predict-effort", estimate_body(world, "Login page bug"))
    assert before["predicted_hours"] < 4
    assert 7 <= after["predicted_hours"] <= 11


async def test_min_training_samples_is_configurable(mlclient, monkeypatch):
    """ML_MIN_TRAINING_SAMPLES=3: three resolved login bugs are enough to train a model."""
    from plugins.ml.settings import get_ml_settings

    monkeypatch.setenv("ML_MIN_TRAINING_SAMPLES", "3")
    get_ml_settings.cache_clear()
    world = await make_world(mlclient)
    await history(world, LOGIN_BUGS[:3], [])
    result = await ml_post(world.owner, "predict-effort", estimate_body(world, "Login page bug"))
    assert result["method"] == "ml_model"
