"""The shared Markdown -> HTML renderer of the reports (``core.report_html``)."""

from __future__ import annotations

import pytest

from compact_proofs.core.report_html import markdown_to_html

REPORT = """# Sweep <of> models

Some **bold** text and `code`.

| strategy | bound |
|---|---|
| cubic | 0.9693 |

```
lean: error: unknown identifier
```

![plot](pareto.png)
"""


def test_renders_a_page_with_a_table_and_the_heading_as_title():
    page = markdown_to_html(REPORT)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<title>Sweep &lt;of&gt; models</title>" in page
    assert "<table>" in page and "<th>strategy</th>" in page and "<td>0.9693</td>" in page
    assert "<strong>bold</strong>" in page and "<code>code</code>" in page
    assert '<img src="pareto.png" alt="plot"' in page
    assert "<style>" in page and "border-collapse" in page


def test_only_code_blocks_are_preformatted():
    body = markdown_to_html(REPORT).split("<body>", 1)[1]
    assert body.count("<pre>") == 1 and "<pre><code>lean: error: unknown identifier\n</code></pre>" in body
    assert not body.lstrip().startswith("<pre")


def test_raw_html_is_escaped():
    page = markdown_to_html("# t\n\n<script>alert(1)</script> | <b>x</b>\n")
    assert "<script>" not in page.split("</head>", 1)[1] and "&lt;script&gt;" in page and "<b>" not in page


def test_a_report_needs_a_heading():
    with pytest.raises(ValueError, match="'# ' heading"):
        markdown_to_html("no heading here\n")
