"""Background jobs: one ``enqueue`` call, SAQ on Redis when configured, the same functions in-process otherwise.

Plugins contribute jobs through the ``register_jobs`` hook: ``(name, async function)`` tuples and
``saq.CronJob`` objects. Names are namespaced ``"<plugin>:<verb_noun>"``; a bad or duplicate name stops
start-up. Code enqueues with ``await app.state.jobs.enqueue("notifications:send_email", to=..., key=...)``:

* **Redis** (``REDIS_URL`` set, or ``SCRUM_JOBS_BACKEND=redis``): the job goes to the SAQ queue ``plugins``
  and runs in a worker process (``scrum workers run``), or inside the server with
  ``SCRUM_JOBS_WORKER_IN_SERVER=true``. Cron runs in the workers. The SAQ dashboard is at ``/saq`` (staff only).
* **In-process** (no broker, the embedded default): the job runs as a background task of the server process;
  the response does not wait for it. Cron runs inside the server process while it runs. Nothing is durable:
  a job still queued when the process stops is lost (the lifecycle events that caused it are not).

Both paths give a job the same arguments (round-tripped through the same JSON encoding), retry a failing job
with exponential backoff (``retries``, ``retry_delay``, ``retry_backoff``) and honour ``timeout`` and ``key``
(a job whose key is still queued or running is not enqueued twice). Jobs must be idempotent: a worker killed
mid-job leaves the job to be swept and run again.

A job is ``async def verb_noun(ctx, **kwargs)``; :func:`job_env` gives it the app's settings, state and a
database session factory, and ``ctx["attempt"]`` counts attempts from 1.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import functools
import inspect
import logging
import random
import re
import uuid
from typing import TYPE_CHECKING, Any, ClassVar, cast

from litestar.serialization import decode_json, encode_json
from saq.job import CronJob, Job

from core.http.errors import NotFound
from core.plugins import PluginConfigError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping

    import pluggy
    from litestar import Litestar
    from litestar.datastructures import State
    from litestar.types import ASGIApp, ControllerRouterHandler, Receive, Scope, Send
    from litestar_saq import SAQConfig, SAQPlugin
    from saq.types import Context, PartialTimersDict
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.settings import Settings

__all__ = (
    "DEFAULT_OPTIONS",
    "QUEUE_NAME",
    "InProcessJobQueue",
    "JobEnv",
    "JobQueue",
    "JobRegistry",
    "SaqJobQueue",
    "build_job_queue",
    "collect_jobs",
    "job_env",
    "run_job_now",
)

logger = logging.getLogger("scrum.jobs")

QUEUE_NAME = "plugins"
DEFAULT_OPTIONS: Mapping[str, Any] = {"timeout": 60, "retries": 5, "retry_delay": 1.0, "retry_backoff": 300.0}
"""Job options applied unless the enqueue call gives its own: 5 attempts, backoff from 1 s up to 5 min."""

_OPTIONS = frozenset({"key", "timeout", "heartbeat", "retries", "ttl", "retry_delay", "retry_backoff", "scheduled"})
# Every other field of saq's Job: SAQ would take these as job properties, so they may not be job arguments.
_RESERVED = frozenset(field.name for field in dataclasses.fields(Job)) - _OPTIONS
_NAME = re.compile(r"^[a-z0-9_]+:[a-z0-9_]+$")
_ENV_KEY = "scrum"
_DASHBOARD_COOKIE = "scrum_saq_token"

JobFunction = Any  # ``async def fn(ctx: dict[str, Any], **kwargs) -> Any``


@dataclasses.dataclass(slots=True)
class JobEnv:
    """What a job may use besides its arguments."""

    state: State
    session_factory: Callable[[], AsyncSession]
    jobs: JobQueue

    @property
    def settings(self) -> Settings:
        """The process's settings."""
        settings: Settings = self.state.settings
        return settings


