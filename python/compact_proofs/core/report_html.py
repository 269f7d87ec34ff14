"""HTML pages rendered from the Markdown reports, so that a report opens readably in a browser.

Every report writer keeps its Markdown as the source of truth and writes this rendering of it
next to it: tables become ``<table>``, images (plots in the same folder) are shown inline.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# Small, self-contained styling: a report is a single file that works offline.
CSS = """
body { font-family: system-ui, sans-serif; line-height: 1.45; max-width: 72em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
tr:nth-child(even) td { background: #fafafa; }
code { background: #f4f4f4; padding: 0 0.2em; border-radius: 3px; }
pre { background: #f4f4f4; padding: 0.8em; overflow-x: auto; }
pre code { padding: 0; }
img { max-width: 100%; }
"""


@functools.cache
def _markdown_parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # about 70 ms: paid when a report is written, not by ``--help``

    # raw HTML in the Markdown is escaped, not passed through: reports quote error messages and paths
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_to_html(markdown: str) -> str:
    """A complete HTML page rendering ``markdown``, titled by its first level-1 heading, CSS embedded.

    Raises ValueError when the Markdown has no ``# `` heading (every report starts with one).
    """
    title = next((line[2:].strip() for line in markdown.splitlines() if line.startswith("# ")), None)
    if title is None:
        raise ValueError("a report's Markdown must start with a '# ' heading, its page title")
    return (
        "<!doctype html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{_markdown_parser().render(markdown)}</body>\n</html>\n"
    )


def write_report_files(out_dir: Path, data: dict[str, Any], markdown: str) -> list[Path]:
    """``report.json`` (``data``), ``report.md`` (``markdown``) and its rendering ``report.html``
    in ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "report.json", out_dir / "report.md", out_dir / "report.html"]
    paths[0].write_text(json.dumps(data, indent=1, default=str) + "\n")
    paths[1].write_text(markdown)
    paths[2].write_text(markdown_to_html(markdown))
    return paths
