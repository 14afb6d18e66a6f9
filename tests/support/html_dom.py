"""HTML read the way a browser reads it, for tests: every tag with its attributes, and the
text a reader sees (style sheets and scripts left out). Standard library only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Dom:
    """What a document holds: its elements in order, and its visible text."""

    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    text: str = ""

    def names(self) -> set[str]:
        """Every element name."""
        return {tag for tag, _ in self.tags}

    def attributes(self) -> set[str]:
        """Every attribute name, on any element."""
        return {name for _, attrs in self.tags for name in attrs}

    def values(self, attribute: str) -> list[str]:
        """Every value of one attribute, in document order."""
        return [attrs[attribute] for _, attrs in self.tags if attribute in attrs]

    def flat_text(self) -> str:
        """The visible text with every run of whitespace as one space."""
        return flat(self.text)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dom = Dom()
        self._hidden = 0
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.dom.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("style", "script", "title"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._parts.append(data)

    def close(self) -> None:
        super().close()
        self.dom.text = "".join(self._parts)


def parse(markup: str) -> Dom:
    """The elements and visible text of ``markup``."""
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    return reader.dom


def flat(text: str) -> str:
    """Whitespace runs as single spaces, ends trimmed."""
    return re.sub(r"\s+", " ", text).strip()
