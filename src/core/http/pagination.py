"""The seed's page shape ``{count, next, previous, results}`` with ``?page=`` and ``?page_size=``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlencode

import msgspec
from litestar.datastructures import URL

from core.http.errors import FieldErrors

if TYPE_CHECKING:
    from collections.abc import Sequence

    from litestar import Request

__all__ = ("DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Page", "PageParams", "page_params")

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class Page(msgspec.Struct, Generic[T]):
    """One page of a list."""

    count: int
    next: str | None
    previous: str | None
    results: list[T]


class PageParams(msgspec.Struct, frozen=True):
    """A validated page request. ``offset``/``limit`` go straight into SQL."""

    page: int
    page_size: int
    request_url: str

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        """Rows to return."""
        return self.page_size

    def build(self, count: int, results: Sequence[Any]) -> Page[Any]:
        """Wrap ``results`` (this page's rows) and ``count`` (all rows) in a :class:`Page` with links."""
        has_next = self.offset + len(results) < count
        return Page(
            count=count,
            next=self._link(self.page + 1) if has_next else None,
            previous=self._link(self.page - 1) if self.page > 1 else None,
            results=list(results),
        )

    def _link(self, page: int) -> str:
        url = URL(self.request_url)
        params = [(k, v) for k, v in url.query_params.multi_items() if k != "page"]
        if page > 1:
            params.append(("page", str(page)))
        return str(url.with_replacements(query=urlencode(params)))


def _positive(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise FieldErrors({name: ["A valid integer is required."]}) from None
    if value < 1:
        raise FieldErrors({name: ["Must be 1 or greater."]})
    return value


def page_params(request: Request[Any, Any, Any], default_size: int = DEFAULT_PAGE_SIZE) -> PageParams:
    """Read ``page`` and ``page_size`` from the query; a size over the maximum is capped, a bad value is a 400."""
    query = request.query_params
    page = _positive(query.get("page"), "page", 1)
    size = min(_positive(query.get("page_size"), "page_size", default_size), MAX_PAGE_SIZE)
    return PageParams(page=page, page_size=size, request_url=str(request.url))
