"""The app the worker e2e test serves and works with: the real app plus a tiny ``e2e_jobs`` plugin.

``uvicorn --factory tests.e2e.worker_app:create_app`` and ``scrum workers run`` (``LITESTAR_APP`` pointing here)
load it. The plugin's job writes files the test watches; on its first attempt it stalls, so that the test can
kill the worker mid-job.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from litestar import post
from litestar.datastructures import State

from core.app import create_app as create_core_app
from core.hookspecs import hookimpl
from core.http.params import JSONBody

if TYPE_CHECKING:
    from litestar import Litestar

STALL_SECONDS = 60.0


async def write_marker(ctx: dict[str, Any], *, path: str, stall_first: bool = False) -> dict[str, int]:
    """Write ``<path>.started.<attempt>``; stall on the first attempt when asked; then write ``<path>.done``."""
    attempt = int(ctx["attempt"])
    target = Path(path)
    target.with_name(f"{target.name}.started.{attempt}").write_text(str(os.getpid()), encoding="utf-8")
    if stall_first and attempt == 1:
        await asyncio.sleep(STALL_SECONDS)
    done = target.with_name(f"{target.name}.done")
    if not done.exists():  # idempotent: a second run changes nothing
        done.write_text(json.dumps({"attempt": attempt, "pid": os.getpid()}), encoding="utf-8")
    return {"attempt": attempt}


@post("/api/v1/e2e-jobs", operation_id="E2EEnqueue", tags=["e2e"], opt={"exclude_from_auth": True})
async def enqueue(state: State, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """Enqueue ``e2e_jobs:write_marker`` with the body as its arguments and options."""
    return {"key": await state.jobs.enqueue("e2e_jobs:write_marker", **data)}


@hookimpl
def register_jobs() -> list[Any]:
    """One job."""
    return [("e2e_jobs:write_marker", write_marker)]


@hookimpl
def register_routes() -> list[Any]:
    """One route that enqueues it."""
    return [enqueue]


plugin = SimpleNamespace(register_jobs=register_jobs, register_routes=register_routes)


def create_app() -> Litestar:
    """The app with the ``e2e_jobs`` plugin available (enabled through ``SCRUM_PLUGINS``)."""
    return create_core_app(plugins={"e2e_jobs": plugin})
