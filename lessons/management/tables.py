"""Tables the management commands print: aligned text for a terminal, Markdown for the README."""


def text_table(columns: list[str], rows: list[list[str]]) -> list[str]:
    """The first column left-aligned, the others right-aligned, under a rule."""
    widths = [max(len(row[i]) for row in [columns, *rows]) for i in range(len(columns))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(columns), "  ".join("-" * width for width in widths), *map(line, rows)]


def markdown_table(columns: list[str], rows: list[list[str]], alignments: str) -> list[str]:
    """`alignments` has a letter a column: l (left), r (right) or c (centre)."""
    rules = {"l": "---", "r": "---:", "c": ":---:"}
    return [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join(rules[letter] for letter in alignments) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
