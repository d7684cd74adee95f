"""The workflow diagram: statuses with their issue counts, transitions, layout, legend, and its SVG."""

from __future__ import annotations

import pytest

from tests.integration.plugins.diagrams.conftest import (
    GENERATE_SHORT,
    SVG,
    data_of,
    generate,
    issue,
    move,
    parse_svg,
    svg_texts,
    world,
)

pytestmark = pytest.mark.anyio


async def test_workflow_json_has_statuses_counts_transitions_and_layout(dclient):
    """Statuses become nodes with the right issue counts, start/end flags and left-to-right positions."""
    w = await world(dclient)
    owner, project, statuses = w["owner"], w["project"], w["statuses"]
    items = [await issue(owner, project, f"Task {n}") for n in range(4)]
    await move(owner, items[0], statuses, "In Progress")
    await move(owner, items[1], statuses, "In Progress", "Done")
    deleted = await issue(owner, project, "Gone")
    assert (await owner.delete(f"/api/v1/projects/issues/{deleted['id']}/")).status_code == 204

    data = await data_of(owner, "workflow", project)
    assert set(data) >= {"metadata", "nodes", "edges", "legend", "layout"}
    nodes = {node["name"]: node for node in data["nodes"]}
    assert list(nodes) == ["To Do", "In Progress", "Done"]
    assert {name: node["issue_count"] for name, node in nodes.items()} == {"To Do": 2, "In Progress": 1, "Done": 1}
    for node in data["nodes"]:
        assert set(node) >= {
            "id",
            "name",
            "type",
            "color",
            "stroke_color",
            "stroke_width",
            "issue_count",
            "is_start",
            "is_end",
            "position",
            "dimensions",
        }
        assert node["type"] == "status"
    assert nodes["To Do"]["id"] == statuses["To Do"]["id"]
    assert [node["is_start"] for node in nodes.values()] == [True, False, False]
    assert [node["is_end"] for node in nodes.values()] == [False, False, True]
    xs = [node["position"]["x"] for node in nodes.values()]
    assert xs == sorted(xs)
    assert len(set(xs)) == 3
    assert len({node["position"]["y"] for node in nodes.values()}) == 1

    by_id = {node["id"]: node["name"] for node in data["nodes"]}
    moves = {(by_id[edge["source"]], by_id[edge["target"]]) for edge in data["edges"]}
    assert moves == {
        ("To Do", "In Progress"),
        ("In Progress", "Done"),
        ("In Progress", "To Do"),
        ("Done", "In Progress"),
        ("Done", "To Do"),
    }
    assert all({"id", "source", "target", "label", "type", "color", "width"} <= set(e) for e in data["edges"])
    assert [item["label"] for item in data["legend"]["items"]] == ["To Do", "In Progress", "Done"]
    assert data["layout"]["width"] > max(xs)
    assert data["layout"]["height"] > 0
    assert data["metadata"] == {
        "project_id": project["id"],
        "project_name": project["name"],
        "project_key": "DG",
        "status_count": 3,
        "transition_count": 5,
        "total_issues": 4,
    }
    again = await owner.post(GENERATE_SHORT, json={"diagram_type": "workflow", "project": project["id"]})
    assert again.status_code == 200
    assert again.json()["format"] == "json"
    assert again.json()["data"]["nodes"] == data["nodes"]


async def test_custom_status_column_and_svg_with_escaped_names(dclient):
    """A custom status with In Progress's order joins its column; the SVG parses and shows every status (escaped), its count,
    arrows with markers and a legend."""
    w = await world(dclient)
    owner, project = w["owner"], w["project"]
    created = await owner.post(
        "/api/v1/projects/workflow-statuses/",
        json={"project": project["id"], "name": 'QA <review> & "sign-off"', "category": "in_progress", "order": 1},
    )
    assert created.status_code == 201, created.text
    await issue(owner, project, "One")
    nodes = {node["name"][:2]: node for node in (await data_of(owner, "workflow", project))["nodes"]}
    # A second in-progress status stands in the In Progress column, above or below the first one.
    assert nodes["QA"]["position"]["x"] == nodes["In"]["position"]["x"]
    assert nodes["QA"]["position"]["y"] != nodes["In"]["position"]["y"]
    assert nodes["To"]["position"]["x"] < nodes["QA"]["position"]["x"] < nodes["Do"]["position"]["x"]

    response = await generate(owner, "workflow", project, format="svg")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["format"] == "svg"
    assert isinstance(body["data"], str)
    assert body["metadata"]["status_count"] == 4
    assert body["metadata"]["generation_ms"] >= 0
    assert response.headers["x-diagram-type"] == "workflow"
    root = parse_svg(body["data"])
    texts = svg_texts(root)
    for name in ("To Do", "In Progress", "Done"):
        assert name in texts
    # A long name is shortened in its box; the whole (escaped) name is its tooltip.
    assert 'QA <review> & "sign-off"' in [title.text for title in root.iter(f"{SVG}title")]
    assert any(text.startswith("QA <review> &") for text in texts)
    assert "1 issue" in texts
    assert "START" in texts
    assert "END" in texts
    assert "Status categories" in texts
    assert len(root.findall(f"{SVG}defs/{SVG}marker")) >= 1
    arrows = [path for path in root.iter(f"{SVG}path") if path.get("marker-end")]
    assert len(arrows) >= 5
    assert len(root.findall(f".//{SVG}rect")) >= 4
