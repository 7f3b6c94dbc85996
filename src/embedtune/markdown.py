"""Tables as Markdown: how tables travel from extraction to chunks and into the embedding model."""


def to_markdown(rows: list[list[str]]) -> str:
    def line(cells):
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    header, *body = rows
    return "\n".join([line(header), line(["---"] * len(header)), *map(line, body)])
