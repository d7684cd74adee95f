"""The dependency diagram: issues and their links, the critical path, cycles, filters, the cap, and its cost."""

from __future__ import annotations

import datetime

import pytest

from plugins.diagrams.settings import get_diagrams_settings
from tests.integration.core.test_issues import add_workspace_member
from tests.integration.plugins.diagrams.conftest import (
    SVG,
    data_of,
    generate,
    issue,
    link,
    move,
    parse_svg,
    svg_texts,
    world,
)
from tests.query_counter import QueryCounter

pytestmark = pytest.mark.anyio

NODE_FIELDS = {"id", "key", "summary", "status", "status_color", "priority", "priority_color", "assignee", "issue_type"}


async def test_dependency_graph_shape_edges_once_and_critical_path(dclient):
    """Links show once each (not twice for their stored reciprocal), sub-tasks too, and the critical path is the
    longest blocking chain: A blocks B, C is blocked by B, D depends on C (E blocks C is a shorter branch)."""
    w = await world(dclient)
    owner, project = w["owner"], w["project"]
    a, b, c, d, e, x = [await issue(owner, project, name) for name in ("A", "B", "C", "D", "E", "X")]
    sub = await issue(owner, project, "S", issue_type="Sub-task", parent_issue=a["id"])
    loose = await issue(owner, project, "Loose <b>&</b>")
    await link(owner, a, "blocks", b)
    await link(owner, c, "blocked_by", b)
    await link(owner, d, "depends_on", c)
    await link(owner, e, "blocks", c)
    await link(owner, x, "relates_to", a)

    data = await data_of(owner, "dependency", project)
    assert set(data) >= {"nodes", "links", "edges", "critical_path", "layout", "metadata"}
    assert data["links"] == data["edges"]
    nodes = {node["summary"]: node for node in data["nodes"]}
    assert set(nodes) == {"A", "B", "C", "D", "E", "X", "S", "Loose <b>&</b>"}
    for node in data["nodes"]:
        assert set(node) >= NODE_FIELDS
    assert nodes["A"]["key"] == "DG-1"
    assert nodes["A"]["status"] == "To Do"
    assert nodes["A"]["priority"] == "P3"
    assert nodes["A"]["issue_type"] == "Task"
    assert nodes["S"]["parent"] == a["id"]
    name = {node["id"]: node["summary"] for node in data["nodes"]}
    relations = sorted((name[e["source"]], e["type"], name[e["target"]]) for e in data["edges"])
    assert relations == [
        ("A", "blocks", "B"),
        ("A", "relates_to", "X"),
        ("A", "subtask", "S"),
        ("B", "blocks", "C"),
        ("D", "depends_on", "C"),
        ("E", "blocks", "C"),
    ]
    assert all({"id", "source", "target", "type", "label"} <= set(edge) for edge in data["edges"])
    assert [name[node] for node in data["critical_path"]] == ["A", "B", "C", "D"]
    assert {n for n, node in nodes.items() if node["is_critical"]} == {"A", "B", "C", "D"}
    critical = sorted((name[e["source"]], name[e["target"]]) for e in data["edges"] if e["is_critical"])
    assert critical == [("A", "B"), ("B", "C"), ("D", "C")]
    x_of = {n: node["position"]["x"] for n, node in nodes.items()}
    assert x_of["A"] < x_of["B"] < x_of["C"] < x_of["D"]
    assert x_of["E"] < x_of["C"]
    assert nodes["Loose <b>&</b>"]["position"]["y"] > max(
        node["position"]["y"] for n, node in nodes.items() if n != "Loose <b>&</b>"
    )
    meta = data["metadata"]
    assert meta["node_count"] == 8
    assert meta["edge_count"] == 6
    assert meta["total_issues"] == 8
    assert meta["truncated"] is False
    assert meta["has_cycles"] is False
    assert meta["critical_path_length"] == 4
    assert data["layout"]["type"] == "layered"
    assert data["layout"]["width"] > max(x_of.values())
    assert data["layout"]["height"] > nodes["Loose <b>&</b>"]["position"]["y"]

    svg = await generate(owner, "dependency", project, format="svg")
    root = parse_svg(svg.json()["data"])
    texts = svg_texts(root)
    assert {"DG-1", "DG-4", "DG-8"} <= set(texts)
    assert "Loose <b>&</b>" in texts
    assert "Issues without links" in texts
    assert any("critical path: DG-1 → DG-2 → DG-3 → DG-4" in text for text in texts)
    assert len([p for p in root.iter(f"{SVG}path") if p.get("marker-end")]) == 5  # relates_to has no arrowhead
    assert sub["id"] in {node["id"] for node in data["nodes"]}
    assert loose["key"] == "DG-8"


