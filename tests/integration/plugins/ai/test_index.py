"""The index follows the issues (hooks queue jobs), and can be rebuilt on demand: staff for everything, project
admins for their project."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from plugins.ai import plugin as ai_plugin
from plugins.ai.models import IssueVector
from plugins.ai.settings import get_ai_settings
from tests.helpers import ApiClient
from tests.integration.plugins.ai.conftest import (
    AI,
    ISSUES,
    FakeOpenAI,
    indexed_ids,
    keys_of,
    make_staff,
    make_world,
    seed_issues,
    wait_indexed,
)
from tests.integration.plugins.support import eventually, jobs_overrides

pytestmark = pytest.mark.anyio


async def _row(db, issue_id: str) -> IssueVector | None:
    async with db() as session:
        row: IssueVector | None = await session.scalar(select(IssueVector).where(IssueVector.issue_id == issue_id))
        return row


async def _search_keys(client, project_id: str, query: str) -> list[str]:
    response = await client.post(f"{AI}/search-issues/", json={"query": query, "project_id": project_id})
    assert response.status_code == 200, response.text
    return keys_of(response.json()["results"])


async def test_creating_updating_and_deleting_an_issue_updates_the_index(aiclient, db):
    """A new issue is findable once its job ran; after a retitle the new words find it; after deletion it is gone
    from the index and from results. A change that is not text (priority) does not embed it again."""
    world = await make_world(aiclient)
    project = world.projects["APP"]["id"]
    issue = await world.issue("APP", "Calendar sync duplicates events", "Google calendar sync creates duplicates.")
    await wait_indexed(db, world)
    row = await _row(db, issue["id"])
    assert row is not None
    assert row.project_id.hex == project.replace("-", "")
    assert row.backend == "embedded"
    assert row.embedding == "local-hash-v1-1024"
    assert row.dimensions == 1024
    assert len(row.vector or b"") == 1024 * 4
    assert await _search_keys(world.owner, project, "calendar duplicates") == ["APP-1"]

    first_hash = row.content_hash
    updated = await world.owner.patch(f"{ISSUES}/{issue['id']}/", json={"title": "Invoice totals are rounded wrong"})
    assert updated.status_code == 200, updated.text

    async def rehashed():
        current = await _row(db, issue["id"])
        return current is not None and current.content_hash != first_hash

    await eventually(rehashed)
    assert (await _search_keys(world.owner, project, "invoice rounding"))[0] == "APP-1"

    second = await _row(db, issue["id"])
    assert second is not None
    await world.owner.patch(f"{ISSUES}/{issue['id']}/", json={"priority": "P1"})
    await world.issue("APP", "Marker issue after the priority change")
    await wait_indexed(db, world)  # the marker's job ran after the priority change was handled
    unchanged = await _row(db, issue["id"])
    assert unchanged is not None
    assert (unchanged.content_hash, unchanged.updated_at) == (second.content_hash, second.updated_at)

    assert (await world.owner.delete(f"{ISSUES}/{issue['id']}/")).status_code == 204

    async def removed():
        return issue["id"] not in await indexed_ids(db)

    await eventually(removed)
    assert "APP-1" not in await _search_keys(world.owner, project, "invoice rounding")


async def test_sync_all_is_staff_only_and_reports_counts(aiclient, db):
    """Anyone but staff gets 404 from sync-all (even with a bad body); staff rebuilds every project and gets counts."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    for client in (world.owner, world.member, world.rival):
        assert (await client.post(f"{AI}/sync-all/", json={"clear_existing": True})).status_code == 404
        assert (await client.post(f"{AI}/sync-all/", json={"batch_size": "lots"})).status_code == 404
    await make_staff(db, world.member)
    bad = await world.member.post(f"{AI}/sync-all/", json={"batch_size": 0})
    assert bad.status_code == 400
    assert "batch_size" in bad.json()

    report = await world.member.post(f"{AI}/sync-all/", json={"clear_existing": True, "batch_size": 2})
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["status"] == "success"
    assert body["projects_processed"] == 4
    assert body["total_issues"] == 7
    assert body["indexed"] == 7
    assert body["unchanged"] == 0  # everything was cleared first
    assert body["failed"] == 0
    assert body["success_rate"] == 100
    assert body["errors"] == []
    assert body["total_errors"] == 0
    assert isinstance(body["duration_seconds"], float)
    assert len(await indexed_ids(db)) == 7

    again = (await world.member.post(f"{AI}/sync-all/", json={"clear_existing": False})).json()
    assert (again["indexed"], again["unchanged"], again["failed"]) == (7, 7, 0)


