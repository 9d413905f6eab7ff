"""report.md and report.html from the document model: CommonMark by markdown-it-py, tables
on, raw HTML shown as text, figures embedded."""

from __future__ import annotations

from caucasus_sim.report import Document, Figures, Section, subplots
from caucasus_sim.report.document import to_html, to_markdown


def test_markdown_constructs_render_as_html_and_raw_html_is_text(tmp_path):
    reading = "\n".join([
        "| path | balance |", "|---|---|", "| status quo | +0.45 |", "",
        "- outer", "  - inner", "", "> a quoted source", "",
        "line one  ", "line two", "",
        "[a source](https://example.org/wiki/Foo_(bar))", "",
        "<script>alert(1)</script> and <b>bold</b> from an input file",
    ])
    doc = Document("t", "a *description*", ["- fact `one`"], [Section("Note", None, "", reading)])
    page = to_html(doc, tmp_path)
    assert "<table>" in page and "<td>status quo</td>" in page
    assert "<ul>\n<li>outer\n<ul>\n<li>inner</li>" in page
    assert "<blockquote>" in page and "line one<br />" in page
    assert '<a href="https://example.org/wiki/Foo_(bar)">a source</a>' in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;bold" in page
    assert "<em>description</em>" in page and "<code>one</code>" in page


def test_figures_are_numbered_embedded_and_written_in_the_chosen_formats(tmp_path):
    figs = Figures(tmp_path / "figures", ("svg", "pdf"))
    fig, ax = subplots(3.5, 2.0)
    ax.plot([0, 1], [1, 0])
    img = figs.save(fig, "line_by_step")
    assert img == "figures/line_by_step.svg"
    assert sorted(p.name for p in figs.folder.iterdir()) == ["line_by_step.pdf", "line_by_step.svg"]
    doc = Document("t", "", [], [Section("A note", None, "", "no figure"),
                                 Section("A line", img, "The *line*.", "It falls.")])
    md = to_markdown(doc)
    assert "## 1. A note" in md and "## 2. A line" in md and "*Figure 1.* The *line*." in md
    page = to_html(doc, tmp_path)
    assert page.count('<img src="data:image/svg+xml;base64,') == 1
    assert "<figcaption><em>Figure 1.</em> The <em>line</em>.</figcaption>" in page
    # the same document gives the same bytes
    fig, ax = subplots(3.5, 2.0)
    ax.plot([0, 1], [1, 0])
    before = (tmp_path / "figures" / "line_by_step.svg").read_bytes()
    figs.save(fig, "line_by_step")
    assert (tmp_path / "figures" / "line_by_step.svg").read_bytes() == before
