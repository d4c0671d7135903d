"""Reading the sandbox's HTML report in tests: nesting, figures, images, table cells, PNG sizes."""

from __future__ import annotations

import struct
from html.parser import HTMLParser

__all__ = ["PNG_SIGNATURE", "Collector", "parse_html", "png_size"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VOID = {"meta", "img", "br", "hr", "link", "input"}


class Collector(HTMLParser):
    """Collects figures, images and table cells; checks that tags nest and close."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.figures: list[dict[str, str | None]] = []
        self.images: list[str] = []
        self.cells: list[str] = []
        self.scripts = 0
        self.run: str | None = None  # the data-run of the section being read
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "section" and "data-run" in named:
            self.run = named["data-run"]
        if tag == "figure":
            self.figures.append({**named, "run": self.run})
        if tag == "img":
            self.images.append(named.get("src") or "")
        if tag == "script":
            self.scripts += 1
        if tag == "td":
            self._in_cell = True
            self.cells.append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells[-1] += data


def parse_html(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    return width, height
