"""Background jobs in the core: plugins contribute jobs and cron; one enqueue call runs them in-process without a
broker (after the response, with retries and keys) and on SAQ with Redis; the SAQ dashboard is staff-only."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from litestar import post
from litestar.datastructures import State
from litestar.testing import AsyncTestClient
from saq import CronJob

from core.hookspecs import hookimpl
from core.http.params import JSONBody
from core.jobs import DEFAULT_OPTIONS, InProcessJobQueue, collect_jobs
from core.plugins import PluginConfigError, build_plugin_manager
from tests.conftest import TEST_REDIS_URL
from tests.helpers import ApiClient

pytestmark = pytest.mark.anyio

RECORDED: list[dict[str, object]] = []
FAILURES: dict[str, int] = {}


async def record(ctx, *, label, value=None, delay=0.0):
    """Record that the job ran (after ``delay`` seconds) with what it received."""
    await asyncio.sleep(delay)
    RECORDED.append({"label": label, "value": value, "attempt": ctx["attempt"], "has_env": "scrum" in ctx})
    return {"ok": 1}


async def flaky(ctx, *, label, fail_times):
    """Fail ``fail_times`` times, then record."""
    if FAILURES.get(label, 0) < fail_times:
        FAILURES[label] = FAILURES.get(label, 0) + 1
        msg = "temporarily down"
        raise RuntimeError(msg)
    RECORDED.append({"label": label, "attempt": ctx["attempt"]})


async def tick(ctx):
    """A cron job."""
    RECORDED.append({"label": "tick", "attempt": ctx["attempt"]})


@post("/api/v1/jobtest/enqueue", operation_id="JobTestEnqueue", tags=["jobtest"], opt={"exclude_from_auth": True})
async def enqueue_route(state: State, data: JSONBody[dict[str, object]]) -> dict[str, object]:
    """Enqueue ``jobtest:record`` and answer at once."""
    key = await state.jobs.enqueue("jobtest:record", **data)
    return {"key": key, "recorded_at_response": len(RECORDED)}


class JobPlugin:
    """Contributes two jobs, a cron job and a route that enqueues."""

    def __init__(self, cron: str = "0 0 1 1 *") -> None:
        self.cron = cron

    @hookimpl
    def register_jobs(self):
        return [("jobtest:record", record), ("jobtest:flaky", flaky), CronJob(tick, cron=self.cron)]

    @hookimpl
    def register_routes(self):
        return [enqueue_route]


@pytest.fixture(autouse=True)
def _clean():
    RECORDED.clear()
    FAILURES.clear()


async def _wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {RECORDED}")
        await asyncio.sleep(0.05)


def test_job_names_are_namespaced_unique_and_async():
    """A plugin's job must be '<plugin>:<verb_noun>', unique and async; otherwise start-up fails naming it."""

    class Bad:
        def __init__(self, items):
            self.items = items

        @hookimpl
        def register_jobs(self):
            return self.items

    def plain(ctx):
        return None

    for items, message in (
        ([("record", record)], "must look like 'bad:verb_noun'"),
        ([("other:record", record)], "must look like 'bad:verb_noun'"),
        ([("bad:record", record), ("bad:record", flaky)], "registered twice"),
        ([("bad:plain", plain)], "must be an async function"),
        (["nope"], "neither"),
    ):
        with pytest.raises(PluginConfigError, match=message):
            collect_jobs(build_plugin_manager(None, extra={"bad": Bad(items)}))
    registry = collect_jobs(build_plugin_manager(None, extra={"jobtest": JobPlugin()}))
    assert registry.names >= {"jobtest:record", "jobtest:flaky", "jobtest:tick"}
    (cron,) = [c for c in registry.cron if registry.cron_name(c) == "jobtest:tick"]
    assert cron.retries == DEFAULT_OPTIONS["retries"]


