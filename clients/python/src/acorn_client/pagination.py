"""Cursor pages, fetched lazily: nothing is requested until you iterate, one page at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

from ._transport import Transport

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page: its items and the link to the next one (None on the last page)."""

    items: list[T]
    next_url: str | None
    previous_url: str | None = None
    raw: Mapping[str, Any] | None = None

    @property
    def next_cursor(self) -> str | None:
        """The opaque cursor of the next page, to store and resume from later."""
        return cursor_of(self.next_url)


def cursor_of(url: str | None, name: str = "cursor") -> str | None:
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


class Paginator(Generic[T]):
    """Iterates items across pages of a DRF-style cursor list (`{"next", "previous", "results"}`).

    `iter(paginator)` yields items; `.pages()` yields whole pages (to checkpoint a cursor between
    them). Filters are sent on the first request only: the `next` link already carries them.
    """

    def __init__(
        self,
        transport: Transport,
        path: str,
        parse: Callable[[Mapping[str, Any]], T],
        params: Mapping[str, Any] | None = None,
        *,
        results_key: str = "results",
    ):
        self._transport = transport
        self._path = path
        self._parse = parse
        self._params = dict(params or {})
        self._results_key = results_key

    def pages(self) -> Iterator[Page[T]]:
        path: str | None = self._path
        params: Mapping[str, Any] | None = self._params
        seen: set[str] = set()
        while path:
            body = self._transport.get_json(path, params=params)
            page = Page(
                items=[self._parse(item) for item in body.get(self._results_key, [])],
                next_url=body.get("next"),
                previous_url=body.get("previous"),
                raw=body,
            )
            yield page
            path, params = page.next_url, None
            if path is not None:
                if path in seen:  # a server bug must not turn into an endless loop
                    raise RuntimeError(f"Pagination loop: {path} was already fetched.")
                seen.add(path)

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def first(self) -> T | None:
        for item in self:
            return item
        return None
