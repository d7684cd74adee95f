"""Conventions every route shares: slashes, query quirks, pages, multipart sniffing, CORS, OpenAPI, probes."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from core.db import models as m
from core.hookspecs import hookimpl
from core.http.pagination import Page, page_params
from core.http.params import DbSession
from core.http.query import apply_ordering, apply_search
from tests.helpers import ApiClient

pytestmark = pytest.mark.anyio

ITEMS = [{"n": i} for i in range(1, 46)]


@get("/api/v1/demo/items", operation_id="ListDemoItems", tags=["demo"], opt={"exclude_from_auth": True})
async def list_items(request: Request[Any, Any, Any]) -> Page[dict[str, int]]:
    """A paginated list built with the core's page helper."""
    params = page_params(request)
    return params.build(len(ITEMS), ITEMS[params.offset : params.offset + params.limit])


@get("/api/v1/demo/echo", operation_id="EchoQuery", tags=["demo"], opt={"exclude_from_auth": True})
async def echo_query(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Echo the query parameters."""
    return dict(request.query_params)


@post("/api/v1/demo/upload", operation_id="DemoUpload", tags=["demo"], opt={"exclude_from_auth": True})
async def upload(
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> dict[str, Any]:
    """Accept a multipart form with a file."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        result[key] = (
            {"filename": value.filename, "size": len(await value.read())} if isinstance(value, UploadFile) else value
        )
    return result


@get("/api/v1/demo/users", operation_id="ListDemoUsers", tags=["demo"], opt={"exclude_from_auth": True})
async def list_users(request: Request[Any, Any, Any], db_session: DbSession) -> Page[str]:
    """Usernames, with the core's search, ordering and page helpers."""
    params = page_params(request)
    stmt = apply_search(select(m.User), request.query_params.get("search"), [m.User.username, m.User.email])
    stmt = apply_ordering(
        stmt,
        request.query_params.get("ordering"),
        {"username": m.User.username, "date_joined": m.User.date_joined},
        default=[m.User.username.asc()],
        tiebreaker=m.User.id.asc(),
    )
    count = await db_session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = (await db_session.scalars(stmt.offset(params.offset).limit(params.limit))).all()
    return params.build(count or 0, [user.username for user in rows])


class DemoRoutes:
    """Contributes the demo routes."""

    @hookimpl
    def register_routes(self):
        return [list_items, echo_query, upload, list_users]


@pytest.fixture(name="demo")
async def fx_demo(app_factory):
    """A client on an app with the demo routes."""
    async with AsyncTestClient(app=app_factory(available={"demo": DemoRoutes()})) as client:
        yield client


async def test_paths_work_with_and_without_trailing_slash(client):
    """Both ``/path`` and ``/path/`` answer directly (no redirect)."""
    for path in ("/api/v1/auth/me", "/api/v1/auth/me/"):
        response = await client.get(path)
        assert response.status_code == 401  # routed: the auth check answered, not a 404 or 301


async def test_leading_ampersand_in_query_is_accepted(demo):
    """``?&project=x`` (contract X6) reads as ``project=x``."""
    response = await demo.get("/api/v1/demo/echo?&project=abc&&page=2")
    assert response.json() == {"project": "abc", "page": "2"}


async def test_page_shape_links_and_limits(demo):
    """Pages are ``{count, next, previous, results}``; sizes over 100 are capped; bad values are a 400."""
    first = (await demo.get("/api/v1/demo/items?page_size=20")).json()
    assert first["count"] == 45
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert "page=2" in first["next"]
    last = (await demo.get("/api/v1/demo/items?page=3&page_size=20")).json()
    assert [item["n"] for item in last["results"]] == list(range(41, 46))
    assert last["next"] is None
    assert "page=2" in last["previous"]
    default = (await demo.get("/api/v1/demo/items")).json()
    assert len(default["results"]) == 20
    capped = (await demo.get("/api/v1/demo/items?page_size=1000")).json()
    assert len(capped["results"]) == 45
    bad = await demo.get("/api/v1/demo/items?page_size=abc")
    assert bad.status_code == 400
    assert bad.json()["page_size"] == ["A valid integer is required."]
    assert (await demo.get("/api/v1/demo/items?page=0")).status_code == 400


async def test_multipart_sent_with_json_content_type_is_parsed(demo):
    """A FormData body labelled ``application/json`` (contract X3) is read as multipart."""
    boundary = "----WebKitFormBoundaryABC123"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="name"\r\n\r\n'
        "Acme\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="logo"; filename="logo.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
        "PNGDATA\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    response = await demo.post("/api/v1/demo/upload", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    assert response.json() == {"name": "Acme", "logo": {"filename": "logo.png", "size": 7}}


async def test_cors_preflight_allows_the_web_client(client):
    """A preflight from another origin with Authorization and Content-Type is allowed."""
    response = await client.raw.options(
        "/api/v1/auth/login/",
        headers={
            "Origin": "http://localhost:4200",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] in ("*", "http://localhost:4200")
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_openapi_every_operation_has_tag_and_id(client):
    """The schema is served as JSON, Swagger UI and ReDoc; each operation is tagged and has an operation id."""
    schema = (await client.get("/api/schema/openapi.json")).json()
    operations = [op for item in schema["paths"].values() for op in item.values() if isinstance(op, dict)]
    assert operations
    for op in operations:
        assert op.get("tags"), op
        assert op.get("operationId"), op
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    for path in ("/api/schema/", "/api/schema/swagger-ui/", "/api/schema/redoc/"):
        response = await client.get(path)
        assert response.status_code == 200
        assert "text/html" in response.headers["content-type"]


async def test_health_and_ready(client):
    """``/health`` says the process is up; ``/ready`` checks the database (and Redis when configured)."""
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


async def test_unknown_route_is_404_in_error_shape(client):
    """An unknown path is a 404 with ``detail`` and ``message``."""
    response = await client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "message": "Not found."}


async def test_search_and_ordering_helpers(demo):
    """``?search=`` matches case-insensitively (wildcards are literal); ``?ordering=`` sorts; unknown fields are a 400."""
    client = ApiClient(demo)
    for name in ("zed_x", "Amy", "bob.1", "amanda"):
        await client.register(username=name, email=f"{name}@ex.com")
    found = (await demo.get("/api/v1/demo/users?search=AM")).json()
    assert sorted(found["results"]) == ["Amy", "amanda"]
    assert (await demo.get("/api/v1/demo/users?search=%25")).json()["results"] == []  # % is literal
    assert (await demo.get("/api/v1/demo/users?search=_")).json()["results"] == ["zed_x"]  # _ is literal
    ordered = (await demo.get("/api/v1/demo/users?ordering=-username")).json()["results"]
    assert ordered == sorted(ordered, reverse=True)
    bad = await demo.get("/api/v1/demo/users?ordering=password_hash")
    assert bad.status_code == 400
    assert "ordering" in bad.json()
