"""The read cache of the issue list and detail: no database work on a repeat, never a stale or foreign answer."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.integration.core.test_issues import add_workspace_member, create_issue, setup_project
from tests.query_counter import QueryCounter

pytestmark = pytest.mark.anyio

ISSUES = "/api/v1/projects/issues"


async def _get(client, url: str, **kwargs):
    """The response and the number of SQL statements it cost."""
    counter = QueryCounter()
    with counter.counting():
        response = await client.get(url, **kwargs)
    assert response.status_code == 200, response.text
    return response, counter.count


async def _project_with_issues(client, key: str = "rc", n: int = 3):
    owner, login, org, ws, project, statuses = await setup_project(client, key=key)
    issues = [await create_issue(owner, project, title=f"Issue {i}") for i in range(n)]
    return owner, login, org, ws, project, statuses, issues


async def test_a_repeated_list_or_detail_costs_no_query_and_is_byte_identical(client):
    """The second identical request is answered from memory with exactly the same body and headers."""
    owner, *_, project, _, issues = await _project_with_issues(client)
    for url in (f"{ISSUES}?&project={project['id']}", f"{ISSUES}/{issues[0]['id']}/"):
        first, first_cost = await _get(owner, url)
        again, again_cost = await _get(owner, url)
        assert first_cost > 0
        assert again_cost == 0
        assert again.content == first.content
        assert again.headers["content-type"] == first.headers["content-type"] == "application/json"


async def test_every_kind_of_write_through_the_api_is_seen_by_the_next_read(client):
    """Edits, transitions, new issues and deletions show at once in a list that was cached a moment before."""
    owner, *_, project, statuses, issues = await _project_with_issues(client)
    url = f"{ISSUES}?&project={project['id']}&ordering=created_at"
    await _get(owner, url)

    await owner.patch(f"{ISSUES}/{issues[0]['id']}/", json={"title": "Renamed"})
    assert (await _get(owner, url))[0].json()["results"][0]["title"] == "Renamed"

    moved = await owner.patch(
        f"{ISSUES}/{issues[1]['id']}/transition/", json={"transition": statuses["In Progress"]["id"]}
    )
    assert moved.status_code == 200, moved.text
    assert (await _get(owner, url))[0].json()["results"][1]["status"]["name"] == "In Progress"

    await create_issue(owner, project, title="Newest")
    assert (await _get(owner, url))[0].json()["count"] == 4

    assert (await owner.delete(f"{ISSUES}/{issues[2]['id']}/")).status_code == 204
    assert (await _get(owner, url))[0].json()["count"] == 3
    assert (await owner.get(f"{ISSUES}/{issues[2]['id']}/")).status_code == 404


async def test_a_change_to_a_nested_object_is_seen(client):
    """Renaming a status (not an issue) changes the cached list too: every committed write invalidates."""
    owner, *_, project, statuses, _ = await _project_with_issues(client)
    url = f"{ISSUES}?&project={project['id']}"
    await _get(owner, url)
    renamed = await owner.patch(
        f"/api/v1/projects/workflow-statuses/{statuses['To Do']['id']}/", json={"name": "Backlog"}
    )
    assert renamed.status_code == 200, renamed.text
    names = {issue["status"]["name"] for issue in (await _get(owner, url))[0].json()["results"]}
    assert names == {"Backlog"}


async def test_each_caller_gets_their_own_answer(client):
    """The same URL answers a project's member with its issues and an outsider with none, cached or not."""
    owner, *_, project, _, _ = await _project_with_issues(client)
    stranger, _ = await client.signed_up()
    url = f"{ISSUES}?&project={project['id']}"
    for _ in range(2):
        assert (await _get(owner, url))[0].json()["count"] == 3
        assert (await _get(stranger, url))[0].json()["count"] == 0


async def test_a_member_removed_from_the_workspace_stops_seeing_cached_issues(client):
    """Losing access is immediate, even for a list and an issue the member read a moment before."""
    owner, _, org, ws, project, _, issues = await _project_with_issues(client)
    member, member_login = await add_workspace_member(client, owner, org, ws)
    url = f"{ISSUES}?&project={project['id']}"
    detail = f"{ISSUES}/{issues[0]['id']}/"
    for _ in range(2):
        assert (await _get(member, url))[0].json()["count"] == 3
        await _get(member, detail)
    members = (await owner.get(f"/api/v1/workspaces/members/?workspace={ws['id']}")).json()["results"]
    membership = next(m for m in members if m["user"]["id"] == member_login["user"]["id"])
    assert (await owner.delete(f"/api/v1/workspaces/members/{membership['id']}/")).status_code == 204
    assert (await _get(member, url))[0].json()["count"] == 0
    assert (await member.get(detail)).status_code == 404


