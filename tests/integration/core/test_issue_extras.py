"""Comments, links and attachments of an issue (local storage, and S3 through a real S3 server on loopback)."""

from __future__ import annotations

import socket

import pytest
from litestar.testing import AsyncTestClient

from core.hookspecs import hookimpl
from tests.helpers import ApiClient
from tests.integration.core.test_issues import add_workspace_member, create_issue, setup_project

pytestmark = pytest.mark.anyio


class CommentCatcher:
    """Receives comment events, as the notifications plugin would (for @mentions)."""

    def __init__(self) -> None:
        self.events: list[object] = []

    @hookimpl
    def on_comment_added(self, event):
        self.events.append(event)


async def test_comments_add_edit_delete_with_authorship(app_factory):
    """Members comment; only the author edits (marked edited); author or admin deletes; the hook gets the text."""
    catcher = CommentCatcher()
    async with AsyncTestClient(app=app_factory(available={"catcher": catcher})) as raw:
        client = ApiClient(raw)
        owner, _, org, ws, project, _ = await setup_project(client)
        member, _ = await add_workspace_member(client, owner, org, ws)
        issue = await create_issue(owner, project)
        url = f"/api/v1/projects/issues/{issue['id']}/comments/"
        mine = await member.post(url, json={"content": "Looks good @someone"})
        assert mine.status_code == 201, mine.text
        comment = mine.json()
        assert (await member.post(url, json={"content": "   "})).status_code == 400
        assert (await owner.patch(f"{url}{comment['id']}/", json={"content": "hijack"})).status_code == 404
        edited = await member.patch(f"{url}{comment['id']}/", json={"content": "Looks great"})
        assert edited.json()["is_edited"] is True
        listed = (await owner.get(url)).json()
        assert [c["content"] for c in listed["results"]] == ["Looks great"]
        assert (await owner.get(f"/api/v1/projects/issues/{issue['id']}/")).json()["comment_count"] == 1
        assert (await owner.delete(f"{url}{comment['id']}/")).status_code == 204  # project admin may
    assert [event.content for event in catcher.events] == ["Looks good @someone"]


async def test_links_are_reciprocal_and_refuse_self_and_duplicates(client):
    """Linking A blocks B shows "blocked_by A" on B; self-links and duplicates are refused; delete removes both."""
    owner, _, _, _, project, _ = await setup_project(client)
    a = await create_issue(owner, project, title="A")
    b = await create_issue(owner, project, title="B")
    url_a = f"/api/v1/projects/issues/{a['id']}/links/"
    made = await owner.post(url_a, json={"target_issue_id": b["id"], "link_type": "blocks"})
    assert made.status_code == 201, made.text
    assert made.json()["target_issue"]["key"] == b["key"]
    on_b = (await owner.get(f"/api/v1/projects/issues/{b['id']}/links/")).json()["results"]
    assert [(link["link_type"], link["target_issue"]["key"]) for link in on_b] == [("blocked_by", a["key"])]
    assert (await owner.post(url_a, json={"target_issue_id": b["id"], "link_type": "blocks"})).status_code == 400
    assert (await owner.post(url_a, json={"target_issue_id": a["id"], "link_type": "relates_to"})).status_code == 400
    assert (await owner.post(url_a, json={"target_issue_id": b["id"], "link_type": "loves"})).status_code == 400
    assert (await owner.delete(f"{url_a}{made.json()['id']}/")).status_code == 204
    assert (await owner.get(f"/api/v1/projects/issues/{b['id']}/links/")).json()["count"] == 0


def _upload(name: str, data: bytes, content_type: str = "text/plain"):
    return {"file": (name, data, content_type)}


async def _attachment_roundtrip(owner, project):
    issue = await create_issue(owner, project)
    url = f"/api/v1/projects/issues/{issue['id']}/attachments/"
    made = await owner.post(url, files=_upload("../../etc/passwd notes.txt", b"hello attachment"))
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["filename"] == "passwd notes.txt"  # never a path from the client
    assert body["file_size"] == 16
    download = await owner.get(body["file_url"])
    assert download.status_code == 200
    assert download.content == b"hello attachment"
    assert "passwd%20notes.txt" in download.headers["content-disposition"]
    assert (await owner.get(url)).json()["count"] == 1
    return issue, body


async def test_attachments_local_storage_and_access(client, app_factory):
    """Upload, list, download and delete; strangers cannot download; over the size limit is a 413."""
    owner, _, _, _, project, _ = await setup_project(client)
    issue, body = await _attachment_roundtrip(owner, project)
    stranger, _ = await client.signed_up()
    assert (await stranger.get(body["file_url"])).status_code == 404
    assert (await owner.delete(f"/api/v1/projects/issues/{issue['id']}/attachments/{body['id']}/")).status_code == 204
    assert (await owner.get(body["file_url"])).status_code == 404
    small = app_factory(attachment_max_mb=1)
    async with AsyncTestClient(app=small) as raw:
        small_owner, _, _, _, small_project, _ = await setup_project(ApiClient(raw), key="tiny")
        tiny_issue = await create_issue(small_owner, small_project)
        too_big = await small_owner.post(
            f"/api/v1/projects/issues/{tiny_issue['id']}/attachments/",
            files=_upload("big.bin", b"x" * (1024 * 1024 + 10)),
        )
        assert too_big.status_code == 413


@pytest.fixture(name="s3_server")
def fx_s3_server():
    """A real S3-compatible HTTP server (moto) on loopback, with a bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    ).create_bucket(Bucket="scrum-attachments")
    yield endpoint
    server.stop()


async def test_attachments_in_s3(app_factory, s3_server, monkeypatch):
    """With S3_BUCKET set, attachment bytes go to the bucket (read back through the API, deleted with it)."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    app = app_factory(s3_bucket="scrum-attachments", s3_endpoint_url=s3_server, s3_region="us-east-1", s3_prefix="t")
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    async with AsyncTestClient(app=app) as raw:
        owner, _, _, _, project, _ = await setup_project(ApiClient(raw), key="sss")
        issue, body = await _attachment_roundtrip(owner, project)
        keys = [obj["Key"] for obj in s3.list_objects_v2(Bucket="scrum-attachments").get("Contents", [])]
        assert len(keys) == 1
        assert keys[0].startswith(f"t/attachments/{issue['id']}/")
        assert (
            await owner.delete(f"/api/v1/projects/issues/{issue['id']}/attachments/{body['id']}/")
        ).status_code == 204
    assert s3.list_objects_v2(Bucket="scrum-attachments").get("KeyCount", 0) == 0
