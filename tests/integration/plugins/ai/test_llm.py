"""With an OpenAI-compatible endpoint (a real HTTP server on loopback): answers come from the model, grounded in
the caller's visible issues only, and a failing or slow model is a quick 503, never a 500 or a 401."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from plugins.ai.models import IssueVector
from tests.integration.plugins.ai.conftest import AI, keys_of, make_world, seed_issues, wait_indexed

pytestmark = pytest.mark.anyio


async def test_query_returns_the_models_answer_with_sources_and_tokens(openai_server, aiclient, db):
    """The chat shows the model's answer, the issues it was given as sources and the tokens the call used; the
    prompt held the question and APP's matching issue, and the API key went as a bearer token."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    openai_server.reply = "APP-1 tracks it: the login page crashes on accented passwords."
    response = await world.owner.post(
        f"{AI}/query/",
        json={
            "question": "Why does sign in crash?",
            "project_id": world.projects["APP"]["id"],
            "conversation_history": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi!"}],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answer"] == "APP-1 tracks it: the login page crashes on accented passwords."
    assert body["method"] == "llm"
    assert body["tokens_used"] == 155
    assert body["model"] == "gpt-4o-mini"
    assert body["sources"][0]["key"] == "APP-1"
    assert 0 < body["confidence"] <= 1
    chat = openai_server.calls("chat/completions")[-1]
    assert chat["model"] == "gpt-4o-mini"
    assert [message["role"] for message in chat["messages"]] == ["system", "user", "assistant", "user"]
    prompt = chat["messages"][-1]["content"]
    assert "Why does sign in crash?" in prompt
    assert "[APP-1] Login page crashes" in prompt
    assert openai_server.requests[-1]["authorization"] == "Bearer sk-test-key"


async def test_prompts_never_hold_issues_the_caller_may_not_see(openai_server, aiclient, db):
    """Asked across all projects, the member's prompt has APP and OPS login issues but nothing of SEC (a
    workspace they are not in) or RIV (another tenant), although those match the question as well."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    response = await world.member.post(f"{AI}/query/", json={"question": "login page crashes", "top_k": 20})
    assert response.status_code == 200, response.text
    sources = keys_of(response.json()["sources"])
    assert "APP-1" in sources
    assert not [key for key in sources if key.startswith(("SEC", "RIV"))]
    rival = await world.rival.post(
        f"{AI}/suggest-solutions/",
        json={"issue_description": "login page crashes", "project_id": world.projects["RIV"]["id"]},
    )
    assert rival.status_code == 200, rival.text
    for prompt in openai_server.prompts():
        assert "Secret login crash" not in prompt
    member_prompt, rival_prompt = openai_server.prompts()
    assert "Login page crashes" in member_prompt
    assert "Rival login page crashes" not in member_prompt
    assert "Rival login page crashes" in rival_prompt
    assert "Login crash after password reset" not in rival_prompt


async def test_embeddings_come_from_the_endpoint(openai_server, aiclient, db):
    """With a key, issues are embedded by the endpoint's model (recorded on each row) and search still works."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    embedded = openai_server.calls("embeddings")
    assert embedded
    assert {call["model"] for call in embedded} == {"text-embedding-3-small"}
    assert all(call["encoding_format"] == "float" for call in embedded)
    async with db() as session:
        assert set(await session.scalars(select(IssueVector.embedding))) == {"api:text-embedding-3-small"}
    found = await world.owner.post(
        f"{AI}/search-issues/", json={"query": "sign-in error", "project_id": world.projects["APP"]["id"]}
    )
    assert keys_of(found.json()["results"])[0] == "APP-1"


async def test_issue_summary_from_the_model_is_cached_until_the_issue_changes(openai_server, aiclient):
    """The model's JSON becomes summary, key points and complexity; opening the issue again does not call the
    model again; editing the issue does."""
    world = await make_world(aiclient)
    issue = await world.issue("APP", "Login page crashes", "It crashes with accented passwords.")
    openai_server.reply = (
        "```json\n"
        + json.dumps(
            {
                "summary": "Accented passwords crash login.",
                "key_points": ["500 error", "Since 2.3"],
                "estimated_complexity": "Very high",
            }
        )
        + "\n```"
    )
    url = f"{AI}/{issue['id']}/summarize-issue/"
    body = (await world.owner.post(url, json={})).json()
    assert body["summary"] == "Accented passwords crash login."
    assert body["key_points"] == ["500 error", "Since 2.3"]
    assert body["estimated_complexity"] == "very-high"
    assert (body["method"], body["cached"], body["tokens_used"]) == ("llm", False, 155)
    assert "It crashes with accented passwords." in openai_server.prompts()[-1]
    again = (await world.owner.post(url, json={})).json()
    assert (again["summary"], again["cached"], again["tokens_used"]) == ("Accented passwords crash login.", True, 0)
    assert len(openai_server.calls("chat/completions")) == 1
    edited = await world.owner.patch(f"/api/v1/projects/issues/{issue['id']}/", json={"description": "Also on mobile."})
    assert edited.status_code == 200
    openai_server.reply = "Plain prose, no JSON."
    fresh = (await world.owner.post(url, json={})).json()
    assert (fresh["summary"], fresh["cached"]) == ("Plain prose, no JSON.", False)
    assert fresh["estimated_complexity"] == "low"  # the model gave none: the plugin's own estimate
    assert len(openai_server.calls("chat/completions")) == 2


async def test_sprint_summary_from_the_model_is_escaped_html(openai_server, aiclient):
    """The model's text becomes HTML paragraphs and lists, with any markup it echoes escaped."""
    world = await make_world(aiclient)
    project = world.projects["APP"]["id"]
    sprint = (await world.owner.post("/api/v1/projects/sprints/", json={"project": project, "name": "S1"})).json()
    issue = await world.issue("APP", "Checkout <b>bug</b>", story_points=3)
    await world.owner.post(f"/api/v1/projects/sprints/{sprint['id']}/issues/", json={"issue_id": issue["id"]})
    openai_server.reply = "Good progress on **checkout**.\n\n- Fix APP-1 <img src=x onerror=alert(1)>\n- Demo Friday"
    body = (await world.owner.post(f"{AI}/{sprint['id']}/summarize-sprint/", json={})).json()
    assert body["method"] == "llm"
    assert body["summary"] == (
        "<p>Good progress on <strong>checkout</strong>.</p>"
        "<ul><li>Fix APP-1 &lt;img src=x onerror=alert(1)&gt;</li><li>Demo Friday</li></ul>"
    )
    assert body["sprint_metrics"] == {
        "total_issues": 1,
        "completed": 0,
        "completion_rate": 0.0,
        "in_progress": 0,
        "to_do": 1,
        "total_points": 3.0,
        "completed_points": 0.0,
        "unassigned": 1,
    }
    assert "APP-1 | Checkout <b>bug</b> | To Do" in openai_server.prompts()[-1]


async def test_suggest_solutions_lists_the_models_steps(openai_server, aiclient, db):
    """Each '- ' line of the model's reply is one suggestion; the similar issues it was shown come along."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    openai_server.reply = "Here is what I would do:\n- Normalise accents before hashing (see APP-1)\n2. Add a test"
    body = (
        await world.owner.post(
            f"{AI}/suggest-solutions/",
            json={"issue_description": "login crash", "project_id": world.projects["APP"]["id"]},
        )
    ).json()
    assert body["suggestions"] == ["Normalise accents before hashing (see APP-1)", "Add a test"]
    assert body["similar_issues"][0]["key"] == "APP-1"
    assert body["method"] == "llm"


@pytest.mark.parametrize("status", [500, 401, 429])
async def test_a_failing_model_is_a_503(openai_server, aiclient, db, status):
    """The endpoint answering 500, 401 (a wrong key) or 429 gives the chat a 503 with detail, message and error,
    never a 401 that would log the user out."""
    world = await make_world(aiclient)
    await world.issue("APP", "Login page crashes")
    await wait_indexed(db, world)
    openai_server.status = status
    response = await world.owner.post(
        f"{AI}/query/", json={"question": "login", "project_id": world.projects["APP"]["id"]}
    )
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["detail"] == body["message"] == body["error"]
    assert "not available" in body["detail"]
    assert "sk-test-key" not in response.text


async def test_a_slow_model_times_out_quickly(openai_server, aiclient, db, monkeypatch):
    """With AI_TIMEOUT=1 a model that takes 5 s is a 503 after about a second, for summaries too."""
    from plugins.ai.settings import get_ai_settings

    world = await make_world(aiclient)
    issue = await world.issue("APP", "Login page crashes", "Crashes.")
    await wait_indexed(db, world)
    monkeypatch.setenv("AI_TIMEOUT", "1")
    get_ai_settings.cache_clear()
    openai_server.delay = 5
    openai_server.usage = (1, 1)
    started = time.monotonic()
    response = await world.owner.post(f"{AI}/{issue['id']}/summarize-issue/", json={})
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert "did not answer within 1 seconds" in response.json()["detail"]
    assert elapsed < 3
