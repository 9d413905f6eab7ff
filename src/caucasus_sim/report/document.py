"""The document model of a report and its two renderings, report.md and report.html.

A `Document` is a title, a description, a list of facts and numbered `Section`s, each a
figure (or a note) with a caption and a reading generated from the numbers. Figures are
drawn on `matplotlib.figure.Figure` objects of their own — never through pyplot's global
state, so a notebook's or an application's backend and figures are left alone — and
written as PNG, SVG and PDF, byte for byte the same each time the same tables are drawn.

report.html is rendered by markdown-it-py (CommonMark with tables; raw HTML in the text is
shown as text, not interpreted), with every figure embedded as a data URI and the style
inline, so the one file can be mailed or archived and loads nothing else.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
from markdown_it import MarkdownIt
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from ..config.schema import DEFAULT_FIGURE_FORMATS

# the same figure gives the same bytes: no dates or software versions in the metadata, and
# SVG element ids hashed from the content with a fixed salt instead of drawn at random
SAVE_OPTIONS = {
    "png": {"dpi": 300, "metadata": {"Software": None}},
    "svg": {"dpi": 300, "metadata": {"Date": None}},  # dpi: of the parts drawn rasterized (a heat map's cells)
    "pdf": {"dpi": 300, "metadata": {"CreationDate": None}},
}
DETERMINISTIC = {"svg.hashsalt": "caucasus-sim"}
OUTPUTS = ("report.md", "report.html")

HTML_STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; color: #1a1a1a; background: #fff;
       max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.55; font-size: 17px; }
h1, h2, h3 { font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif;
             line-height: 1.25; }
h1 { font-size: 1.7rem; border-bottom: 1px solid #ccc; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .88em;
       background: #f2f2f2; padding: .05em .3em; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: #f2f2f2; padding: .8rem; overflow-x: auto; }
table { border-collapse: collapse; display: block; overflow-x: auto; }
th, td { border-bottom: 1px solid #ddd; padding: .2rem .5rem; text-align: left; }
figure { margin: 1.5rem 0; text-align: center; }
figure img { width: 100%; max-width: 34rem; height: auto; }
figcaption { text-align: left; font-size: .92rem; color: #333; margin-top: .5rem; }
ul { padding-left: 1.3rem; }
"""


@dataclass
class Section:
    """A numbered section: a figure (`image`, the PNG's path in the folder) with its
    caption, or a note (`image` None), and a reading of the numbers."""

    title: str
    image: str | None
    caption: str
    reading: str


@dataclass
class Document:
    title: str
    description: str = ""
    header: list[str] = field(default_factory=list)  # markdown lines, usually "- " facts
    sections: list[Section] = field(default_factory=list)


def new_figure(width: float, height: float, layout: str | None = "constrained") -> Figure:
    """A figure of the given size (inches) that belongs to no pyplot state."""
    return Figure(figsize=(width, height), layout=layout)


def subplots(width: float, height: float, nrows: int = 1, ncols: int = 1, layout: str | None = "constrained",
             **kw) -> tuple[Figure, object]:
    """`new_figure` with a grid of axes (as pyplot.subplots, without pyplot)."""
    fig = new_figure(width, height, layout)
    return fig, fig.subplots(nrows, ncols, **kw)


def save_figure(fig: Figure, folder: Path, name: str, formats=DEFAULT_FIGURE_FORMATS) -> None:
    """Write a figure in each of `formats` (png, svg, pdf) into `folder`."""
    # a figure laid out by constrained layout is saved at its own size (the width it is
    # printed at); any other is trimmed to its contents
    tight = None if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine) else "tight"
    with matplotlib.rc_context(DETERMINISTIC):
        for i, fmt in enumerate(formats):
            fig.savefig(folder / f"{name}.{fmt}", bbox_inches=tight, pad_inches=0.03, **SAVE_OPTIONS[fmt])
            if i == 0 and tight is None:  # laid out once: the other formats keep the first one's layout
                fig.set_layout_engine("none")


UNDRAWN = "figure "  # how the warning about a figure that could not be drawn begins


