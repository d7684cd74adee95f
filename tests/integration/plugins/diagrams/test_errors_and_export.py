"""Who may see a diagram, what a bad request answers (the web client's error shapes), and the export file."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.integration.plugins.diagrams.conftest import (
    EXPORT,
    GENERATE,
    GENERATE_SHORT,
    generate,
    issue,
    parse_svg,
    svg_texts,
    world,
)

pytestmark = pytest.mark.anyio

TYPES = ["workflow", "dependency", "roadmap", "burndown", "velocity", "uml", "architecture"]


async def _org_member_outside_the_workspace(client, w):
    """A user who joined the organization but not the (private) workspace of the project."""
    user, login = await client.signed_up()
    invited = await w["owner"].post(
        "/api/v1/orgs/invitations/", json={"organization": w["org"]["id"], "email": login["user"]["email"]}
    )
    token = invited.json()["invitation"]["token"]
    assert (await user.post(f"/api/v1/orgs/invitations/{token}/accept/")).status_code == 200
    return user


async def test_only_readers_of_the_project_get_its_diagrams(dclient):
    """A stranger and an organization member outside the private workspace get 404 for every type; no token is 401."""
    w = await world(dclient)
    project = w["project"]
    await issue(w["owner"], project, "Secret")
    stranger, _ = await dclient.signed_up()
    outsider = await _org_member_outside_the_workspace(dclient, w)
    for user in (stranger, outsider):
        for diagram_type in TYPES:
            for url in (GENERATE, GENERATE_SHORT, EXPORT):
                response = await user.post(url, json={"diagram_type": diagram_type, "project": project["id"]})
                assert response.status_code == 404, (diagram_type, url, response.text)
                assert set(response.json()) == {"detail", "message"}
    unknown = await generate(w["owner"], "workflow", {"id": str(uuid.uuid4())})
    assert unknown.status_code == 404
    anonymous = await dclient.post(GENERATE, json={"diagram_type": "workflow", "project": project["id"]})
    assert anonymous.status_code == 401


async def test_code_diagrams_need_github(dclient):
    """UML and architecture answer 400 CONFIGURATION_ERROR saying a GitHub repository must be connected."""
    w = await world(dclient)
    for url in (GENERATE_SHORT, GENERATE):
        for diagram_type in ("uml", "architecture"):
            response = await w["owner"].post(
                url,
                json={
                    "diagram_type": diagram_type,
                    "project": w["project"]["id"],
                    "format": "json",
                    "options": {"layout": "hierarchical", "diagram_type": "class"},
                },
            )
            assert response.status_code == 400
            body = response.json()
            assert body["code"] == "CONFIGURATION_ERROR"
            assert "GitHub" in body["error"]
            assert body["detail"] == body["message"]
            assert "GitHub repository" in body["message"]


async def test_bad_requests_are_400_with_the_clients_shapes(dclient):
    """Unknown type or format: INVALID_OPTIONS with valid_options; missing project or bad UUIDs: field errors."""
    w = await world(dclient)
    owner, project = w["owner"], w["project"]
    bad_type = await generate(owner, "gantt", project)
    assert bad_type.status_code == 400
    body = bad_type.json()
    assert body["code"] == "INVALID_OPTIONS"
    assert body["valid_options"] == ["workflow", "dependency", "roadmap", "burndown", "velocity", "uml", "architecture"]
    assert {"error", "detail", "message"} <= set(body)
    for fmt in ("png", "pdf", "gif"):
        response = await generate(owner, "workflow", project, format=fmt)
        assert response.status_code == 400, fmt
        assert response.json()["code"] == "INVALID_OPTIONS"
        assert response.json()["valid_options"] == ["json", "svg"]
    missing = await owner.post(GENERATE, json={"diagram_type": "workflow", "format": "json"})
    assert missing.status_code == 400
    assert missing.json()["project"] == ["This field is required."]
    assert (await owner.post(GENERATE, json={"project": project["id"]})).json()["diagram_type"] == [
        "This field is required."
    ]
    for body in (
        {"diagram_type": "workflow", "project": "not-a-uuid"},
        {"diagram_type": "workflow", "project_id": "12345"},
        {"diagram_type": "burndown", "sprint": "nope"},
        {"diagram_type": "workflow", "project": 12},
        {"diagram_type": "dependency", "project": project["id"], "parameters": {"status_ids": 7}},
        {"diagram_type": "workflow", "project": project["id"], "options": {"force_refresh": "sometimes"}},
    ):
        response = await owner.post(GENERATE, json=body)
        assert response.status_code == 400, (body, response.text)
        assert "message" in response.json()
    assert (
        await owner.post(GENERATE, content=b"{not json", headers={"Content-Type": "application/json"})
    ).status_code == 400
    by_project_id = await owner.post(GENERATE, json={"diagram_type": "workflow", "project_id": project["id"]})
    assert by_project_id.status_code == 200
    default_format = await owner.post(GENERATE, json={"diagram_type": "roadmap", "project": project["id"]})
    assert default_format.json()["format"] == "json"


async def test_export_returns_a_file(dclient):
    """Export answers the SVG document itself (image/svg+xml, as an attachment), or the JSON data; PNG is refused."""
    w = await world(dclient)
    owner, project = w["owner"], w["project"]
    await issue(owner, project, "Exported & shown")
    response = await owner.post(EXPORT, json={"diagram_type": "workflow", "project": project["id"], "format": "svg"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["content-disposition"] == 'attachment; filename="dg-workflow.svg"'
    assert "To Do" in svg_texts(parse_svg(response.text))
    default = await owner.post(EXPORT, json={"diagram_type": "dependency", "project": project["id"]})
    assert default.headers["content-type"].startswith("image/svg+xml")
    assert "Exported & shown" in svg_texts(parse_svg(default.text))
    as_json = await owner.post(EXPORT, json={"diagram_type": "roadmap", "project": project["id"], "format": "json"})
    assert as_json.headers["content-type"].startswith("application/json")
    assert json.loads(as_json.text)["metadata"]["project_key"] == "DG"
    png = await owner.post(EXPORT, json={"diagram_type": "workflow", "project": project["id"], "format": "png"})
    assert png.status_code == 400
    assert png.json()["code"] == "INVALID_OPTIONS"
    assert png.json()["valid_options"] == ["svg", "json"]
