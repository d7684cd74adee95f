"""Access and input: strangers get 404s (never 401/403 with a good token), bad bodies 400 field errors, no 500s."""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import AsyncTestClient

from plugins.ml import plugin as ml_plugin
from tests.helpers import ApiClient
from tests.integration.plugins.ml.conftest import ML, estimate_body, make_world

pytestmark = pytest.mark.anyio


async def world_with_everything(mlclient):
    """A project with an issue and a sprint: something for each route to look at."""
    world = await make_world(mlclient)
    issue = await world.issue("Login page bug", issue_type="Bug")
    sprint = await world.sprint()
    return world, issue, sprint


def routes(world, issue, sprint) -> list[tuple[str, str, dict]]:
    """Every ml route with a valid body for ``world``."""
    project_id = world.project["id"]
    return [
        ("POST", "predict-effort", estimate_body(world, "Login page bug")),
        ("POST", "recommend-story-points", estimate_body(world, "Login page bug")),
        ("POST", "suggest-assignment", {"issue_id": issue["id"], "project_id": project_id}),
        ("POST", "estimate-sprint-duration", {"sprint_id": sprint["id"]}),
        ("GET", f"{sprint['id']}/sprint-risk", {}),
        ("POST", f"{project_id}/project-summary", {}),
    ]


async def test_every_route_answers_a_member_and_hides_the_project_from_a_stranger(mlclient):
    """The owner gets 200 everywhere; a signed-in stranger gets 404 everywhere; no token is a 401."""
    world, issue, sprint = await world_with_everything(mlclient)
    stranger, _ = await mlclient.signed_up()
    for method, route, body in routes(world, issue, sprint):
        url = f"{ML}/{route}/"
        kwargs = {"json": body} if method == "POST" else {}
        assert (await world.owner.request(method, url, **kwargs)).status_code == 200, route
        refused = await stranger.request(method, url, **kwargs)
        assert refused.status_code == 404, (route, refused.text)
        assert refused.json()["detail"]
        assert (await mlclient.request(method, url, **kwargs)).status_code == 401, route


async def test_a_workspace_member_may_ask(mlclient):
    """Reading is enough: a workspace member (not the owner) gets every answer."""
    world, issue, sprint = await world_with_everything(mlclient)
    member, _ = await world.member(mlclient)
    for method, route, body in routes(world, issue, sprint):
        kwargs = {"json": body} if method == "POST" else {}
        assert (await member.request(method, f"{ML}/{route}/", **kwargs)).status_code == 200, route


async def test_unknown_ids_are_not_found(mlclient):
    """Ids that exist nowhere are 404s; a path id that is not a UUID is a 404 too."""
    world, issue, sprint = await world_with_everything(mlclient)
    nowhere = str(uuid.uuid4())
    owner = world.owner
    assert (
        await owner.post(f"{ML}/predict-effort/", json={**estimate_body(world, "x"), "project_id": nowhere})
    ).status_code == 404
    body = {"issue_id": nowhere, "project_id": world.project["id"]}
    assert (await owner.post(f"{ML}/suggest-assignment/", json=body)).status_code == 404
    assert (await owner.post(f"{ML}/estimate-sprint-duration/", json={"sprint_id": nowhere})).status_code == 404
    assert (await owner.get(f"{ML}/{nowhere}/sprint-risk/")).status_code == 404
    assert (await owner.post(f"{ML}/{nowhere}/project-summary/", json={})).status_code == 404
    assert (await owner.get(f"{ML}/not-a-uuid/sprint-risk/")).status_code == 404


BAD_BODIES = [
    ("predict-effort", {"title": None}, "title"),
    ("predict-effort", {"title": "   "}, "title"),
    ("predict-effort", {"title": "x" * 501}, "title"),
    ("predict-effort", {"project_id": "nope"}, "project_id"),
    ("predict-effort", {"issue_type": None}, "issue_type"),
    ("predict-effort", {"issue_type": ""}, "issue_type"),
    ("predict-effort", {"issue_type": "Spaceship"}, "issue_type"),
    ("predict-effort", {"description": 42}, "description"),
    ("recommend-story-points", {"title": None}, "title"),
    ("recommend-story-points", {"project_id": None}, "project_id"),
    ("suggest-assignment", {"issue_id": None}, "issue_id"),
    ("suggest-assignment", {"project_id": "42"}, "project_id"),
    ("suggest-assignment", {"top_n": 0}, "top_n"),
    ("suggest-assignment", {"top_n": "many"}, "top_n"),
    ("estimate-sprint-duration", {"sprint_id": None}, "sprint_id"),
    ("estimate-sprint-duration", {"scope_change_percentage": -500}, "scope_change_percentage"),
    ("estimate-sprint-duration", {"scope_change_percentage": "lots"}, "scope_change_percentage"),
    ("estimate-sprint-duration", {"team_capacity_hours": 0}, "team_capacity_hours"),
]


async def test_bad_bodies_are_field_errors(mlclient):
    """A missing, blank, malformed or out-of-range field is a 400 keyed by that field (``None`` = left out)."""
    world, issue, sprint = await world_with_everything(mlclient)
    valid = {route: body for _, route, body in routes(world, issue, sprint)}
    for route, change, field in BAD_BODIES:
        body = {key: value for key, value in {**valid[route], **change}.items() if value is not None}
        response = await world.owner.post(f"{ML}/{route}/", json=body)
        assert response.status_code == 400, (route, change, response.text)
        errors = response.json()
        assert errors[field][0], (route, change, errors)
        if change[field] is None:
            assert errors[field] == ["This field is required."]


async def test_bodies_that_are_not_objects_are_400s(mlclient):
    """No body, a JSON array or broken JSON: a 400 with a message, never a 500."""
    world, _, _ = await world_with_everything(mlclient)
    for content in (b"", b"[]", b"{nope", b"null"):
        response = await world.owner.post(
            f"{ML}/predict-effort/", content=content, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, (content, response.text)
        assert response.json()


async def test_disabled_plugin_has_no_routes(app_factory):
    """Left out of SCRUM_PLUGINS: every ml route is a 404 and the schema has none of them."""
    app = app_factory(available={"ml": ml_plugin}, enabled=())
    async with AsyncTestClient(app=app) as raw:
        world, issue, sprint = await world_with_everything(ApiClient(raw))
        for method, route, body in routes(world, issue, sprint):
            kwargs = {"json": body} if method == "POST" else {}
            assert (await world.owner.request(method, f"{ML}/{route}/", **kwargs)).status_code == 404, route
        schema = (await raw.get("/api/schema/openapi.json")).json()
        assert not [path for path in schema["paths"] if path.startswith(ML)]


async def test_enabled_plugin_documents_its_routes(ml_app, mlclient):
    """Enabled: six operations under the ``ml`` tag, each with its own operation id, listed as a plugin."""
    schema = (await mlclient.raw.get("/api/schema/openapi.json")).json()
    operations = [op for path, item in schema["paths"].items() if path.startswith(ML) for op in item.values()]
    assert len(operations) == 6
    assert all(op["tags"] == ["ml"] and op["operationId"] for op in operations)
    assert "ml" in [tag["name"] for tag in schema["tags"]]
    user, _ = await mlclient.signed_up()
    assert "ml" in [plugin["name"] for plugin in (await user.get("/api/v1/system/plugins")).json()]
