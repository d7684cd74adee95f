"""List endpoints use a fixed number of SQL statements whatever the page size (no N+1)."""

from __future__ import annotations

import pytest

from tests.query_counter import QueryCounter

pytestmark = pytest.mark.anyio


async def _statements(client, url: str) -> int:
    counter = QueryCounter()
    with counter.counting():
        response = await client.get(url)
    assert response.status_code == 200, response.text
    return counter.count


async def test_organization_lists_do_not_grow_with_the_page(client):
    """Organizations, members and invitations lists cost the same number of statements for 2 or 12 rows."""
    owner, _ = await client.signed_up()
    org_ids = []
    for n in range(12):
        response = await owner.post("/api/v1/orgs/organizations/", json={"name": f"Org {n}"})
        org_ids.append(response.json()["id"])
    org = org_ids[0]
    for n in range(12):
        await owner.post("/api/v1/orgs/invitations/", json={"organization": org, "email": f"i{n}@example.com"})
    small = await _statements(owner, "/api/v1/orgs/organizations/?page_size=2")
    large = await _statements(owner, "/api/v1/orgs/organizations/?page_size=12")
    assert small == large
    assert 0 < large <= 4  # user + count + page
    small = await _statements(owner, f"/api/v1/orgs/invitations/?organization={org}&page_size=2")
    large = await _statements(owner, f"/api/v1/orgs/invitations/?organization={org}&page_size=12")
    assert small == large


async def test_issue_list_and_detail_use_at_most_four_statements(client):
    """Listing 3 or 30 issues with every nested object, and one issue's detail, cost the same few statements."""
    from tests.integration.core.test_issues import create_issue, setup_project

    owner, login, _, _, project, _ = await setup_project(client, key="qc")
    for n in range(30):
        await create_issue(owner, project, title=f"Issue {n}", assignee=login["user"]["id"])
    base = f"/api/v1/projects/issues?&project={project['id']}"
    small = await _statements(owner, f"{base}&page_size=3")
    large = await _statements(owner, f"{base}&page_size=30")
    assert small == large
    assert large <= 4  # user, count, page
    issue_id = (await owner.get(f"{base}&page_size=1")).json()["results"][0]["id"]
    assert await _statements(owner, f"/api/v1/projects/issues/{issue_id}/") <= 4