async def test_a_cycle_of_blocking_links_is_reported_not_fatal(dclient):
    """P blocks Q blocks R blocks P: the diagram still answers, names the cycle, and keeps it off the critical path."""
    w = await world(dclient)
    owner, project = w["owner"], w["project"]
    p, q, r, t = [await issue(owner, project, name) for name in ("P", "Q", "R", "T")]
    await link(owner, p, "blocks", q)
    await link(owner, q, "blocks", r)
    await link(owner, r, "blocks", p)
    await link(owner, t, "depends_on", r)
    data = await data_of(owner, "dependency", project)
    assert data["metadata"]["has_cycles"] is True
    assert data["metadata"]["cycles"] == [["DG-1", "DG-2", "DG-3"]]
    name = {node["id"]: node["summary"] for node in data["nodes"]}
    assert [name[node] for node in data["critical_path"]] == ["R", "T"]
    assert len(data["edges"]) == 4
    svg = await generate(owner, "dependency", project, format="svg")
    assert svg.status_code == 200
    assert any("cycle: DG-1 → DG-2 → DG-3 → DG-1" in text for text in svg_texts(parse_svg(svg.json()["data"])))


async def test_filters_narrow_the_graph(dclient):
    """Sprint, statuses (ids or the client's placeholders), priorities, assignee, types and search each narrow it."""
    w = await world(dclient)
    owner, project, statuses = w["owner"], w["project"], w["statuses"]
    _, member_login = await add_workspace_member(dclient, owner, w["org"], w["ws"])
    today = datetime.datetime.now(datetime.UTC).date()
    sprint = await owner.post(
        "/api/v1/projects/sprints/",
        json={"project": project["id"], "name": "S1", "start_date": str(today), "end_date": str(today)},
    )
    sprint_id = sprint.json()["id"]
    f1 = await issue(
        owner,
        project,
        "Login page",
        priority="P1",
        issue_type="Bug",
        sprint=sprint_id,
        assignee=member_login["user"]["user_uuid"],
    )
    f2 = await issue(owner, project, "Payment API", priority="P2")
    f3 = await issue(
        owner,
        project,
        "Login audit",
        priority="P3",
        issue_type="Story",
        sprint=sprint_id,
        assignee=w["login"]["user"]["user_uuid"],
    )
    f4 = await issue(owner, project, "Docs", priority="P4")
    await move(owner, f1, statuses, "In Progress")
    await move(owner, f3, statuses, "In Progress", "Done")
    await link(owner, f1, "blocks", f2)
    await link(owner, f3, "relates_to", f4)

    async def shown(**parameters):
        data = await data_of(owner, "dependency", project, parameters=parameters)
        return sorted(node["summary"] for node in data["nodes"]), data

    everything, _ = await shown()
    assert everything == ["Docs", "Login audit", "Login page", "Payment API"]
    picked, data = await shown(priorities=["P1", "P3"])
    assert picked == ["Login audit", "Login page"]
    assert data["edges"] == []
    assert data["metadata"]["hidden_links"] == 2
    assert data["metadata"]["filters"] == {"priorities": ["P1", "P3"]}
    assert (await shown(priorities="P2,P4"))[0] == ["Docs", "Payment API"]
    assert (await shown(status_ids=[statuses["To Do"]["id"]]))[0] == ["Docs", "Payment API"]
    assert (await shown(status_ids=["todo"]))[0] == ["Docs", "Payment API"]
    assert (await shown(status_ids=["backlog", "todo", "in_progress", "done"]))[0] == everything
    assert (await shown(assignee_id=member_login["user"]["user_uuid"]))[0] == ["Login page"]
    assert (await shown(assignee_id=str(w["login"]["user"]["id"])))[0] == ["Login audit"]
    assert (await shown(assignee_id="unassigned"))[0] == ["Docs", "Payment API"]
    assert (await shown(issue_type_ids=[f1["issue_type"]["id"]]))[0] == ["Login page"]
    assert (await shown(search="login"))[0] == ["Login audit", "Login page"]
    assert (await shown(search="DG-2"))[0] == ["Payment API"]
    assert (await shown(sprint_id=sprint_id))[0] == ["Login audit", "Login page"]
    assert (await shown(sprint_id="backlog"))[0] == ["Docs", "Payment API"]
    narrowed, data = await shown(sprint_id=sprint_id, priorities=["P1"], status_ids=["in_progress"])
    assert narrowed == ["Login page"]
    linked, data = await shown(priorities=["P1", "P2"])
    assert linked == ["Login page", "Payment API"]
    assert [edge["type"] for edge in data["edges"]] == ["blocks"]
    bad = await generate(owner, "dependency", project, parameters={"priorities": ["P9"]})
    assert bad.status_code == 400
    assert "priorities" in bad.json()
    bad = await generate(owner, "dependency", project, parameters={"assignee_id": "nobody"})
    assert bad.status_code == 400
    assert "assignee_id" in bad.json()
    bad = await generate(owner, "dependency", project, parameters={"sprint_id": "not-a-uuid"})
    assert bad.status_code == 400


