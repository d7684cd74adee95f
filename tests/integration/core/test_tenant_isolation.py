"""Two tenants side by side: nothing of one ever shows to the other, through any list, filter, search or detail."""

from __future__ import annotations

import pytest

from tests.integration.core.test_issues import create_issue, setup_project

pytestmark = pytest.mark.anyio

EXCLUDED = ("/api/v1/auth", "/api/v1/system", "/api/schema", "/health", "/ready", "/media", "/ws")


async def _tenant(client, key):
    owner, login, org, ws, project, statuses = await setup_project(client, key=key)
    issue = await create_issue(owner, project, title=f"Secret {key} roadmap")
    return owner, {
        "organization": org["id"],
        "workspace": ws["id"],
        "project": project["id"],
        "issue": issue["id"],
        "status": statuses["To Do"]["id"],
        "word": f"Secret {key}",
    }


async def test_no_list_filter_search_or_detail_leaks_the_other_tenant(client, app):
    """For every list route, filtering by the other tenant's ids or searching its words returns none of it."""
    alice, _ = await _tenant(client, "alpha")
    _, theirs = await _tenant(client, "bravo")
    secrets_ = [theirs[k] for k in ("organization", "workspace", "project", "issue", "status")] + ["Secret bravo"]
    list_routes = sorted(
        route.path
        for route in app.routes
        if "GET" in getattr(route, "methods", ()) and not route.path.startswith(EXCLUDED) and "{" not in route.path
    )
    assert "/api/v1/projects/issues" in list_routes
    query = "&".join(
        f"{name}={theirs[key]}"
        for name, key in (
            ("organization", "organization"),
            ("workspace", "workspace"),
            ("project", "project"),
            ("status", "status"),
            ("issue", "issue"),
        )
    )
    for path in list_routes:
        for url in (f"{path}?{query}", f"{path}?search=Secret%20bravo", path):
            response = await alice.get(url)
            assert response.status_code in (200, 400, 404), (url, response.status_code, response.text)
            if response.status_code == 400:
                continue  # a filter value it refuses is echoed back: the caller's own input, not a leak
            for secret in secrets_:
                assert secret not in response.text, (url, secret)
    for url in (
        f"/api/v1/orgs/organizations/{theirs['organization']}/",
        f"/api/v1/workspaces/{theirs['workspace']}/",
        f"/api/v1/projects/projects/{theirs['project']}/",
        f"/api/v1/projects/issues/{theirs['issue']}/",
        f"/api/v1/projects/workflow-statuses/{theirs['status']}/",
        f"/api/v1/projects/configs/{theirs['project']}/",
        f"/api/v1/projects/projects/{theirs['project']}/members/",
        f"/api/v1/workspaces/{theirs['workspace']}/members/",
        f"/api/v1/orgs/organizations/{theirs['organization']}/members/",
        f"/api/v1/projects/issues/{theirs['issue']}/comments/",
    ):
        assert (await alice.get(url)).status_code == 404, url