@dataclass(frozen=True)
class Figures:
    """Where a report's figures go (`folder`, made on creation) and in which formats; the
    report shows each figure by its PNG (or its first format, if PNG is not written)."""

    folder: Path
    formats: tuple[str, ...] = DEFAULT_FIGURE_FORMATS
    failed: list[str] = field(default_factory=list)  # one line per figure that could not be drawn

    def __post_init__(self) -> None:
        self.folder.mkdir(exist_ok=True)

    def drawn(self, title: str, build: Callable[..., Section], *args, **kwargs) -> Section:
        """`build(*args, **kwargs)`, a section with its figure; if the figure cannot be drawn
        (an error in the drawing), a note saying so instead, and a line in `failed`: the
        run's tables are complete and are kept, whatever a figure does."""
        try:
            return build(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any drawing error; the tables stand without the figure
            why = (str(exc).strip().splitlines() or [""])[0] or type(exc).__name__
            self.failed.append(f"{UNDRAWN}'{title}' could not be drawn ({type(exc).__name__}: {why}); "
                               "its data are in the tables")
            return Section(title, None, "", f"This figure could not be drawn ({text(type(exc).__name__)}: "
                                            f"{text(why)}); its data are in the tables of this folder.")

    def save(self, fig: Figure, name: str) -> str:
        save_figure(fig, self.folder, name, self.formats)
        shown = "png" if "png" in self.formats else self.formats[0]
        return f"{self.folder.name}/{name}.{shown}"

    def describe(self) -> str:
        """The formats, for a report's list of facts."""
        names = {"png": "PNG (300 dpi)", "svg": "SVG", "pdf": "PDF"}
        listed = [names[f] for f in self.formats]
        return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")


def text(value) -> str:
    """Text from configuration or an input file, as literal markdown: every ASCII punctuation
    mark that markdown could read as markup is escaped (and in HTML nothing is raw)."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(value).split()))


def table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table; cells are markdown (escape literal text with `text`)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def to_markdown(doc: Document) -> str:
    """report.md: the title, description and facts, then one numbered section each; a
    section without an image is a note and takes no figure number."""
    md = [f"# {doc.title}", "", doc.description, "", *doc.header, ""]
    n = 0
    for i, s in enumerate(doc.sections, start=1):
        md += [f"## {i}. {s.title}", ""]
        if s.image is not None:
            n += 1
            md += [f"![{s.title}]({s.image})", "", f"*Figure {n}.* {s.caption}", ""]
        md += [s.reading, ""]
    return "\n".join(md)


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def embedded_image(folder: Path, target: str, alt: str) -> str:
    """An <img> whose source is the figure itself (its SVG if there is one, else the file as
    it is), base64-encoded in a data: URI, so the page needs no other file."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("/") or ".." in Path(target).parts:
        raise ValueError(f"report image {target!r}: only figures inside the results folder can be embedded")
    path = folder / target
    svg = path.with_suffix(".svg")
    if svg.is_file():
        data, mime = svg.read_bytes(), "image/svg+xml"
    elif path.is_file():
        mime = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}.get(path.suffix.lower())
        if mime is None:
            raise ValueError(f"report image {target!r}: cannot embed a {path.suffix} file")
        data = path.read_bytes()
    else:
        raise FileNotFoundError(f"report image {target!r} not found in {folder}")
    return (f'<img src="data:{mime};base64,{base64.b64encode(data).decode("ascii")}" '
            f'alt="{html.escape(alt, quote=True)}">')


def to_html(doc: Document, folder: Path) -> str:
    """report.html: the document as one self-contained page."""
    md = _markdown()
    body = [f"<h1>{html.escape(doc.title, quote=False)}</h1>", md.render(doc.description),
            md.render("\n".join(doc.header))]
    n = 0
    for i, s in enumerate(doc.sections, start=1):
        body.append(f"<h2>{html.escape(f'{i}. {s.title}', quote=False)}</h2>")
        if s.image is not None:
            n += 1
            caption = md.renderInline(f"*Figure {n}.* {s.caption}")
            body.append(f"<figure>{embedded_image(folder, s.image, s.title)}"
                        f"<figcaption>{caption}</figcaption></figure>")
        body.append(md.render(s.reading))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(doc.title)}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(part.strip() for part in body if part.strip()) + "\n</body>\n</html>\n")


def write(folder: Path, doc: Document) -> None:
    """Write report.md and report.html of `doc` into `folder`."""
    (folder / "report.md").write_text(to_markdown(doc), encoding="utf-8")
    (folder / "report.html").write_text(to_html(doc, folder), encoding="utf-8")
