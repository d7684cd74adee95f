"""Count the SQL statements an app sends while a block runs (all engines, all threads)."""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from collections.abc import Iterator


class QueryCounter:
    """``with counter: ...`` then ``counter.count`` (statements other than transaction control)."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []
        self._lock = threading.Lock()

    def _on_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        with self._lock:
            self.count += 1
            self.statements.append(statement)

    @contextlib.contextmanager
    def counting(self) -> Iterator[QueryCounter]:
        """Count while the block runs."""
        self.count = 0
        self.statements = []
        event.listen(Engine, "before_cursor_execute", self._on_execute)
        try:
            yield self
        finally:
            event.remove(Engine, "before_cursor_execute", self._on_execute)
