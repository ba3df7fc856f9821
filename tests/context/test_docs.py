"""Documentation cut by its headings, and BM25 ranking, on real documents."""

from pathlib import Path

import pygls

from atelier.context.docs import Bm25, chunk_document, terms

MARKDOWN = """Intro paragraph before any heading.

# Install

## From PyPI

Run `pip install thing`.

```sh
# not a heading: inside a fence
pip install thing
```

## From source

Clone, then `make`.

Configuration
=============

Set `retry_timeout` in the config file.
"""

RST = """Guide
=====

Overview
--------

What it does.

Retries
-------

The client retries failed requests.
"""

ADOC = """= Manual

Preamble.

== Setup

Install it.

----
== not a heading: a listing block
----

=== Proxy

Set the proxy.
"""


def test_markdown_sections_carry_their_heading_trail_and_fences_are_not_headings():
    chunks = chunk_document(MARKDOWN, "markdown", "README.md")
    assert [c.title for c in chunks] == ["README.md", "Install › From PyPI", "Install › From source", "Configuration"]
    assert "pip install thing\n```" in chunks[1].text
    assert chunks[3].text.startswith("Configuration\n=====") and chunks[3].line == MARKDOWN.split("\n").index("Configuration")


def test_rst_and_asciidoc_sections():
    assert [c.title for c in chunk_document(RST, "rst", "g.rst")] == ["Guide › Overview", "Guide › Retries"]
    assert [c.title for c in chunk_document(ADOC, "asciidoc", "m.adoc")] == ["Manual", "Manual › Setup", "Manual › Setup › Proxy"]


def test_a_long_section_is_cut_between_paragraphs():
    text = "# Big\n\n" + "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(20))
    chunks = chunk_document(text, "markdown")
    assert len(chunks) > 3 and all(len(c.text) <= 1500 for c in chunks)
    assert all(c.title == "Big" for c in chunks)


def test_terms_split_code_names():
    assert terms("How do I set retry_timeout in fetchRows?") == ["set", "retry_timeout", "retry", "timeout", "fetchrows", "fetch", "rows"]


def test_bm25_finds_the_section_of_a_real_document_about_the_question():
    # pygls's own package files: its docstrings stand in for documentation here.
    source = (Path(pygls.__file__).parent / "workspace" / "text_document.py").read_text()
    docs = [terms(part) for part in source.split("\n\n")]
    ranking = Bm25(docs)
    best = ranking.top(terms("apply incremental change to the document"), 1)
    assert best and "change" in source.split("\n\n")[best[0][1]].lower()
    assert ranking.top(terms("kubernetes helm chart"), 3) == []