async def test_index_project_needs_admin_rights_and_index_issue_write(aiclient, db):
    """A workspace member (who may work but not manage) gets 404 from index-project; the owner gets the report.
    index-issue says "unchanged" for a current issue and "indexed" when forced; the original's path works too."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    project = world.projects["APP"]["id"]
    assert (await world.member.post(f"{AI}/{project}/index-project/", json={})).status_code == 404
    async with db() as session:
        await session.execute(update(IssueVector).values(content_hash="0" * 64))  # every vector is stale now
        await session.commit()
    report = await world.owner.post(f"{AI}/{project}/index-project/", json={"batch_size": 2})
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["total"], body["indexed"], body["unchanged"], body["failed"]) == (3, 3, 0, 0)
    assert body["success_rate"] == 100
    assert (await world.owner.post(f"{AI}/{project}/index-project/")).json()["unchanged"] == 3
    assert (await world.owner.post(f"{AI}/{project}/index-project/", json={"batch_size": 0})).status_code == 400

    issue = world.issues["APP-2"]["id"]
    current = await world.member.post(f"{AI}/index-issue/", json={"issue_id": issue})
    assert current.status_code == 200, current.text
    assert current.json() | {"message": ""} == {
        "success": True,
        "status": "unchanged",
        "message": "",
        "issue_id": issue,
    }
    forced = await world.member.post(f"{AI}/index-issue/", json={"issue_id": issue, "force_reindex": True})
    assert forced.json()["status"] == "indexed"
    assert (await world.owner.post(f"{AI}/{issue}/index-issue/", json={})).json()["status"] == "unchanged"
    missing = await world.owner.post(f"{AI}/index-issue/", json={"force_reindex": True})
    assert missing.status_code == 400
    assert missing.json()["issue_id"] == ["This field is required."]


async def test_a_change_of_embedding_reindexes_at_start_up(aiclient, app_factory, db, monkeypatch):
    """Issues indexed with the local embedding are re-embedded by the endpoint once the server restarts with an
    AI_API_KEY (the start-up catch-up), and search keeps working; with AI_INDEX_ON_STARTUP=false nothing happens."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)

    async def embeddings() -> set[str]:
        async with db() as session:
            return set(await session.scalars(select(IssueVector.embedding)))

    assert await embeddings() == {"local-hash-v1-1024"}
    fake = FakeOpenAI()
    fake.thread.start()
    try:
        monkeypatch.setenv("AI_API_KEY", "sk-test-key")
        monkeypatch.setenv("AI_BASE_URL", fake.base_url)
        monkeypatch.setenv("AI_INDEX_ON_STARTUP", "false")
        get_ai_settings.cache_clear()
        async with AsyncTestClient(app=app_factory(available={"ai": ai_plugin}, **jobs_overrides())):
            await asyncio.sleep(0.3)
        assert fake.calls("embeddings") == []
        assert await embeddings() == {"local-hash-v1-1024"}

        monkeypatch.delenv("AI_INDEX_ON_STARTUP")
        get_ai_settings.cache_clear()
        async with AsyncTestClient(app=app_factory(available={"ai": ai_plugin}, **jobs_overrides())) as raw:

            async def switched() -> bool:
                return await embeddings() == {"api:text-embedding-3-small"}

            await eventually(switched)
            owner = ApiClient(raw, world.owner.token)
            assert (await _search_keys(owner, world.projects["APP"]["id"], "sign-in error"))[0] == "APP-1"
        assert len(await indexed_ids(db)) == 7
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        get_ai_settings.cache_clear()
