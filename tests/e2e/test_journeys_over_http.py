"""The web client's journeys 1-3, 4 (without the board), 6 and 9 over real HTTP against a running server.

Same server set-up as the auth module: a real ``uvicorn`` process on a migrated throwaway database, SQLite always
and PostgreSQL when ``SCRUM_TEST_DATABASE_URL`` points at one.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.test_auth_over_http import (  # noqa: F401  (fixtures are used by name)
    Server,
    _bearer,
    _login,
    _register,
    fx_database,
    fx_http,
    fx_server,
)

pytestmark = [pytest.mark.e2e]


class Browser:
    """What the web client does: a bearer token on every call, JSON in and out."""

    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.headers = _bearer(token)

    def call(self, method: str, url: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, url, headers=self.headers, **kwargs)
        assert response.status_code == expect, f"{method} {url}: {response.status_code} {response.text}"
        return response.json() if response.content else None


def _sign_up(http: httpx.Client, server: Server) -> tuple[Browser, dict[str, Any]]:
    user = _register(http, server)
    login = _login(http, user["email"])
    return Browser(http, login["access"]), login


def test_journeys_dashboard_org_workspace_project_issues_activity(http, server):
    """Register -> dashboard -> organization -> workspace (+ member) -> project -> issues -> activity, all over HTTP."""
    owner, owner_login = _sign_up(http, server)
    # Journey 1: the dashboard's calls all answer (empty for a newcomer).
    assert owner.call("GET", "/api/v1/orgs/organizations/")["count"] == 0
    assert owner.call("GET", "/api/v1/workspaces/")["count"] == 0
    assert owner.call("GET", "/api/v1/projects/projects/?page=1&ordering=-created_at")["count"] == 0
    assert owner.call("GET", "/api/v1/reporting/activity?&page=1&page_size=5&ordering=-created_at")["count"] == 0
    # Journey 2: organization -> workspace with ?organization= -> add an organization member to it.
    org = owner.call("POST", "/api/v1/orgs/organizations/", 201, json={"name": "Journey Org", "slug": ""})
    mate, mate_login = _sign_up(http, server)
    invited = owner.call(
        "POST", "/api/v1/orgs/invitations/", 201, json={"organization": org["id"], "email": mate_login["user"]["email"]}
    )
    mate.call("POST", f"/api/v1/orgs/invitations/{invited['invitation']['token']}/accept/", json={})
    ws = owner.call(
        "POST",
        "/api/v1/workspaces/",
        201,
        json={"name": "Journey WS", "slug": "", "organization": org["id"], "visibility": "private", "is_active": True},
    )
    assert owner.call("GET", f"/api/v1/workspaces/{ws['id']}/")["organization_details"]["name"] == "Journey Org"
    owner.call(
        "POST",
        "/api/v1/workspaces/members/",
        201,
        json={"workspace": ws["id"], "user_id": str(mate_login["user"]["id"]), "role": "member"},
    )
    members = owner.call("GET", f"/api/v1/workspaces/members/?workspace={ws['id']}")
    assert members["count"] == 2
    # Journey 3: create a project with an empty slug and a lowercase key; its page loads.
    project = owner.call(
        "POST",
        "/api/v1/projects/projects/",
        201,
        json={"name": "Journey Project", "slug": "", "key": "journey-p", "workspace": ws["id"], "methodology": "scrum"},
    )
    assert project["workspace"] == ws["id"]
    assert owner.call("GET", f"/api/v1/projects/projects/{project['id']}/")["key"] == project["key"]
    assert owner.call("GET", f"/api/v1/projects/configs/{project['id']}/")["sprint_duration"] == 2
    types = owner.call("GET", f"/api/v1/projects/issue-types/?project={project['id']}")["results"]
    statuses = {
        st["name"]: st
        for st in owner.call("GET", f"/api/v1/projects/workflow-statuses/?project={project['id']}")["results"]
    }
    assert len(types) == 6
    assert set(statuses) == {"To Do", "In Progress", "Done"}
    # Journey 6: the issues tab creates a P3 "Task", then the detail modal edits status, assignee and points.
    issue = owner.call(
        "POST",
        "/api/v1/projects/issues/",
        201,
        json={
            "project": project["id"],
            "issue_type": "Task",
            "title": "Journey issue",
            "description": "",
            "priority": "P3",
        },
    )
    assert issue["status"]["id"] == statuses["To Do"]["id"]
    edited = owner.call(
        "PATCH",
        f"/api/v1/projects/issues/{issue['id']}/",
        json={
            "status": statuses["In Progress"]["id"],
            "assignee": mate_login["user"]["user_uuid"],
            "story_points": 5,
        },
    )
    assert edited["assignee"]["id"] == mate_login["user"]["id"]
    listed = owner.call("GET", f"/api/v1/projects/issues?&project={project['id']}")
    assert listed["results"][0]["status"]["name"] == "In Progress"
    assert listed["results"][0]["story_points"] == 5
    # The teammate sees it too (a workspace member), a stranger does not.
    assert mate.call("GET", f"/api/v1/projects/issues/{issue['id']}/")["key"] == issue["key"]
    stranger, _ = _sign_up(http, server)
    stranger.call("GET", f"/api/v1/projects/issues/{issue['id']}/", 404)
    # Journey 9: the activity tab shows what happened, newest first.
    activity = owner.call("GET", f"/api/v1/reporting/activity?&project={project['id']}&page=1&page_size=20")
    kinds = [entry["action_type"] for entry in activity["results"] if entry["object_type"] == "issue"]
    assert kinds[:3] == ["transitioned", "assigned", "updated"] or kinds[:3] == ["transitioned", "updated", "assigned"]
    assert "created" in kinds


def _project_of(owner: Browser, tag: str) -> tuple[dict[str, Any], dict[str, Any]]:
    org = owner.call("POST", "/api/v1/orgs/organizations/", 201, json={"name": f"Org {tag}"})
    ws = owner.call("POST", "/api/v1/workspaces/", 201, json={"organization": org["id"], "name": f"WS {tag}"})
    project = owner.call(
        "POST", "/api/v1/projects/projects/", 201, json={"name": f"Project {tag}", "key": tag, "workspace": ws["id"]}
    )
    statuses = owner.call("GET", f"/api/v1/projects/workflow-statuses/?project={project['id']}")["results"]
    return project, {st["name"]: st for st in statuses}


def test_journey_4_board_create_issue_in_column_move_and_reload(http, server):
    """Journey 4: a kanban board gets a column per status; an issue created in a column moves and stays moved."""
    owner, _ = _sign_up(http, server)
    project, _ = _project_of(owner, "brd")
    board = owner.call(
        "POST",
        "/api/v1/projects/boards/",
        201,
        json={"project": project["id"], "name": "Team board", "description": "", "board_type": "kanban"},
    )
    columns = {
        column["name"]: column for column in owner.call("GET", f"/api/v1/projects/boards/{board['id']}/")["columns"]
    }
    assert list(columns) == ["To Do", "In Progress", "Done"]
    issue = owner.call(
        "POST",
        "/api/v1/projects/issues/",
        201,
        json={
            "project": project["id"],
            "issue_type": owner.call("GET", f"/api/v1/projects/issue-types/?project={project['id']}")["results"][0][
                "id"
            ],
            "title": "Card",
        },
    )
    assert issue["status"]["id"] == columns["To Do"]["workflow_status"]["id"]
    owner.call(
        "PATCH",
        f"/api/v1/projects/boards/{board['id']}/issues/{issue['id']}/move/",
        json={"column_id": columns["In Progress"]["id"]},
    )
    reloaded = owner.call("GET", f"/api/v1/projects/issues?&project={project['id']}")["results"]
    assert reloaded[0]["status"]["id"] == columns["In Progress"]["workflow_status"]["id"]


def test_journey_7_sprint_plan_start_board_complete(http, server):
    """Journey 7: create a sprint, add backlog issues, start it, the scrum board lists them, complete it."""
    owner, _ = _sign_up(http, server)
    project, statuses = _project_of(owner, "spr")
    issues = [
        owner.call(
            "POST",
            "/api/v1/projects/issues/",
            201,
            json={"project": project["id"], "title": f"Story {n}", "story_points": 3},
        )
        for n in range(3)
    ]
    sprint = owner.call(
        "POST",
        "/api/v1/projects/sprints/",
        201,
        json={
            "project": project["id"],
            "name": "Sprint 1",
            "start_date": "2026-11-23",
            "end_date": "2026-12-04",
            "goal": "Ship",
        },
    )
    assert sprint["project"]["id"] == project["id"]
    for issue in issues:
        owner.call("POST", f"/api/v1/projects/sprints/{sprint['id']}/issues/", json={"issue_id": issue["id"]})
    started = owner.call("POST", f"/api/v1/projects/sprints/{sprint['id']}/start/", json={})
    assert started["status"] == "active"
    assert started["committed_points"] == 9
    on_board = owner.call("GET", f"/api/v1/projects/issues?&project={project['id']}&sprint={sprint['id']}")
    assert on_board["count"] == 3
    first = issues[0]["id"]
    owner.call(
        "PATCH", f"/api/v1/projects/issues/{first}/transition/", json={"transition": statuses["In Progress"]["id"]}
    )
    owner.call("PATCH", f"/api/v1/projects/issues/{first}/transition/", json={"transition": statuses["Done"]["id"]})
    completed = owner.call("POST", f"/api/v1/projects/sprints/{sprint['id']}/complete/", json={})
    assert completed["status"] == "completed"
    assert completed["completed_points"] == 3
    backlog = owner.call("GET", f"/api/v1/projects/issues?&project={project['id']}&sprint=null")
    assert backlog["count"] == 2  # the unfinished ones went back to the backlog
    burndown = owner.call("GET", f"/api/v1/projects/sprints/{sprint['id']}/burndown/")
    assert burndown["ideal_line"]
