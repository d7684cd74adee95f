"""Without a language model every answer is still useful and says how it was made (no invented prose)."""

from __future__ import annotations

import pytest

from tests.integration.plugins.ai.conftest import AI, make_world, seed_issues, wait_indexed

pytestmark = pytest.mark.anyio


async def test_query_lists_the_relevant_issues_and_says_so(aiclient, db):
    """The chat gets the matching issues as sources, an answer saying it is a list of them, a confidence from the
    similarity and no tokens used."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    response = await world.owner.post(
        f"{AI}/query/", json={"question": "Why does sign in crash?", "project_id": world.projects["APP"]["id"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["method"] == "retrieval"
    assert body["tokens_used"] == 0
    assert "No language model is configured" in body["answer"]
    assert "APP-1 Login page crashes" in body["answer"]
    assert body["sources"][0]["key"] == "APP-1"
    assert body["sources"][0]["issue_id"] == world.issues["APP-1"]["id"]
    assert body["sources"][0]["similarity"] == body["sources"][0]["score"] > 0
    assert body["sources"][0]["status"] == "To Do"
    assert 0 < body["confidence"] <= 1
    assert body["suggested_actions"] == []
    legacy = await world.owner.post(
        f"{AI}/query/", json={"query": "login crash", "project_id": world.projects["APP"]["id"]}
    )
    assert legacy.json()["sources"][0]["key"] == "APP-1"


async def test_issue_summary_quotes_the_description_and_judges_complexity(aiclient):
    """summarize-issue quotes the first sentences, lists the key fields and rates complexity from story points;
    an issue without description or estimate says so and rates "unknown"."""
    world = await make_world(aiclient)
    issue = await world.issue(
        "APP",
        "Login page crashes",
        "The login page crashes with a 500 error. It happens when the password has an accent. "
        "Support gets ten tickets a day. Nobody knows since when.",
        story_points=8,
        priority="P1",
    )
    response = await world.owner.post(f"{AI}/{issue['id']}/summarize-issue/", json={})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["method"] == "extractive"
    assert body["summary"] == (
        "From the description: The login page crashes with a 500 error. It happens when the password has an accent."
    )
    assert body["estimated_complexity"] == "high"
    assert "Bug · P1 · To Do" in body["key_points"]
    assert "8 story points" in body["key_points"]
    assert "Unassigned" in body["key_points"]
    brief = (await world.owner.post(f"{AI}/{issue['id']}/summarize-issue/", json={"length": "brief"})).json()
    assert brief["summary"] == "From the description: The login page crashes with a 500 error."
    bare = await world.issue("APP", "Tidy up")
    body = (await world.owner.post(f"{AI}/{bare['id']}/summarize-issue/")).json()
    assert body["summary"] == "“Tidy up” has no description yet."
    assert body["estimated_complexity"] == "unknown"
    bad = await world.owner.post(f"{AI}/{issue['id']}/summarize-issue/", json={"length": "novel"})
    assert bad.status_code == 400
    assert "length" in bad.json()


async def test_sprint_summary_is_computed_html_with_escaped_titles(aiclient):
    """summarize-sprint counts the sprint's issues and points into HTML; an issue title with markup is escaped."""
    world = await make_world(aiclient)
    project = world.projects["APP"]["id"]
    sprint = (
        await world.owner.post("/api/v1/projects/sprints/", json={"project": project, "name": "Sprint <1>"})
    ).json()
    statuses = (await world.owner.get(f"/api/v1/projects/workflow-statuses/?project={project}")).json()["results"]
    done = next(st["id"] for st in statuses if st["is_final"])
    for title, fields in (
        ("<script>alert(1)</script> urgent", {"priority": "P1", "story_points": 5}),
        ("Ship it", {"status": done, "story_points": 3}),
        ("Write docs", {"story_points": 2}),
    ):
        issue = await world.issue("APP", title, **fields)
        moved = await world.owner.post(
            f"/api/v1/projects/sprints/{sprint['id']}/issues/", json={"issue_id": issue["id"]}
        )
        assert moved.status_code == 200, moved.text
    response = await world.owner.post(f"{AI}/{sprint['id']}/summarize-sprint/", json={})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["method"] == "metrics"
    assert body["sprint_metrics"]["total_issues"] == 3
    assert body["sprint_metrics"]["completed"] == 1
    assert body["sprint_metrics"]["completion_rate"] == pytest.approx(33.3)
    assert body["sprint_metrics"]["completed_points"] == 3
    assert body["sprint_metrics"]["total_points"] == 10
    html = body["summary"]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; urgent" in html
    assert "<strong>Sprint &lt;1&gt;</strong>" in html
    assert "1 of 3 issues done" in html
    assert "no language model is configured" in html


async def test_suggest_solutions_points_at_similar_issues(aiclient, db):
    """suggest-solutions names the similar issues (resolved ones first) without pretending to be advice."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    response = await world.owner.post(
        f"{AI}/suggest-solutions/",
        json={"issue_description": "login crash with accented password", "project_id": world.projects["APP"]["id"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["method"] == "retrieval"
    assert body["similar_issues"][0]["key"] == "APP-1"
    assert body["suggestions"][0].startswith("APP-1 “Login page crashes”")
    missing = await world.owner.post(f"{AI}/suggest-solutions/", json={"project_id": world.projects["APP"]["id"]})
    assert missing.status_code == 400
    assert "issue_description" in missing.json()
    wrong = await world.owner.post(
        f"{AI}/suggest-solutions/",
        json={"issue_id": world.issues["OPS-1"]["id"], "project_id": world.projects["APP"]["id"]},
    )
    assert wrong.status_code == 400
    assert "issue_id" in wrong.json()
    by_issue = await world.owner.post(
        f"{AI}/suggest-solutions/",
        json={"issue_id": world.issues["OPS-1"]["id"], "project_id": world.projects["OPS"]["id"]},
    )
    assert world.issues["OPS-1"]["id"] not in [s["issue_id"] for s in by_issue.json()["similar_issues"]]