def job_env(ctx: Mapping[str, Any]) -> JobEnv:
    """The :class:`JobEnv` of a running job (both backends put it in ``ctx``).

    Raises:
        RuntimeError: ``ctx`` is not the context of a job run by this app.
    """
    env = ctx.get(_ENV_KEY)
    if not isinstance(env, JobEnv):
        msg = "not running inside a job of this app"
        raise RuntimeError(msg)  # noqa: TRY004  (a programming error, not a bad value)
    return env


def _named(name: str, function: JobFunction) -> JobFunction:
    """Wrap ``function`` so SAQ registers it as ``name`` (SAQ keys functions and cron jobs by ``__qualname__``)."""

    @functools.wraps(function)
    async def run(ctx: dict[str, Any], **kwargs: Any) -> Any:
        job = ctx.get("job")
        if job is not None:  # SAQ: expose the same attempt counter the in-process runner gives
            ctx["attempt"] = job.attempts
            ctx["job_key"] = job.key
        return await function(ctx, **kwargs)

    run.__name__ = run.__qualname__ = name
    return run


@dataclasses.dataclass(slots=True)
class JobRegistry:
    """Jobs and cron jobs contributed by the enabled plugins, under their namespaced names."""

    functions: dict[str, JobFunction] = dataclasses.field(default_factory=dict)
    cron: list[CronJob[Any]] = dataclasses.field(default_factory=list)

    @property
    def names(self) -> frozenset[str]:
        """Every registered job name (cron jobs included)."""
        return frozenset(self.functions)

    def cron_name(self, cron: CronJob[Any]) -> str:
        """The registered name of a cron job."""
        return str(cron.function.__qualname__)


def collect_jobs(pm: pluggy.PluginManager) -> JobRegistry:
    """Call every enabled plugin's ``register_jobs`` and check the names.

    Raises:
        PluginConfigError: a name is not ``"<plugin>:<verb_noun>"``, is taken twice, or a function is not async.
    """
    registry = JobRegistry()
    for impl in pm.hook.register_jobs.get_hookimpls():
        plugin = impl.plugin_name
        items: list[Any] = list(cast("Iterable[Any]", impl.function() or ()))
        named = {id(item[1]): item[0] for item in items if isinstance(item, tuple)}
        for item in items:
            if isinstance(item, CronJob):
                function = item.function
                name = named.get(id(function)) or f"{plugin}:{getattr(function, '__name__', 'cron')}"
                registry.cron.append(
                    dataclasses.replace(
                        item,
                        function=_named(name, function),
                        timeout=item.timeout or DEFAULT_OPTIONS["timeout"],
                        retries=item.retries or DEFAULT_OPTIONS["retries"],
                    )
                )
                if name in named.values():
                    continue  # registered as a job too: one entry for both
            elif isinstance(item, tuple) and len(item) == 2:
                name, function = item
            else:
                msg = f"plugin {plugin!r} registered a job that is neither (name, function) nor a CronJob: {item!r}"
                raise PluginConfigError(msg)
            if not isinstance(name, str) or not _NAME.match(name) or not name.startswith(f"{plugin}:"):
                msg = f"plugin {plugin!r} job name {name!r} must look like '{plugin}:verb_noun'"
                raise PluginConfigError(msg)
            if not inspect.iscoroutinefunction(function):
                msg = f"plugin {plugin!r} job {name!r} must be an async function"
                raise PluginConfigError(msg)
            if name in registry.functions:
                msg = f"job {name!r} is registered twice"
                raise PluginConfigError(msg)
            registry.functions[name] = _named(name, function)
    return registry


