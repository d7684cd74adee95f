"""With Pinecone configured, vectors live in the Pinecone index (through the real SDK, against a loopback server
that speaks its data-plane REST API): one namespace per tenant, queries filtered to the caller's projects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plugins.ai.models import IssueVector
from tests.integration.plugins.ai.conftest import AI, ISSUES, keys_of, make_staff, make_world, seed_issues, wait_indexed
from tests.integration.plugins.support import eventually

pytestmark = pytest.mark.anyio


async def test_issues_are_upserted_per_tenant_namespace(pinecone_server, aiclient, db):
    """Each tenant's issues land in its own namespace with project metadata; the table only records them."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    tenant_a = f"scrum-{world.org['id']}"
    assert set(pinecone_server.namespaces) == {tenant_a, f"scrum-{world.rival_org_id}"}
    assert {world.issues[key]["id"] for key in ("APP-1", "OPS-1", "SEC-1")} <= set(pinecone_server.namespaces[tenant_a])
    assert world.issues["RIV-1"]["id"] not in pinecone_server.namespaces[tenant_a]
    values, metadata = pinecone_server.namespaces[tenant_a][world.issues["APP-1"]["id"]]
    assert len(values) == 1024
    assert metadata == {"project_id": world.projects["APP"]["id"], "organization_id": world.org["id"]}
    async with db() as session:
        rows = (await session.execute(select(IssueVector.backend, IssueVector.vector))).all()
    assert {backend for backend, _ in rows} == {"pinecone"}
    assert {vector for _, vector in rows} == {None}


async def test_search_and_similar_query_only_visible_projects(pinecone_server, aiclient, db):
    """The member's search asks the tenant's namespace with a filter of the projects they see (APP, OPS: not SEC);
    similar issues query by the issue's stored vector and never return the issue itself."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    response = await world.member.post(f"{AI}/search-issues/", json={"query": "sign-in error", "top_k": 20})
    assert response.status_code == 200, response.text
    keys = keys_of(response.json()["results"])
    assert keys[0] in ("APP-1", "OPS-1")
    assert not [key for key in keys if key.startswith(("SEC", "RIV"))]
    query = pinecone_server.calls("/query")[-1]
    assert query["namespace"] == f"scrum-{world.org['id']}"
    assert sorted(query["filter"]["project_id"]["$in"]) == sorted(
        [world.projects["APP"]["id"], world.projects["OPS"]["id"]]
    )
    similar = await world.member.get(
        f"{AI}/{world.issues['APP-1']['id']}/similar-issues/", params={"same_project_only": "false"}
    )
    assert similar.status_code == 200, similar.text
    found = keys_of(similar.json()["similar_issues"])
    assert found[0] == "OPS-1"
    assert "APP-1" not in found
    assert not [key for key in found if key.startswith(("SEC", "RIV"))]
    by_id = pinecone_server.calls("/query")[-1]
    assert by_id["id"] == world.issues["APP-1"]["id"]
    assert "vector" not in by_id


async def test_deleting_an_issue_deletes_its_vector_and_sync_rebuilds(pinecone_server, aiclient, db):
    """A deleted issue's vector is deleted from Pinecone; staff's sync-all empties the namespaces and re-upserts."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    tenant_a = f"scrum-{world.org['id']}"
    gone = world.issues["APP-2"]["id"]
    assert (await world.owner.delete(f"{ISSUES}/{gone}/")).status_code == 204

    async def deleted():
        return gone not in pinecone_server.namespaces[tenant_a]

    await eventually(deleted)
    assert {"ids": [gone], "namespace": tenant_a} in pinecone_server.calls("/vectors/delete")
    await make_staff(db, world.owner)
    report = (await world.owner.post(f"{AI}/sync-all/", json={"clear_existing": True})).json()
    assert (report["status"], report["total_issues"], report["indexed"], report["backend"]) == (
        "success",
        6,
        6,
        "pinecone",
    )
    assert {"deleteAll": True, "namespace": tenant_a} in pinecone_server.calls("/vectors/delete")
    assert len(pinecone_server.namespaces[tenant_a]) == 5
