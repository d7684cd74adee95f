"""The plugin manager: loads feature plugins, honours ``SCRUM_PLUGINS``, and calls hooks safely.

Plugins are found through the entry-point group ``scrum.plugins``. ``SCRUM_PLUGINS`` unset loads every
installed plugin, an empty value loads none, a list loads exactly those, and an unknown name stops start-up.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
import logging
import time
from typing import TYPE_CHECKING, Any

import pluggy

from core import __version__, hookspecs

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from core.events import Event

__all__ = (
    "ENTRY_POINT_GROUP",
    "PluginConfigError",
    "build_plugin_manager",
    "collect",
    "describe_plugins",
    "notify",
)

ENTRY_POINT_GROUP = "scrum.plugins"
logger = logging.getLogger("scrum.plugins")


class PluginConfigError(ValueError):
    """``SCRUM_PLUGINS`` names a plugin that is not installed."""


def _installed_entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def build_plugin_manager(
    enabled: Iterable[str] | None = None,
    *,
    extra: Mapping[str, object] | None = None,
    trace: bool = False,
) -> pluggy.PluginManager:
    """Build a plugin manager holding exactly the enabled plugins.

    Args:
        enabled: names to load; ``None`` loads every installed plugin.
        extra: plugin objects that count as installed without an entry point (tests, embedding apps).
        trace: log every hook call with its duration (``SCRUM_TRACE_PLUGINS``).

    Raises:
        PluginConfigError: a name in ``enabled`` is not installed.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    entry_points = _installed_entry_points()
    extra = dict(extra or {})
    installed = set(entry_points) | set(extra)
    wanted = installed if enabled is None else set(enabled)
    unknown = sorted(wanted - installed)
    if unknown:
        available = ", ".join(sorted(installed)) or "none"
        msg = f"SCRUM_PLUGINS names unknown plugin(s): {', '.join(unknown)} (installed: {available})"
        raise PluginConfigError(msg)
    for name in entry_points:
        if name not in wanted:
            pm.set_blocked(name)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for name, plugin in extra.items():
        if name in wanted and pm.get_plugin(name) is None:
            pm.register(plugin, name=name)
    pm.check_pending()
    if trace:
        _install_tracing(pm)
    return pm


def _install_tracing(pm: pluggy.PluginManager) -> None:
    starts: dict[str, float] = {}

    def before(hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
        starts[hook_name] = time.perf_counter()
        logger.info("hook %s -> %s", hook_name, [impl.plugin_name for impl in impls])

    def after(
        outcome: pluggy.Result[Any], hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]
    ) -> None:
        elapsed = (time.perf_counter() - starts.pop(hook_name, time.perf_counter())) * 1000
        logger.info("hook %s done in %.2f ms", hook_name, elapsed)

    pm.add_hookcall_monitoring(before, after)


def collect(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[Any]:
    """Call a contribution hook and return the non-empty results, flattened one level.

    A plugin that fails here fails start-up: a half-registered plugin is worse than none.
    """
    results: list[Any] = []
    for result in getattr(pm.hook, hook_name)(**kwargs):
        if result is None:
            continue
        if isinstance(result, (list, tuple)):
            results.extend(result)
        else:
            results.append(result)
    return results


async def call_impl(impl: pluggy.HookImpl, event: Event) -> bool:
    """Call one lifecycle hook implementation with ``event``, awaiting it if needed.

    A failure is logged with the plugin's name and reported as ``False``; it never reaches the caller.
    """
    try:
        result = impl.function(**dict.fromkeys(impl.argnames, event))
        if inspect.isawaitable(result):
            await result
    except Exception:
        logger.exception("plugin %r failed in %s", impl.plugin_name, event.hook)
        return False
    return True


async def notify(pm: pluggy.PluginManager, event: Event) -> int:
    """Deliver ``event`` to every implementation of its hook, concurrently; return how many failed.

    pluggy's own call loop stops at the first implementation that raises; this calls each on its own.
    """
    impls = getattr(pm.hook, event.hook).get_hookimpls()
    outcomes = await asyncio.gather(*(call_impl(impl, event) for impl in impls))
    return sum(1 for ok in outcomes if not ok)


def describe_plugins(pm: pluggy.PluginManager) -> list[dict[str, Any]]:
    """Name, version and implemented hooks of every enabled plugin, sorted by name."""
    dists = {name: ep.dist for name, ep in _installed_entry_points().items()}
    described: list[dict[str, Any]] = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        dist = dists.get(name)
        version = getattr(plugin, "__version__", None) or (dist.version if dist else __version__)
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        described.append({"name": name, "version": version, "hooks": hooks})
    return sorted(described, key=lambda item: item["name"])
