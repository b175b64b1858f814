"""The report as one self-contained HTML document: the markdown rendered (markdown-it, raw HTML
off: text from the logs stays text), a table of contents of its sections, charts inline as
data URIs, a stylesheet inline with print rules. Nothing is loaded from elsewhere: no external
stylesheet, script, font or image, so the file can be mailed, archived and printed as it is."""

from __future__ import annotations

import base64
import html
import re

from markdown_it import MarkdownIt

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1b1f24; max-width: 72rem;
       margin: 2rem auto; padding: 0 1.5rem; line-height: 1.45; }
h1 { font-size: 1.8rem; margin-bottom: .2rem; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 2.2rem; }
.meta { color: #57606a; font-size: .9rem; }
nav.toc { background: #f6f8fa; border: 1px solid #d0d7de; padding: .6rem 1.2rem; margin: 1rem 0 1.5rem; }
nav.toc ol { columns: 2; margin: .3rem 0; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .86rem; display: block; overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; vertical-align: top; }
th { background: #f6f8fa; }
td[style*="right"], th[style*="right"] { font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; }
figure { margin: 1rem 0; } figcaption { color: #57606a; font-size: .88rem; }
code { background: #f6f8fa; padding: 0 .2rem; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  nav.toc ol { columns: 1; }
  h2 { break-after: avoid; } table, figure, img { break-inside: avoid; }
  table { display: table; overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI (the image travels inside the document)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _slug(text: str, seen: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    slug, n = base, 2
    while slug in seen:
        slug, n = f"{base}-{n}", n + 1
    seen.add(slug)
    return slug


def to_html(markdown: str, title: str) -> str:
    """``markdown`` (the report, charts already as data URIs) as a standalone HTML page."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(markdown)
    seen: set[str] = set()
    toc: list[tuple[str, str]] = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h2":
            text = tokens[i + 1].content
            slug = _slug(text, seen)
            tok.attrSet("id", slug)
            toc.append((slug, text))
    body = md.renderer.render(tokens, md.options, {})
    nav = ("<nav class=\"toc\"><strong>Contents</strong><ol>"
           + "".join(f"<li><a href=\"#{s}\">{html.escape(t)}</a></li>" for s, t in toc) + "</ol></nav>")
    # the table of contents goes after the header (the title and the line under it)
    first_h2 = body.find("<h2")
    body = body[:first_h2] + nav + body[first_h2:] if first_h2 >= 0 else nav + body
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")