async def test_in_process_job_runs_after_the_response_with_json_arguments(app_factory):
    """Without a broker the enqueued job runs in the server process: the response does not wait for it."""
    app = app_factory(available={"jobtest": JobPlugin()}, redis_url=None)
    assert isinstance(app.state.jobs, InProcessJobQueue)
    marker = uuid.uuid4()
    async with AsyncTestClient(app=app) as raw:
        response = await raw.post(
            "/api/v1/jobtest/enqueue", json={"label": "after", "value": {"id": str(marker)}, "delay": 0.3}
        )
        assert response.status_code == 201
        assert response.json()["recorded_at_response"] == 0
        await _wait(lambda: RECORDED)
    assert [{"label": "after", "value": {"id": str(marker)}, "attempt": 1, "has_env": True}] == RECORDED


async def test_in_process_retries_with_backoff_and_keys_dedupe(app_factory):
    """A failing job is retried (attempt counter grows) until it succeeds; a pending key is not enqueued twice."""
    app = app_factory(available={"jobtest": JobPlugin()}, redis_url=None)
    async with AsyncTestClient(app=app) as raw:
        jobs = app.state.jobs
        portal = raw.blocking_portal
        assert portal is not None

        async def scenario():
            first = await jobs.enqueue("jobtest:flaky", label="flaky", fail_times=2, retry_delay=0.05, key="k1")
            again = await jobs.enqueue("jobtest:flaky", label="flaky", fail_times=2, key="k1")
            assert first == "k1"
            assert again is None
            with pytest.raises(ValueError, match="no job named"):
                await jobs.enqueue("jobtest:missing")
            with pytest.raises(ValueError, match="reserve"):
                await jobs.enqueue("jobtest:record", label="x", status="new")
            assert await jobs.drain(10)

        portal.call(scenario)
    assert RECORDED == [{"label": "flaky", "attempt": 3}]
    assert FAILURES == {"flaky": 2}


async def test_in_process_cron_runs_inside_the_server(app_factory):
    """Cron jobs run in the server process on their schedule when there is no broker."""
    app = app_factory(available={"jobtest": JobPlugin(cron="* * * * * *")}, redis_url=None)
    async with AsyncTestClient(app=app):
        await _wait(lambda: any(r["label"] == "tick" for r in RECORDED), timeout=5)


async def test_no_dashboard_without_a_broker(client):
    """Without Redis there is no SAQ dashboard: /saq is a 404 for everyone."""
    staff, _ = await client.signed_up()
    assert (await staff.get("/saq/")).status_code == 404
    assert (await staff.get("/saq/api/queues")).status_code == 404


@pytest.mark.skipif(not TEST_REDIS_URL, reason="SCRUM_TEST_REDIS_URL is not set")
async def test_redis_job_runs_in_a_saq_worker_and_dashboard_is_staff_only(app_factory, db):
    """With Redis the same enqueue goes through SAQ (worker in the server here); /saq answers staff only."""
    from sqlalchemy import update

    from core.db import models as m

    app = app_factory(available={"jobtest": JobPlugin()}, jobs_worker_in_server=True)
    assert app.state.jobs.backend == "redis"
    async with AsyncTestClient(app=app) as raw:
        client = ApiClient(raw)
        response = await raw.post("/api/v1/jobtest/enqueue", json={"label": "saq", "value": [1, 2]})
        assert response.status_code == 201
        await _wait(lambda: RECORDED)
        assert RECORDED == [{"label": "saq", "value": [1, 2], "attempt": 1, "has_env": True}]
        user, login = await client.signed_up()
        assert (await user.get("/saq/")).status_code == 404
        assert (await user.get("/saq/api/queues")).status_code == 404
        assert (await raw.get("/saq/api/queues")).status_code == 404
        async with db() as session:
            await session.execute(update(m.User).where(m.User.id == login["user"]["id"]).values(is_staff=True))
            await session.commit()
        queues = await user.get("/saq/api/queues")
        assert queues.status_code == 200
        assert [q["name"] for q in queues.json()["queues"]] == ["plugins"]
        page = await raw.get(f"/saq/?token={login['access']}")
        assert page.status_code == 200
        assert "scrum_saq_token" in page.headers["set-cookie"]
        # The page's own calls carry the cookie, not a header.
        assert (await raw.get("/saq/api/queues")).status_code == 200
