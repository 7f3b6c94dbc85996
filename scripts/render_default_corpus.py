"""Render the default corpus: scripts/default_corpus/*.md -> data/pdfs/*.pdf.

The documents are fictional and written for this project: an annual report with financial
tables, a robot service manual and a supply contract, so that a fresh clone has a realistic
corpus to run the pipeline on. Rendering is byte-for-byte reproducible (reportlab's
invariant mode), so `python scripts/render_default_corpus.py` rewrites identical files.

Markup: "# " title, "## "/"### " headings, "- " bullets, "@header left | right" running
header, "Table: caption" followed by "| a | b |" rows (the first row is the header, inside
the grid). "Statement: title" is a table as 10-K financial statements print it: its "^ a | b"
heading lines sit above the first rule, unruled (a line with fewer cells than the table has
columns spans its last cell over the rest: "June 30," over "2025 | 2024"), then the "| a | b |" rows.
"""

import argparse
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

rl_config.invariant = 1  # fixed document id and dates: the same bytes on every run

SOURCES = Path(__file__).parent / "default_corpus"
STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=STYLES["BodyText"], fontSize=10, leading=13.5, spaceAfter=6)
BULLET = ParagraphStyle("bullet", parent=BODY, leftIndent=14, bulletIndent=4)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5, spaceAfter=0)
HEAD_CELL = ParagraphStyle("head_cell", parent=CELL, fontName="Helvetica-Bold")
STATEMENT_HEAD = ParagraphStyle("statement_head", parent=HEAD_CELL, alignment=1)  # centred over its columns
CAPTION = ParagraphStyle("caption", parent=BODY, fontName="Helvetica-Bold", spaceBefore=6)
TITLE = ParagraphStyle("title", parent=STYLES["Title"], fontSize=17, leading=21)
HEADINGS = {"##": STYLES["Heading2"], "###": STYLES["Heading3"]}


def parse(markup: str):
    """Flowables and the running header of one source document."""
    flowables, header, lines = [], ("", ""), markup.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line:
            continue
        if line.startswith("@header "):
            left, right = line[len("@header "):].split("|")
            header = (left.strip(), right.strip())
        elif line.startswith("# "):
            flowables += [Paragraph(escape(line[2:]), TITLE), Spacer(1, 8)]
        elif line.split(" ", 1)[0] in HEADINGS:
            level, text = line.split(" ", 1)
            flowables.append(Paragraph(escape(text), HEADINGS[level]))
        elif line.startswith("- "):
            flowables.append(Paragraph(escape(line[2:]), BULLET, bulletText="•"))
        elif line.startswith("Table: "):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append([cell.strip() for cell in lines[i].strip().strip("|").split("|")])
                i += 1
            flowables.append(KeepTogether([Paragraph(escape(line[len("Table: "):]), CAPTION), table(rows)]))
            flowables.append(Spacer(1, 8))
        elif line.startswith("Statement: "):
            headings, rows = [], []
            while i < len(lines) and lines[i].strip().startswith("^"):
                headings.append([cell.strip() for cell in lines[i].strip()[1:].split("|")])
                i += 1
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append([cell.strip() for cell in lines[i].strip().strip("|").split("|")])
                i += 1
            title = Paragraph(escape(line[len("Statement: "):]), CAPTION)
            flowables.append(KeepTogether([title, statement(headings, rows)]))
            flowables.append(Spacer(1, 8))
        else:
            flowables.append(Paragraph(escape(line), BODY))
    return flowables, header


def table(rows: list[list[str]]) -> Table:
    width = 6.5 * inch
    columns = len(rows[0])
    first = 0.38 if columns > 2 else 0.5
    col_widths = [width * first] + [width * (1 - first) / (columns - 1)] * (columns - 1)
    cells = [[Paragraph(escape(text), HEAD_CELL if r == 0 else CELL) for text in row] for r, row in enumerate(rows)]
    grid = Table(cells, colWidths=col_widths, repeatRows=1)
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde4ee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return grid


def statement(headings: list[list[str]], rows: list[list[str]]) -> Table:
    """Heading lines above the first rule, as 10-K statements print them; rules between rows."""
    columns = len(rows[0])
    col_widths = [6.5 * inch * 0.5] + [6.5 * inch * 0.5 / (columns - 1)] * (columns - 1)
    style = [("GRID", (0, len(headings)), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    cells = []
    for r, heading in enumerate(headings):
        cells.append([Paragraph(escape(text), STATEMENT_HEAD) for text in heading]
                     + [""] * (columns - len(heading)))
        if len(heading) < columns:
            style.append(("SPAN", (len(heading) - 1, r), (-1, r)))
    cells += [[Paragraph(escape(text), CELL) for text in row] for row in rows]
    grid = Table(cells, colWidths=col_widths)
    grid.setStyle(TableStyle(style))
    return grid


def render(source: Path, target: Path) -> None:
    flowables, (left, right) = parse(source.read_text(encoding="utf-8"))

    def decorate(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(inch, LETTER[1] - 0.6 * inch, left)
        canvas.drawRightString(LETTER[0] - inch, LETTER[1] - 0.6 * inch, right)
        canvas.drawCentredString(LETTER[0] / 2, 0.55 * inch, f"Page {document.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        str(target), pagesize=LETTER, leftMargin=inch, rightMargin=inch, topMargin=0.9 * inch,
        bottomMargin=0.9 * inch, title=flowables[0].text, author="embedtune default corpus (fictional)",
    )
    document.build(flowables, onFirstPage=decorate, onLaterPages=decorate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/pdfs"), help="folder for the PDFs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for source in sorted(SOURCES.glob("*.md")):
        target = args.out / f"{source.stem}.pdf"
        render(source, target)
        print(f"{target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
