"""Boards: columns from the workflow, placeholder column ids, moves (workflow, WIP, rank), access, live frames."""

from __future__ import annotations

import time
import uuid

import pytest
from litestar.exceptions import WebSocketDisconnect
from sqlalchemy import select

from core.boards import realtime
from core.db import models as m
from core.realtime import Realtime
from tests.conftest import TEST_REDIS_URL
from tests.integration.core.test_issues import add_workspace_member, create_issue, setup_project

pytestmark = pytest.mark.anyio

BOARDS = "/api/v1/projects/boards"
FRAME_TIMEOUT = 5.0


async def make_board(client, project, **fields):
    body = {"project": project["id"], "name": "Team board", "description": "", "board_type": "kanban"}
    body.update(fields)
    response = await client.post(f"{BOARDS}/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def columns_by_name(board):
    return {column["name"]: column for column in board["columns"]}


async def join_project(client, db, org, project, role):
    """A new user in the organization with ``role`` on the project only."""
    user, login = await client.signed_up()
    async with db() as session:
        session.add(m.OrgMember(organization_id=uuid.UUID(org["id"]), user_id=login["user"]["id"], role="member"))
        session.add(m.ProjectMember(project_id=uuid.UUID(project["id"]), user_id=login["user"]["id"], role=role))
        await session.commit()
    return user, login


async def test_journey_4_create_board_add_issue_in_a_column_and_move_it(client):
    """Journey 4: a kanban board gets one column per status; an issue created in a column moves to another."""
    owner, _, _, _, project, statuses = await setup_project(client)
    board = await make_board(owner, project)
    assert board["id"] and board["project"] == {"id": project["id"], "name": project["name"], "key": "DEMO"}
    assert [c["name"] for c in board["columns"]] == ["To Do", "In Progress", "Done"]
    assert [c["order"] for c in board["columns"]] == [0, 1, 2]
    assert [c["workflow_status"]["id"] for c in board["columns"]] == [
        statuses[n]["id"] for n in ("To Do", "In Progress", "Done")
    ]
    assert board["columns"][0]["workflow_status"]["category"] == "to_do"
    assert board["column_count"] == 3 and board["issue_count"] == 0
    columns = columns_by_name(board)
    created = await owner.post(
        f"{BOARDS}/{board['id']}/issues/",
        json={"title": "Card", "issue_type": "task", "column_id": columns["To Do"]["id"]},
    )
    assert created.status_code == 201, created.text
    issue = created.json()
    assert issue["status"]["id"] == columns["To Do"]["workflow_status"]["id"]
    assert issue["project"]["id"] == project["id"]
    moved = await owner.patch(
        f"{BOARDS}/{board['id']}/issues/{issue['id']}/move/", json={"column_id": columns["In Progress"]["id"]}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"]["name"] == "In Progress"
    reloaded = (await owner.get(f"/api/v1/projects/issues/{issue['id']}/")).json()
    assert reloaded["status"]["id"] == columns["In Progress"]["workflow_status"]["id"]
    detail = (await owner.get(f"{BOARDS}/{board['id']}/")).json()
    assert [c["issue_count"] for c in detail["columns"]] == [0, 1, 0]
    assert detail["issue_count"] == 1
    listed = (await owner.get(f"{BOARDS}/?project={project['id']}")).json()
    assert listed["count"] == 1
    assert listed["results"][0]["column_count"] == 3 and listed["results"][0]["issue_count"] == 1
    assert (await owner.get(f"{BOARDS}/?board_type=scrum")).json()["count"] == 0
    assert (await owner.get(f"{BOARDS}/?search=team")).json()["count"] == 1
    assert (await owner.get(f"{BOARDS}/?board_type=wall")).status_code == 400
    plain = (await owner.get(f"{BOARDS}/{board['id']}/columns/")).json()
    assert [c["name"] for c in plain] == ["To Do", "In Progress", "Done"]


async def test_placeholder_column_ids_map_to_statuses(client):
    """The client's "to-do"/"in-progress"/"in-review"/"done" ids map to statuses; unknown ones are a clear 400."""
    owner, _, _, _, project, statuses = await setup_project(client)
    board = await make_board(owner, project)
    columns_url = f"{BOARDS}/{board['id']}/columns/"
    duplicate = await owner.post(columns_url, json={"name": "Doing", "workflow_status_id": "in-progress"})
    assert duplicate.status_code == 400
    assert "already shows In Progress" in duplicate.json()["workflow_status_id"][0]
    review = await owner.post(columns_url, json={"name": "Review", "workflow_status_id": "in-review"})
    assert review.status_code == 400
    message = review.json()["workflow_status_id"][0]
    assert statuses["Done"]["id"] in message and "to-do, in-progress, done" in message
    in_progress = columns_by_name(board)["In Progress"]
    assert (await owner.delete(f"{columns_url}{in_progress['id']}/")).status_code == 204
    again = await owner.post(
        columns_url, json={"name": "Doing", "workflow_status_id": "in-progress", "min_wip": None, "max_wip": 3}
    )
    assert again.status_code == 201, again.text
    assert again.json()["workflow_status"]["id"] == statuses["In Progress"]["id"]
    assert again.json()["order"] == 3 and again.json()["max_wip"] == 3
    made = await owner.post(
        "/api/v1/projects/workflow-statuses/",
        json={"project": project["id"], "name": "In Review", "category": "in_progress"},
    )
    assert made.status_code == 201, made.text
    placed = await owner.post(columns_url, json={"name": "Review", "workflow_status_id": "in-review", "order": 1})
    assert placed.status_code == 201, placed.text
    assert placed.json()["workflow_status"]["id"] == made.json()["id"]
    names = [c["name"] for c in (await owner.get(columns_url)).json()]
    assert names == ["To Do", "Review", "Done", "Doing"]
    by_uuid = await owner.post(columns_url, json={"workflow_status_id": str(uuid.uuid4())})
    assert by_uuid.status_code == 400
    bad_wip = await owner.patch(f"{columns_url}{placed.json()['id']}/", json={"min_wip": 5, "max_wip": 2})
    assert bad_wip.status_code == 400 and "min_wip" in bad_wip.json()
    negative = await owner.patch(f"{columns_url}{placed.json()['id']}/", json={"max_wip": -1})
    assert negative.status_code == 400
    renamed = await owner.patch(f"{columns_url}{placed.json()['id']}/", json={"name": "QA", "order": 0, "max_wip": 4})
    assert renamed.status_code == 200 and renamed.json()["name"] == "QA" and renamed.json()["order"] == 0
    assert [c["name"] for c in (await owner.get(columns_url)).json()] == ["QA", "To Do", "Done", "Doing"]


async def test_forbidden_move_names_the_allowed_columns(client):
    """A move the workflow forbids is a 400 naming the columns of this board the issue may go to."""
    owner, _, _, _, project, _ = await setup_project(client)
    board = await make_board(owner, project)
    columns = columns_by_name(board)
    issue = await create_issue(owner, project)
    url = f"{BOARDS}/{board['id']}/issues/{issue['id']}/move/"
    forbidden = await owner.patch(url, json={"column_id": columns["Done"]["id"]})
    assert forbidden.status_code == 400
    assert forbidden.json()["column_id"] == ["An issue in To Do cannot move to Done. Allowed columns: In Progress."]
    other_board = await make_board(owner, project, name="Other")
    foreign_column = await owner.patch(url, json={"column_id": other_board["columns"][1]["id"]})
    assert foreign_column.status_code == 400
    assert (await owner.get(f"/api/v1/projects/issues/{issue['id']}/")).json()["status"]["name"] == "To Do"


async def test_wip_limit_refuses_then_a_forced_move_is_logged(client, db):
    """A full column answers 409; ``force: true`` moves anyway and the override is kept in the activity row."""
    owner, _, _, _, project, _ = await setup_project(client)
    board = await make_board(owner, project)
    columns = columns_by_name(board)
    doing = columns["In Progress"]
    limited = await owner.patch(f"{BOARDS}/{board['id']}/columns/{doing['id']}/", json={"max_wip": 1})
    assert limited.status_code == 200 and limited.json()["max_wip"] == 1
    first, second = await create_issue(owner, project), await create_issue(owner, project)
    move = f"{BOARDS}/{board['id']}/issues/{{}}/move/"
    assert (await owner.patch(move.format(first["id"]), json={"column_id": doing["id"]})).status_code == 200
    full = await owner.patch(move.format(second["id"]), json={"column_id": doing["id"]})
    assert full.status_code == 409
    assert "WIP limit" in full.json()["detail"]
    forced = await owner.patch(move.format(second["id"]), json={"column_id": doing["id"], "force": True})
    assert forced.status_code == 200 and forced.json()["status"]["name"] == "In Progress"
    async with db() as session:
        rows = (
            await session.scalars(
                select(m.Activity).where(m.Activity.object_id == second["id"], m.Activity.action_type == "transitioned")
            )
        ).all()
    assert len(rows) == 1
    assert rows[0].changes["wip_override"] == {
        "column": doing["id"],
        "column_name": "In Progress",
        "max_wip": 1,
        "count": 2,
    }
    assert rows[0].changes["status"]["new"] == doing["workflow_status"]["id"]
    assert rows[0].changes["board"] == board["id"]


async def test_rank_orders_issues_within_a_column(client):
    """A move without ``rank`` goes after the column's last issue; with ``rank`` it takes that place."""
    owner, _, _, _, project, _ = await setup_project(client)
    board = await make_board(owner, project)
    columns = columns_by_name(board)
    issues = [await create_issue(owner, project, title=f"Card {n}") for n in range(3)]
    move = f"{BOARDS}/{board['id']}/issues/{{}}/move/"
    for issue in issues:
        response = await owner.patch(move.format(issue["id"]), json={"column_id": columns["In Progress"]["id"]})
        assert response.status_code == 200
    ranks = [(await owner.get(f"/api/v1/projects/issues/{issue['id']}/")).json()["rank"] for issue in issues]
    assert ranks == sorted(ranks) and len(set(ranks)) == 3
    top = await owner.patch(move.format(issues[2]["id"]), json={"column_id": columns["In Progress"]["id"], "rank": 0.5})
    assert top.status_code == 200 and top.json()["rank"] == 0.5
    listed = (
        await owner.get(f"{BOARDS}/{board['id']}/issues/?status={columns['In Progress']['workflow_status']['id']}")
    ).json()
    assert [item["title"] for item in listed["results"]] == ["Card 2", "Card 0", "Card 1"]


async def test_board_issues_take_the_issue_list_filters(client):
    """The board's issue list filters by assignee, priority, type, search and sprint, and only shows its project."""
    owner, _, org, ws, project, _ = await setup_project(client)
    _, member = await add_workspace_member(client, owner, org, ws)
    board = await make_board(owner, project)
    urgent = await create_issue(owner, project, title="Urgent login bug", priority="P1", issue_type="Bug")
    await create_issue(owner, project, title="Later polish", priority="P4", assignee=member["user"]["user_uuid"])
    other = await setup_project(client, key="other")
    await create_issue(other[0], other[4], title="Urgent elsewhere", priority="P1")
    url = f"{BOARDS}/{board['id']}/issues/"

    async def titles(query=""):
        response = await owner.get(f"{url}?{query}")
        assert response.status_code == 200, response.text
        return sorted(item["title"] for item in response.json()["results"])

    assert await titles() == ["Later polish", "Urgent login bug"]
    assert await titles("priority=P1") == ["Urgent login bug"]
    assert await titles(f"assignee={member['user']['user_uuid']}") == ["Later polish"]
    assert await titles(f"issue_type={urgent['issue_type']['id']}") == ["Urgent login bug"]
    assert await titles("search=login") == ["Urgent login bug"]
    assert await titles("sprint=null") == ["Later polish", "Urgent login bug"]
    assert await titles(f"sprint={uuid.uuid4()}") == []
    assert (await owner.get(f"{url}?priority=P9")).status_code == 400
    narrowed = await owner.patch(f"{BOARDS}/{board['id']}/", json={"saved_filter": {"priority": ["p1"]}})
    assert narrowed.status_code == 200 and narrowed.json()["saved_filter"] == {"priority": ["P1"]}
    assert await titles() == ["Urgent login bug"]
    bad_filter = await owner.patch(f"{BOARDS}/{board['id']}/", json={"saved_filter": {"colour": ["red"]}})
    assert bad_filter.status_code == 400


async def test_access_strangers_viewers_and_the_board_creator(client, db):
    """Strangers get 404; a viewer reads but cannot move or add columns; only the creator or an admin edits."""
    owner, _, org, ws, project, _ = await setup_project(client)
    board = await make_board(owner, project)
    columns = columns_by_name(board)
    issue = await create_issue(owner, project)
    stranger, _ = await client.signed_up()
    assert (await stranger.get(f"{BOARDS}/{board['id']}/")).status_code == 404
    assert (await stranger.get(f"{BOARDS}/?project={project['id']}")).json()["count"] == 0
    assert (await stranger.get(f"{BOARDS}/{board['id']}/issues/")).status_code == 404
    move = f"{BOARDS}/{board['id']}/issues/{issue['id']}/move/"
    assert (await stranger.patch(move, json={"column_id": columns["In Progress"]["id"]})).status_code == 404
    assert (await stranger.post(f"{BOARDS}/", json={"project": project["id"], "name": "x"})).status_code == 404
    viewer, _ = await join_project(client, db, org, project, "viewer")
    assert (await viewer.get(f"{BOARDS}/{board['id']}/")).status_code == 200
    assert (await viewer.get(f"{BOARDS}/{board['id']}/issues/")).json()["count"] == 1
    refused = await viewer.patch(move, json={"column_id": columns["In Progress"]["id"]})
    assert refused.status_code == 404
    column = await viewer.post(f"{BOARDS}/{board['id']}/columns/", json={"workflow_status_id": "done"})
    assert column.status_code == 404
    assert (await viewer.post(f"{BOARDS}/", json={"project": project["id"], "name": "x"})).status_code == 404
    member, _ = await add_workspace_member(client, owner, org, ws)
    own = await make_board(member, project, name="Mine")
    assert (await member.patch(f"{BOARDS}/{own['id']}/", json={"name": "Still mine"})).status_code == 200
    not_theirs = await member.patch(f"{BOARDS}/{board['id']}/", json={"name": "Taken"})
    assert not_theirs.status_code == 404 and "creator" in not_theirs.json()["detail"]
    assert (await member.delete(f"{BOARDS}/{board['id']}/")).status_code == 404
    assert (await member.patch(move, json={"column_id": columns["In Progress"]["id"]})).status_code == 200
    assert (await owner.put(f"{BOARDS}/{own['id']}/", json={"board_type": "scrum"})).json()["board_type"] == "scrum"
    assert (await member.delete(f"{BOARDS}/{own['id']}/")).status_code == 204
    assert (await owner.get(f"{BOARDS}/{own['id']}/")).status_code == 404
    other_board_issue = await owner.patch(
        f"{BOARDS}/{board['id']}/issues/{uuid.uuid4()}/move/", json={"column_id": columns["Done"]["id"]}
    )
    assert other_board_issue.status_code == 404


# --- the live channel ---------------------------------------------------------------------------------------


def next_frame(ws, kind, timeout=FRAME_TIMEOUT):
    """The next frame of type ``kind``, skipping pings and presence frames (bounded in time)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"no {kind} frame within {timeout} s")
        frame = ws.receive_json(timeout=remaining)
        assert set(frame) == {"type", "data"} or frame == {"type": "ping"}, frame
        if frame["type"] == kind:
            return frame["data"]
        if frame["type"] not in ("ping", "user.joined", "user.left"):
            pytest.fail(f"expected {kind}, got {frame}")


async def open_socket(client, board_id, token):
    session = await client.raw.websocket_connect(f"/ws/boards/{board_id}/?token={token}")
    return session


async def test_socket_receives_issue_and_column_frames(client):
    """A board socket hears issue.created/moved/updated/deleted and column frames, with ``user.id`` as a string."""
    owner, login, _, _, project, _ = await setup_project(client)
    board = await make_board(owner, project)
    columns = columns_by_name(board)
    me = {"id": str(login["user"]["id"]), "name": f"{login['user']['first_name']} {login['user']['last_name']}"}
    with await open_socket(client, board["id"], login["access"]) as ws:
        joined = next_frame(ws, "user.joined")
        assert joined == {"user_id": me["id"], "user_name": me["name"]}
        created = await owner.post(
            f"{BOARDS}/{board['id']}/issues/", json={"title": "Live", "column_id": columns["To Do"]["id"]}
        )
        data = next_frame(ws, "issue.created")
        assert data["user"] == me
        assert (
            data["issue"]["id"] == created.json()["id"]
            and data["issue"]["status"]["id"] == columns["To Do"]["workflow_status"]["id"]
        )
        assert data["timestamp"]
        issue_id = created.json()["id"]
        refused = await owner.patch(
            f"{BOARDS}/{board['id']}/issues/{issue_id}/move/", json={"column_id": columns["Done"]["id"]}
        )
        assert refused.status_code == 400  # rolled back: no frame
        await owner.patch(
            f"{BOARDS}/{board['id']}/issues/{issue_id}/move/", json={"column_id": columns["In Progress"]["id"]}
        )
        moved = next_frame(ws, "issue.moved")
        assert moved["from_status"] == columns["To Do"]["workflow_status"]["id"]
        assert moved["to_status"] == columns["In Progress"]["workflow_status"]["id"]
        assert moved["issue"]["status"]["id"] == moved["to_status"] and moved["user"]["id"] == me["id"]
        await owner.patch(f"/api/v1/projects/issues/{issue_id}/", json={"title": "Renamed", "story_points": 3})
        updated = next_frame(ws, "issue.updated")
        assert sorted(updated["fields_changed"]) == ["story_points", "title"]
        assert updated["issue"]["title"] == "Renamed"
        await owner.patch(
            f"/api/v1/projects/issues/{issue_id}/transition/",
            json={"transition": columns["Done"]["workflow_status"]["id"]},
        )
        assert next_frame(ws, "issue.moved")["to_status"] == columns["Done"]["workflow_status"]["id"]
        column = await owner.patch(f"{BOARDS}/{board['id']}/columns/{columns['Done']['id']}/", json={"max_wip": 9})
        assert next_frame(ws, "column.updated")["column"] == column.json()
        assert (await owner.delete(f"{BOARDS}/{board['id']}/columns/{columns['Done']['id']}/")).status_code == 204
        deleted_column = next_frame(ws, "column.deleted")
        assert deleted_column["column_id"] == columns["Done"]["id"] and deleted_column["column_name"] == "Done"
        added = await owner.post(
            f"{BOARDS}/{board['id']}/columns/", json={"name": "Finished", "workflow_status_id": "done"}
        )
        assert next_frame(ws, "column.created")["column"]["id"] == added.json()["id"]
        await owner.delete(f"/api/v1/projects/issues/{issue_id}/")
        gone = next_frame(ws, "issue.deleted")
        assert gone["issue_id"] == issue_id and gone["issue_key"] == "DEMO-1" and gone["user"]["id"] == me["id"]


async def test_socket_sends_pings_to_a_silent_client(client, monkeypatch):
    """A client that never sends anything still gets a ping frame now and then."""
    monkeypatch.setattr(Realtime, "ping_interval", 0.05)
    owner, login, _, _, project, _ = await setup_project(client)
    board = await make_board(owner, project)
    with await open_socket(client, board["id"], login["access"]) as ws:
        deadline = time.monotonic() + FRAME_TIMEOUT
        while ws.receive_json(timeout=max(0.01, deadline - time.monotonic()))["type"] != "ping":
            pass


async def test_socket_refusals_close_with_4001_and_4004(client):
    """A bad or missing token closes with 4001; another tenant's board, or none, closes with 4004."""
    owner, login, _, _, project, _ = await setup_project(client)
    board = await make_board(owner, project)
    _, stranger = await client.signed_up()
    for url, code in (
        (f"/ws/boards/{board['id']}/?token=not-a-jwt", realtime.CLOSE_BAD_TOKEN),
        (f"/ws/boards/{board['id']}", realtime.CLOSE_BAD_TOKEN),
        (f"/ws/boards/{board['id']}/?token={login['refresh']}", realtime.CLOSE_BAD_TOKEN),
        (f"/ws/boards/{board['id']}/?token={stranger['access']}", realtime.CLOSE_NOT_FOUND),
        (f"/ws/boards/{uuid.uuid4()}?token={login['access']}", realtime.CLOSE_NOT_FOUND),
    ):
        with await client.raw.websocket_connect(url) as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json(timeout=FRAME_TIMEOUT)
            assert closed.value.code == code, url


@pytest.mark.skipif(not TEST_REDIS_URL, reason="the Redis channel backend needs SCRUM_TEST_REDIS_URL")
async def test_a_failed_redis_publish_drops_one_frame_not_the_channel(client, monkeypatch):
    """If Redis refuses one publish, that frame is lost but the next change still reaches the board."""
    from litestar.channels.backends.redis import RedisChannelsPubSubBackend

    owner, login, _, _, project, _ = await setup_project(client)
    board = await make_board(owner, project)
    original = RedisChannelsPubSubBackend.publish
    failures = []

    async def flaky(self, data, channels):
        if b"issue.created" in data and not failures:
            failures.append(data)
            raise ConnectionError("Redis went away")
        await original(self, data, channels)

    monkeypatch.setattr(RedisChannelsPubSubBackend, "publish", flaky)
    with await open_socket(client, board["id"], login["access"]) as ws:
        next_frame(ws, "user.joined")
        await create_issue(owner, project, title="Lost")
        await create_issue(owner, project, title="Heard")
        assert next_frame(ws, "issue.created")["issue"]["title"] == "Heard"
    assert len(failures) == 1


async def test_a_column_that_lost_the_race_for_its_status_is_a_409_not_a_duplicate(client, db, monkeypatch):
    """Two requests adding a column for the same status both pass the friendly check at once: the database's
    unique key stops the second, which gets a 409 (not a 500), and the board keeps one column per status."""
    from core.boards.services import BoardService

    owner, _, _, _, project, _ = await setup_project(client)
    board = await make_board(owner, project)
    done = next(c for c in board["columns"] if c["name"] == "Done")
    assert (await owner.delete(f"{BOARDS}/{board['id']}/columns/{done['id']}/")).status_code == 204
    url = f"{BOARDS}/{board['id']}/columns/"
    assert (await owner.post(url, json={"workflow_status_id": "done"})).status_code == 201
    again = await owner.post(url, json={"name": "Done again", "workflow_status_id": "done"})
    assert again.status_code == 400  # the friendly check, naming the column

    async def raced(*_args, **_kwargs):
        return None  # as if the other request had not committed yet when this one checked

    monkeypatch.setattr(BoardService, "_status_free", raced)
    lost = await owner.post(url, json={"name": "Done again", "workflow_status_id": "done"})
    assert lost.status_code == 409, lost.text
    async with db() as session:
        statuses = (
            await session.scalars(
                select(m.BoardColumn.workflow_status_id).where(m.BoardColumn.board_id == uuid.UUID(board["id"]))
            )
        ).all()
    assert len(statuses) == len(set(statuses))
