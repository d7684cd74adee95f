"""``/api/v1/reporting/activity``, ``/api/v1/reporting/reports/...`` and ``/api/v1/reporting/analytics``."""

from __future__ import annotations

import datetime
from typing import Any

import jwt
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK

from core.access import AccessPolicy
from core.auth.middleware import token_from_connection
from core.auth.services import AccountService
from core.auth.tokens import InvalidTokenError
from core.context import Ctx, RequestCtx
from core.db import models as m
from core.http.errors import NotFound
from core.http.pagination import Page, page_params
from core.http.params import DbSession, FromPath, FromQuery, JSONBody
from core.reporting import reports as r
from core.reporting import schemas as s
from core.reporting.activity import ActivityService, present

__all__ = ("ActivityController", "ReportController", "sign_download")

_DOWNLOAD_MINUTES = 60


def sign_download(secret: str, snapshot_id: str, user_id: int) -> str:
    """A token that lets ``user_id`` download export ``snapshot_id`` for the next hour."""
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=_DOWNLOAD_MINUTES)
    return jwt.encode({"typ": "export", "snap": snapshot_id, "sub": str(user_id), "exp": expires}, secret, "HS256")


async def _download_user(
    request: Request[Any, Any, Any], session: Any, state: State, snapshot_id: str, token: str | None
) -> m.User:
    """Who is downloading: from the signed link, else from a bearer token; anything else is a 404."""
    if token:
        try:
            claims = jwt.decode(
                token, state.settings.jwt_secret_key, algorithms=["HS256"], options={"require": ["exp"]}
            )
        except jwt.PyJWTError:
            raise NotFound("This download link is invalid or expired.") from None
        if claims.get("typ") != "export" or claims.get("snap") != snapshot_id:
            raise NotFound("This download link is invalid or expired.")
        user: m.User | None = await session.get(m.User, int(claims["sub"]))
    else:
        bearer = token_from_connection(request)
        if bearer is None:
            raise NotFound
        try:
            access = state.auth.codec.decode(bearer, "access")
        except InvalidTokenError:
            raise NotFound from None
        user = await AccountService(session, state.auth, state.dispatcher, state.settings).authenticate(access)
    if user is None or not user.is_active:
        raise NotFound
    return user


class ActivityController(Controller):
    """The activity feed."""

    path = "/api/v1/reporting/activity"
    tags = ["reporting"]

    @get("/", operation_id="ListActivity")
    async def list_activity(
        self, ctx: Ctx, request: Request[Any, Any, Any], ordering: FromQuery[str | None] = None
    ) -> Page[s.ActivityEntry]:
        """Changes the caller may see, newest first (filters: project, workspace, organization, user, action...)."""
        params = page_params(request)
        query = dict(request.query_params.items())
        count, rows = await ActivityService(ctx).list(params, query, ordering)
        now = datetime.datetime.now(datetime.UTC)
        return params.build(count, [present(row, user, now) for row, user in rows])


class ReportController(Controller):
    """Agile reports of one project (read access to it), CSV exports and their downloads."""

    path = "/api/v1/reporting"
    tags = ["reporting"]

    @get("/reports/sprint-report", operation_id="GetSprintReport")
    async def sprint_report(self, ctx: Ctx, sprint: FromQuery[str | None] = None) -> r.SprintReport:
        """Points and issues of ``?sprint=`` (a completed sprint as it was when completed)."""
        return await r.ReportService(ctx).sprint_report(r.required_uuid(sprint, "sprint"))

    @get("/reports/team-metrics", operation_id="GetTeamMetrics")
    async def team_metrics(
        self, ctx: Ctx, project: FromQuery[str | None] = None, period: FromQuery[str | None] = None
    ) -> r.TeamMetrics:
        """Per person and team numbers over the last ``?period=`` days (1-365, default 30)."""
        return await r.ReportService(ctx).team_metrics(
            r.required_uuid(project, "project"), r.bounded_int(period, "period", 30, 1, 365)
        )

    @get("/reports/velocity", operation_id="GetVelocityChart")
    async def velocity(
        self, ctx: Ctx, project: FromQuery[str | None] = None, num_sprints: FromQuery[str | None] = None
    ) -> r.VelocityChart:
        """Completed and committed points of the last ``?num_sprints=`` completed sprints (1-20, default 5)."""
        return await r.ReportService(ctx).velocity(
            r.required_uuid(project, "project"), r.bounded_int(num_sprints, "num_sprints", 5, 1, 20)
        )

    @get("/reports/cumulative-flow", operation_id="GetCumulativeFlow")
    async def cumulative_flow(
        self, ctx: Ctx, project: FromQuery[str | None] = None, days: FromQuery[str | None] = None
    ) -> r.CumulativeFlow:
        """Issues per status at the end of each of the last ``?days=`` days (1-180, default 30), from the history."""
        return await r.ReportService(ctx).cumulative_flow(
            r.required_uuid(project, "project"), r.bounded_int(days, "days", 30, 1, 180)
        )

    @post("/reports/export", status_code=HTTP_200_OK, operation_id="ExportReportData")
    async def export(
        self, ctx: Ctx, data: JSONBody[r.ExportRequest], state: State, request: Request[Any, Any, Any]
    ) -> r.ExportResult:
        """Write a CSV (``data_type`` issues, sprints or activity) and answer a signed, absolute download URL.

        The web client opens the URL in a new window (no bearer header), so the link carries a short-lived
        token bound to this export and this user; the download still re-checks that the user may read it.
        """
        result = await r.ReportService(ctx).export(data, state.files)
        link = sign_download(state.settings.jwt_secret_key, result.snapshot_id, ctx.user.id)
        base = str(request.base_url).rstrip("/")
        return msgspec.structs.replace(result, download_url=f"{base}{result.download_url}?token={link}")

    @get(
        "/reports/exports/{snapshot_id:str}/download",
        operation_id="DownloadReportExport",
        media_type="text/csv",
        opt={"exclude_from_auth": True},
    )
    async def download_export(
        self,
        snapshot_id: FromPath[str],
        state: State,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        token: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        """The CSV of an export (a signed ``?token=`` link, or a bearer token), for who may still read it."""
        user = await _download_user(request, db_session, state, snapshot_id, token)
        ctx = RequestCtx(
            session=db_session,
            user=user,
            policy=AccessPolicy(db_session, user),
            dispatcher=state.dispatcher,
            settings=state.settings,
            storage=state.storage,
            ip=None,
        )
        content, filename = await r.ReportService(ctx).download(snapshot_id, state.files)
        return Response(
            content,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"},
        )

    @get("/analytics", operation_id="GetProjectAnalytics")
    async def analytics(self, ctx: Ctx, project: FromQuery[str | None] = None) -> r.Analytics:
        """Flow numbers of ``?project=``: velocity, cycle and lead times, throughput, WIP, completion, breakdowns."""
        return await r.ReportService(ctx).analytics(r.required_uuid(project, "project"))
