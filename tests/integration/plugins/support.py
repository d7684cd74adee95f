"""Helpers shared by the plugins' tests: waiting for background work, and the job settings for either backend."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import TEST_REDIS_URL

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

WAIT = 15.0


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = WAIT) -> Any:
    """Poll ``check`` until it returns something truthy (jobs may run in a worker); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s (last: {result!r})")
        await asyncio.sleep(0.05)


def jobs_overrides() -> dict[str, Any]:
    """Settings for the jobs: in-process without Redis, SAQ on Redis with a worker in the server otherwise."""
    if TEST_REDIS_URL:
        return {"jobs_worker_in_server": True, "jobs_sweep_interval": 1}
    return {}