async def _statements(client, project) -> int:
    counter = QueryCounter()
    with counter.counting():
        response = await generate(client, "dependency", project)
    assert response.status_code == 200, response.text
    return counter.count


async def test_same_statement_count_for_3_and_30_issues_and_the_cap(dclient, monkeypatch):
    """3 or 30 linked issues cost the same few SQL statements; over DIAGRAMS_MAX_NODES the graph is cut and says so."""
    w = await world(dclient)
    owner, small = w["owner"], w["project"]
    big = (
        await owner.post("/api/v1/projects/projects/", json={"name": "Big", "key": "BIG", "workspace": w["ws"]["id"]})
    ).json()
    small_issues = [await issue(owner, small, f"Small {n}") for n in range(3)]
    big_issues = [await issue(owner, big, f"Big {n}") for n in range(30)]
    for issues in (small_issues, big_issues):
        await link(owner, issues[0], "blocks", issues[1])
        await link(owner, issues[1], "depends_on", issues[2])
    await link(owner, big_issues[3], "relates_to", big_issues[0])
    child = await issue(owner, big, "Child", issue_type="Sub-task", parent_issue=big_issues[5]["id"])
    assert child["key"] == "BIG-31"
    few = await _statements(owner, small)
    many = await _statements(owner, big)
    assert few == many
    assert many <= 4  # user, project access, issues, links

    monkeypatch.setenv("DIAGRAMS_MAX_NODES", "3")
    get_diagrams_settings.cache_clear()
    data = await data_of(owner, "dependency", big)
    # The most linked issues are kept; BIG-4, the first left out, links to a shown one: that link is hidden.
    assert [node["key"] for node in data["nodes"]] == ["BIG-1", "BIG-2", "BIG-3"]
    assert [edge["type"] for edge in data["edges"]] == ["blocks", "depends_on"]
    meta = data["metadata"]
    assert (meta["truncated"], meta["node_limit"], meta["total_issues"], meta["hidden_links"]) == (True, 3, 31, 1)
    assert await _statements(owner, big) == many + 1  # plus the count of what was left out
    svg = await generate(owner, "dependency", big, format="svg")
    assert any("showing 3 of 31 issues (limit 3)" in text for text in svg_texts(parse_svg(svg.json()["data"])))
