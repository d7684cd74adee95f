"""``/api/v1/reporting/activity``."""

from __future__ import annotations

import datetime
from typing import Any

from litestar import Controller, Request, get

from core.context import Ctx
from core.http.pagination import Page, page_params
from core.http.params import FromQuery
from core.reporting import schemas as s
from core.reporting.activity import ActivityService, present

__all__ = ("ActivityController",)


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
