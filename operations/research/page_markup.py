"""Read an HTML page into what extraction looks at: JSON-LD, microdata items, tables and text blocks.

Pure and forgiving (stdlib `html.parser`): broken markup gives less, never an error.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

_BLOCKS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "dt", "dd", "div"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SKIPPED = frozenset({"style", "noscript", "template"})
_VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "source", "wbr", "area", "base", "col"})


@dataclass(slots=True)
class MicroItem:
    """One `itemscope` element: its type and its properties' values."""

    type: str
    props: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Markup:
    """What a page offers to extraction, in document order."""

    json_ld: list[dict[str, Any]] = field(default_factory=list)
    items: list[MicroItem] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (tag, text) of leaf-ish blocks

    @property
    def text(self) -> str:
        """Return the page's text, a line per block."""
        return "\n".join(text for _, text in self.blocks)

    def is_heading(self, index: int) -> bool:
        """Tell whether block index is a heading."""
        return self.blocks[index][0] in _HEADINGS


def _objects(value: Any) -> list[dict[str, Any]]:
    """Flatten JSON-LD into its objects (lists and @graph unrolled, nested objects included)."""
    found: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            found.append(item)
            stack.extend(v for v in reversed(list(item.values())) if isinstance(v, dict | list))
    return found


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.markup = Markup()
        self._skip = 0
        self._script: list[str] | None = None
        self._texts: list[list[str]] = []  # text collected per open block
        self._open: list[str] = []  # open block tags
        self._items: list[tuple[int, MicroItem]] = []  # (depth, item) of open itemscopes
        self._props: list[tuple[int, str, list[str]]] = []  # (depth, prop, text) awaiting their text
        self._depth = 0
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script":
            self._script = [] if a.get("type", "").lower() == "application/ld+json" else None
            self._skip += 1
            return
        if tag in _SKIPPED:
            self._skip += 1
            return
        void = tag in _VOID
        if not void:
            self._depth += 1
        prop = a.get("itemprop")
        if "itemscope" in a:
            item = MicroItem(a.get("itemtype", "").rstrip("/").rsplit("/", 1)[-1])
            if prop and self._items:
                self._items[-1][1].props.setdefault(prop, item.type)
            self.markup.items.append(item)
            self._items.append((self._depth, item))
        elif prop and self._items:
            value = a.get("content") or a.get("href") or a.get("src")
            if value is not None or void:
                self._items[-1][1].props.setdefault(prop, (value or "").strip())
            else:
                self._props.append((self._depth, prop, []))
        if tag == "table":
            self._table = []
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        if tag in _BLOCKS:
            self._open.append(tag)
            self._texts.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            if self._script is not None:
                with contextlib.suppress(ValueError):  # a broken JSON-LD block is skipped
                    self.markup.json_ld += _objects(json.loads("".join(self._script)))
            self._script = None
            self._skip = max(0, self._skip - 1)
            return
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
            return
        if tag in _VOID:
            return
        while self._props and self._props[-1][0] >= self._depth:
            _, prop, text = self._props.pop()
            if self._items:
                self._items[-1][1].props.setdefault(prop, " ".join("".join(text).split()))
        while self._items and self._items[-1][0] >= self._depth:
            self._items.pop()
        if tag in ("td", "th") and self._cell is not None and self._table:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._table is not None:
            self.markup.tables.append([row for row in self._table if row])
            self._table = None
        if tag in _BLOCKS and tag in self._open:
            while self._open:
                opened = self._open.pop()
                joined = " ".join("".join(self._texts.pop()).split())
                if joined:
                    self.markup.blocks.append((opened, joined))
                if opened == tag:
                    break
        self._depth = max(0, self._depth - 1)

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
            return
        if self._skip:
            return
        if self._texts:
            self._texts[-1].append(data)
        for _, _, text in self._props:
            text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def read_markup(html: str) -> Markup:
    """Read an HTML page's structured data, tables and text blocks."""
    reader = _Reader()
    try:
        reader.feed(html)
        reader.close()
    except (AssertionError, ValueError):  # html.parser's rare give-ups on hostile markup
        pass
    return reader.markup