def _split(name: str, registry: JobRegistry, kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate job options from the job's arguments; unknown names and reserved arguments are programming errors."""
    if name not in registry.functions:
        msg = f"no job named {name!r} is registered (is its plugin enabled?)"
        raise ValueError(msg)
    clash = sorted(set(kwargs) & _RESERVED)
    if clash:
        msg = f"job arguments may not be named {', '.join(clash)} (SAQ reserves them)"
        raise ValueError(msg)
    options = {**DEFAULT_OPTIONS, **{k: v for k, v in kwargs.items() if k in _OPTIONS and v is not None}}
    arguments = {k: v for k, v in kwargs.items() if k not in _OPTIONS}
    return options, arguments


class JobQueue:
    """The app's job queue. ``app.state.jobs`` holds one; plugins enqueue through it."""

    backend: ClassVar[str] = ""

    def __init__(self, registry: JobRegistry) -> None:
        self.registry = registry
        self._env: JobEnv | None = None

    @property
    def names(self) -> frozenset[str]:
        """Names of the jobs this app can run."""
        return self.registry.names

    @property
    def env(self) -> JobEnv:
        """The environment jobs run with (bound when the app is built)."""
        if self._env is None:
            msg = "the job queue is not bound to an app"
            raise RuntimeError(msg)
        return self._env

    def bind(self, app: Litestar, session_factory: Callable[[], AsyncSession]) -> None:
        """Attach the app whose state and database the jobs use."""
        self._env = JobEnv(state=app.state, session_factory=session_factory, jobs=self)

    async def enqueue(self, name: str, /, **kwargs: Any) -> str | None:
        """Queue job ``name`` with ``kwargs``; return its key, or None when a job with that key is pending.

        Keyword arguments named like SAQ job options (``key``, ``timeout``, ``retries``, ``retry_delay``,
        ``retry_backoff``, ``heartbeat``, ``ttl``, ``scheduled``) set those options; the rest are the job's
        arguments and must be JSON-serialisable.

        Raises:
            ValueError: no such job, or an argument uses a reserved name.
        """
        raise NotImplementedError

    async def start(self) -> None:
        """Called when the server starts."""

    async def stop(self) -> None:
        """Called when the server stops."""

    def litestar_plugins(self) -> list[Any]:
        """Litestar plugins this backend needs (SAQ's, for its CLI and workers)."""
        return []

    def route_handlers(self) -> list[ControllerRouterHandler]:
        """Routes this backend serves (the SAQ dashboard)."""
        return []


# --- in-process ---------------------------------------------------------------------------------------------


class InProcessJobQueue(JobQueue):
    """Runs jobs as background tasks of this process, with SAQ's retry, timeout and key semantics."""

    backend = "in-process"

    def __init__(self, registry: JobRegistry, concurrency: int = 10, cron_tz: datetime.tzinfo = datetime.UTC) -> None:
        super().__init__(registry)
        self.concurrency = concurrency
        self.cron_tz = cron_tz
        self._pending: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._cron_tasks: list[asyncio.Task[None]] = []
        self._semaphore: asyncio.Semaphore | None = None

    async def enqueue(self, name: str, /, **kwargs: Any) -> str | None:
        """Start job ``name`` in the background (see :meth:`JobQueue.enqueue`)."""
        options, arguments = _split(name, self.registry, kwargs)
        key = str(options.get("key") or uuid.uuid4().hex)
        if key in self._pending:
            return None
        # The same encoding SAQ applies, so a job sees the same argument types with either backend.
        arguments = decode_json(encode_json(arguments))
        self._pending.add(key)
        task = asyncio.get_running_loop().create_task(self._run(name, key, arguments, options), name=f"job {name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return key

    async def _run(self, name: str, key: str, arguments: dict[str, Any], options: dict[str, Any]) -> None:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        try:
            scheduled = float(options.get("scheduled") or 0)
            delay = scheduled - datetime.datetime.now(datetime.UTC).timestamp()
            if delay > 0:
                await asyncio.sleep(delay)
            retries = max(1, int(options["retries"]))
            for attempt in range(1, retries + 1):
                ctx: dict[str, Any] = {_ENV_KEY: self.env, "attempt": attempt, "job_key": key}
                try:
                    async with self._semaphore:
                        timeout = options.get("timeout") or None
                        await asyncio.wait_for(self.registry.functions[name](ctx, **arguments), timeout)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    if attempt == retries:
                        logger.exception("job %s (%s) failed after %d attempts", name, key, attempt)
                        return
                    logger.warning("job %s (%s) failed (attempt %d), retrying", name, key, attempt, exc_info=True)
                    await asyncio.sleep(_backoff(attempt, options))
                else:
                    return
        finally:
            self._pending.discard(key)

    async def start(self) -> None:
        """Start the cron loops (cron runs inside the server process without a broker)."""
        self._cron_tasks = [asyncio.create_task(self._cron_loop(cron)) for cron in self.registry.cron]

    async def _cron_loop(self, cron: CronJob[Any]) -> None:
        from croniter import croniter

        name = self.registry.cron_name(cron)
        while True:
            now = datetime.datetime.now(self.cron_tz)
            due: datetime.datetime = croniter(cron.cron, now).get_next(datetime.datetime)
            await asyncio.sleep(max(0.0, (due - now).total_seconds()))
            options = {k: v for k, v in (("timeout", cron.timeout), ("retries", cron.retries)) if v is not None}
            key = f"cron:{name}:{int(due.timestamp())}" if cron.unique else None
            try:
                await self.enqueue(name, key=key, **options, **(cron.kwargs or {}))
            except Exception:
                logger.exception("cron job %s could not start", name)

    async def stop(self, grace: float = 5.0) -> None:
        """Stop the cron loops and give running jobs ``grace`` seconds to finish; cancel the rest."""
        for task in self._cron_tasks:
            task.cancel()
        self._cron_tasks = []
        await self.drain(grace)
        for task in list(self._tasks):
            task.cancel()

    async def drain(self, within: float = 5.0) -> bool:
        """Wait until no job is queued or running (at most ``within`` seconds); True when all finished."""
        deadline = asyncio.get_running_loop().time() + within
        while self._tasks:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=remaining)
        return True


def _backoff(attempt: int, options: Mapping[str, Any]) -> float:
    """SAQ's delay before the next attempt: exponential with full jitter, capped by ``retry_backoff``."""
    delay = float(options.get("retry_delay") or 0)
    backoff = options.get("retry_backoff", False)
    if backoff is False or delay <= 0:
        return delay
    cap = None if backoff is True else float(backoff)
    raw = delay * 2 ** (attempt - 1)
    return random.uniform(0, min(raw, cap) if cap else raw)


# --- SAQ on Redis -------------------------------------------------------------------------------------------


class SaqJobQueue(JobQueue):
    """Enqueues onto SAQ's Redis queue; workers (``scrum workers run``) run the jobs and the cron."""

    backend = "redis"

    def __init__(self, registry: JobRegistry, settings: Settings) -> None:
        from litestar_saq import QueueConfig, SAQConfig, SAQPlugin

        super().__init__(registry)
        timers = cast("PartialTimersDict", {"sweep": settings.jobs_sweep_interval})
        startup = cast("Callable[[Context], Any]", self._attach_env)
        self.config: SAQConfig = SAQConfig(
            queue_configs=[
                QueueConfig(
                    name=QUEUE_NAME,
                    dsn=settings.redis_url,
                    tasks=list(registry.functions.values()),
                    scheduled_tasks=registry.cron,  # type: ignore[arg-type]
                    concurrency=settings.jobs_concurrency,
                    startup=startup,
                    separate_process=not settings.jobs_worker_in_server,
                    timers=timers,
                )
            ],
            web_enabled=False,  # mounted by route_handlers(), behind the staff check
            use_server_lifespan=False,
        )
        self.plugin: SAQPlugin = SAQPlugin(config=self.config)

    async def _attach_env(self, ctx: dict[str, Any]) -> None:
        """Worker start-up: every job context of this worker carries the app's :class:`JobEnv`."""
        ctx[_ENV_KEY] = self.env

    async def enqueue(self, name: str, /, **kwargs: Any) -> str | None:
        """Put job ``name`` on the SAQ queue (see :meth:`JobQueue.enqueue`)."""
        options, arguments = _split(name, self.registry, kwargs)
        queue = self.plugin.get_queue(QUEUE_NAME)
        job = await queue.enqueue(name, **options, **arguments)
        return None if job is None else job.key

    async def stop(self) -> None:
        """Stop a worker running inside the server, then close the queue's Redis connections."""
        for worker in self.plugin.get_workers().values():
            if not worker.separate_process:
                await worker.stop()
        for queue in (self.config.queue_instances or {}).values():
            try:
                await queue.disconnect()
            except Exception:  # closing is best effort at shutdown
                logger.debug("closing the job queue failed", exc_info=True)

    def litestar_plugins(self) -> list[Any]:
        """SAQ's Litestar plugin: ``workers run``/``workers status`` commands and the worker lifecycle."""
        return [self.plugin]

    def route_handlers(self) -> list[ControllerRouterHandler]:
        """The SAQ dashboard at ``/saq``, answering 404 to anyone but staff."""
        from litestar import Router
        from litestar.static_files import create_static_files_router
        from litestar_saq.controllers import build_controller

        path = self.config.web_path
        return [
            Router(
                path="/",
                route_handlers=[
                    create_static_files_router(
                        directories=[self.config.static_files], path=f"{path}/static", include_in_schema=False
                    ),
                    build_controller(path, None, include_in_schema_=False),
                ],
                middleware=[StaffOnlyDashboard()],
                include_in_schema=False,
            )
        ]


class StaffOnlyDashboard:
    """ASGI middleware for the SAQ dashboard: staff only, everyone else gets a 404.

    A browser cannot send a bearer header to a page it opens, so the dashboard also accepts ``?token=<access
    JWT>`` once and remembers it in an HttpOnly cookie scoped to ``/saq`` for the page's own API calls.
    """

    def __call__(self, app: ASGIApp) -> ASGIApp:
        """Wrap ``app``."""

        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            token, from_query = _dashboard_token(scope)
            if token is None or not await _is_staff(scope["litestar_app"].state, token):
                raise NotFound
            if not from_query:
                await app(scope, receive, send)
                return

            async def send_with_cookie(message: Any) -> None:
                if message["type"] == "http.response.start":
                    cookie = f"{_DASHBOARD_COOKIE}={token}; Path=/saq; HttpOnly; SameSite=Strict"
                    message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
                await send(message)

            await app(scope, receive, send_with_cookie)

        return middleware


def _dashboard_token(scope: Scope) -> tuple[str | None, bool]:
    from litestar.connection import ASGIConnection

    connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
    scheme, _, value = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    if token := connection.query_params.get("token"):
        return token, True
    return connection.cookies.get(_DASHBOARD_COOKIE) or None, False


async def _is_staff(state: State, token: str) -> bool:
    """True when ``token`` is a valid access token of an active, unrevoked staff user."""
    from core.auth.services import AccountService
    from core.auth.tokens import InvalidTokenError
    from core.http.errors import NotAuthenticatedError

    try:
        claims = state.auth.codec.decode(token, "access")
    except InvalidTokenError:
        return False
    async with state.dispatcher.session_factory() as session:
        try:
            user = await AccountService(session, state.auth, state.dispatcher, state.settings).authenticate(claims)
        except NotAuthenticatedError:
            return False
    return bool(user.is_staff)


def build_job_queue(settings: Settings, pm: pluggy.PluginManager) -> JobQueue:
    """The job queue for ``settings``: SAQ on Redis, or the in-process runner. Bind it to the app afterwards.

    Raises:
        PluginConfigError: a plugin registered a bad job (see :func:`collect_jobs`).
    """
    registry = collect_jobs(pm)
    if settings.jobs_on_redis:
        return SaqJobQueue(registry, settings)
    return InProcessJobQueue(registry, concurrency=settings.jobs_concurrency)


async def run_job_now(queue: JobQueue, name: str, /, **kwargs: Any) -> Any:
    """Run job ``name`` once in this process and return its result (tests, CLI): no queue, no retries."""
    _, arguments = _split(name, queue.registry, kwargs)
    ctx: dict[str, Any] = {_ENV_KEY: queue.env, "attempt": 1, "job_key": uuid.uuid4().hex}
    call: Awaitable[Any] = queue.registry.functions[name](ctx, **decode_json(encode_json(arguments)))
    return await call
