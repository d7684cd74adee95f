"""The plugin follows ``SCRUM_PLUGINS``: disabled, its routes, jobs and hooks do not exist and nothing else breaks;
its settings are checked only when it is enabled."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from core.settings import SettingsError
from plugins.ai import plugin as ai_plugin
from plugins.ai.settings import AISettings
from tests.helpers import ApiClient
from tests.integration.plugins.ai.conftest import AI, indexed_ids, make_world
from tests.integration.plugins.support import jobs_overrides

pytestmark = pytest.mark.anyio

ROUTES = [
    ("POST", f"{AI}/query/"),
    ("POST", f"{AI}/search-issues/"),
    ("POST", f"{AI}/suggest-solutions/"),
    ("POST", f"{AI}/index-issue/"),
    ("POST", f"{AI}/sync-all/"),
]
JOBS = {"ai:index_issue", "ai:remove_issue", "ai:index_missing"}


async def test_disabled_plugin_has_no_routes_jobs_or_index(app_factory, monkeypatch, db):
    """Left out of SCRUM_PLUGINS: every ai route is 404, its jobs are not registered, a new issue is not indexed,
    and a bad AI_TIMEOUT is not even read (enabled, it stops start-up)."""
    monkeypatch.setenv("AI_TIMEOUT", "soon")
    with pytest.raises(SettingsError, match="AI_TIMEOUT"):
        app_factory(available={"ai": ai_plugin})
    app = app_factory(available={"ai": ai_plugin}, enabled=(), **jobs_overrides())
    assert not JOBS & app.state.jobs.names
    async with AsyncTestClient(app=app) as raw:
        world = await make_world(ApiClient(raw))
        issue = await world.issue("APP", "Login page crashes")
        for method, url in [
            *ROUTES,
            ("GET", f"{AI}/{issue['id']}/similar-issues/"),
            ("POST", f"{AI}/{issue['id']}/summarize-issue/"),
            ("POST", f"{AI}/{world.projects['APP']['id']}/index-project/"),
        ]:
            assert (await world.owner.request(method, url, json={})).status_code == 404, url
        schema = (await raw.get("/api/schema/openapi.json")).json()
        assert not [path for path in schema["paths"] if path.startswith(AI)]
        assert "ai" not in [p["name"] for p in (await world.owner.get("/api/v1/system/plugins")).json()]
    assert await indexed_ids(db) == set()


async def test_enabled_plugin_answers_and_is_documented(ai_app, aiclient):
    """Enabled: the routes answer (an empty body is a 400 naming the field), the jobs are registered, the plugin
    is listed and its routes are in the schema under the ai tag."""
    assert ai_app.state.jobs.names >= JOBS
    user, _ = await aiclient.signed_up()
    response = await user.post(f"{AI}/search-issues/", json={})
    assert response.status_code == 400
    assert response.json()["query"] == ["This field is required."]
    assert "ai" in [p["name"] for p in (await user.get("/api/v1/system/plugins")).json()]
    schema = (await aiclient.raw.get("/api/schema/openapi.json")).json()
    operations = [op for path, item in schema["paths"].items() if path.startswith(AI) for op in item.values()]
    assert len(operations) == 9
    assert all(op["tags"] == ["ai"] for op in operations)
    assert len({op["operationId"] for op in operations}) == 9
    assert "ai" in [tag["name"] for tag in schema["tags"]]
    assert schema["paths"][f"{AI}/search-issues"]["post"]["tags"] == ["ai"]
    assert schema["paths"][f"{AI}/{{issue_id}}/similar-issues"]["get"]["tags"] == ["ai"]
    assert f"{AI}/{{issue_id}}/index-issue" not in schema["paths"]  # the original's alias stays undocumented


def test_settings_defaults_and_checks():
    """No variables: local embeddings, no model, no Pinecone. A key turns on the endpoint for both; bad values stop
    start-up with the variable's name."""
    plain = AISettings.from_env({})
    assert (plain.embeddings, plain.llm_enabled, plain.pinecone_enabled, plain.timeout) == ("local", False, False, 30)
    keyed = AISettings.from_env({"OPENAI_API_KEY": "sk-x"})
    assert (keyed.embeddings, keyed.llm_enabled, keyed.base_url) == ("api", True, "https://api.openai.com/v1")
    assert "sk-x" not in repr(keyed)
    local = AISettings.from_env({"AI_API_KEY": "sk-x", "AI_EMBEDDINGS": "local"})
    assert (local.embeddings, local.llm_enabled) == ("local", True)
    both = AISettings.from_env({"PINECONE_API_KEY": "pc", "PINECONE_INDEX_HOST": "https://i-abc.svc.pinecone.io/"})
    assert both.pinecone_enabled
    assert both.pinecone_index_host == "https://i-abc.svc.pinecone.io"
    for env, name in (
        ({"AI_EMBEDDINGS": "api"}, "AI_EMBEDDINGS"),
        ({"AI_EMBEDDINGS": "magic"}, "AI_EMBEDDINGS"),
        ({"AI_BASE_URL": "api.example.com"}, "AI_BASE_URL"),
        ({"AI_TIMEOUT": "0"}, "AI_TIMEOUT"),
        ({"AI_MAX_RETRIES": "-1"}, "AI_MAX_RETRIES"),
        ({"PINECONE_API_KEY": "pc"}, "PINECONE_INDEX_HOST"),
        ({"PINECONE_NAMESPACE_PREFIX": "x" * 41}, "PINECONE_NAMESPACE_PREFIX"),
        ({"AI_INDEX_ON_STARTUP": "maybe"}, "AI_INDEX_ON_STARTUP"),
    ):
        with pytest.raises(SettingsError, match=name):
            AISettings.from_env(env)