async def test_logout_ends_access_to_cached_answers(client):
    """A token that read a cached list is refused once its owner logs out."""
    owner, login, *_ = await setup_project(client, key="lo")
    url = f"{ISSUES}?&page_size=5"
    await _get(owner, url)
    await _get(owner, url)
    assert (await owner.post("/api/v1/auth/logout/", json={"refresh": login["refresh"]})).status_code == 200
    assert (await owner.get(url)).status_code == 401


async def test_page_links_follow_the_host_the_client_used(client):
    """Absolute page links are per host: a cached page never hands out another host's links."""
    owner, *_, project, _, _ = await _project_with_issues(client)
    url = f"{ISSUES}?&project={project['id']}&page_size=1"
    one = (await _get(owner, url, headers={"host": "one.example"}))[0].json()
    two = (await _get(owner, url, headers={"host": "two.example"}))[0].json()
    assert one["next"].startswith("http://one.example/")
    assert two["next"].startswith("http://two.example/")


async def test_a_write_by_another_program_is_seen(client, app):
    """A change committed outside this app (another process, a shell) reaches the cached list.

    SQLite: through ``PRAGMA data_version``, on the next read. PostgreSQL: through the tables' change triggers and
    the app's LISTEN connection, within the notification latency.
    """
    owner, *_, project, _, issues = await _project_with_issues(client)
    url = f"{ISSUES}?&project={project['id']}&ordering=created_at"
    await _get(owner, url)
    assert (await _get(owner, url))[1] == 0
    before = app.state.read_cache.generation()
    if ON_POSTGRES:
        import asyncpg

        conn = await asyncpg.connect(TEST_DATABASE_URL.replace("+asyncpg", ""))
        try:
            await conn.execute("UPDATE issues SET title = 'From psql' WHERE id = $1", _uuid(issues[0]["id"]))
        finally:
            await conn.close()
        for _ in range(200):  # the notification arrives asynchronously
            if app.state.read_cache.generation() != before:
                break
            await asyncio.sleep(0.01)
    else:
        path = TEST_DATABASE_URL.split(":///", 1)[1]
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE issues SET title = 'From psql' WHERE id = ?", (_uuid(issues[0]["id"]).bytes,))
    response, cost = await _get(owner, url)
    assert cost > 0
    assert response.json()["results"][0]["title"] == "From psql"


async def test_turned_off_every_request_reads_the_database(app_factory):
    """``SCRUM_READ_CACHE_MB=0`` disables the cache."""
    from litestar.testing import AsyncTestClient

    from tests.helpers import ApiClient

    async with AsyncTestClient(app=app_factory(read_cache_mb=0)) as raw:
        owner, *_, project, _, _ = await _project_with_issues(ApiClient(raw))
        url = f"{ISSUES}?&project={project['id']}"
        assert (await _get(owner, url))[1] > 0
        assert (await _get(owner, url))[1] > 0


@pytest.mark.skipif(not ON_POSTGRES, reason="the change listener is PostgreSQL's")
async def test_without_the_change_listener_nothing_is_served_from_memory(client, app):
    """If the LISTEN connection drops, reads go to the database until it is back, and caching resumes after."""
    owner, *_, project, _, _ = await _project_with_issues(client)
    url = f"{ISSUES}?&project={project['id']}"
    await _get(owner, url)
    tracker = app.state.read_cache.tracker
    import asyncpg

    admin = await asyncpg.connect(TEST_DATABASE_URL.replace("+asyncpg", ""))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = $1", tracker._pg.get_server_pid()
        )
    finally:
        await admin.close()
    for _ in range(100):
        if not tracker.live:
            break
        await asyncio.sleep(0.01)
    assert (await _get(owner, url))[1] > 0
    assert (await _get(owner, url))[1] > 0
    for _ in range(500):  # reconnects every 2 s
        if tracker.live:
            break
        await asyncio.sleep(0.02)
    assert tracker.live
    await _get(owner, url)
    assert (await _get(owner, url))[1] == 0


def _uuid(value: str):
    import uuid

    return uuid.UUID(value)
