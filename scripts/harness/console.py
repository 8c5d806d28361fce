"""What the scripts print: progress lines and plain-text tables."""

from dataclasses import dataclass


def log(message=""):
    """Print a line at once (the scripts' output is read live, often through a pipe)."""
    print(message, flush=True)


@dataclass(frozen=True)
class Column:
    """One column of a `table`: its title, alignment ("<" left, ">" right), a minimum width,
    and the gap printed before it. A left-aligned last column is free: its cells are not
    padded and do not widen it (a long "detail" text, say)."""

    title: str
    align: str = "<"
    width: int = 0
    gap: str = " "


class Free(str):
    """A cell that runs on to the end of its line (a message in place of the row's figures):
    it neither widens its column nor is padded."""


def table(columns, rows, *, indent="", rule=None):
    """The lines of a plain-text table: a header, an optional rule, one line per row.

    Each column is as wide as its title, its minimum width and its widest cell. A row may
    have fewer cells than there are columns. `rule` is None (no rule), "columns" (dashes
    under each column) or "line" (dashes as long as the header).
    """
    rows = [[cell if isinstance(cell, Free) else str(cell) for cell in row] for row in rows]
    last = len(columns) - 1

    def free(index):
        return index == last and columns[index].align == "<"

    widths = []
    for index, column in enumerate(columns):
        cells = (
            []
            if free(index)
            else [len(row[index]) for row in rows if index < len(row) and not isinstance(row[index], Free)]
        )
        widths.append(max([column.width, len(column.title), *cells]))

    def line(cells):
        parts = []
        for index, cell in enumerate(cells):
            column = columns[index]
            if not (isinstance(cell, Free) or free(index)):
                cell = cell.rjust(widths[index]) if column.align == ">" else cell.ljust(widths[index])
            parts.append((column.gap if index else "") + cell)
        return (indent + "".join(parts)).rstrip()

    header = line([column.title for column in columns])
    lines = [header]
    if rule == "columns":
        lines.append(line(["-" * width for width in widths]))
    elif rule == "line":
        lines.append(indent + "-" * (len(header) - len(indent)))
    elif rule is not None:
        raise ValueError(f"rule must be None, 'columns' or 'line', not {rule!r}")
    lines += [line(row) for row in rows]
    return lines


def print_table(columns, rows, *, indent="", rule=None, out=None):
    """`table`, printed (to `out`, a file, when given)."""
    for text in table(columns, rows, indent=indent, rule=rule):
        print(text, file=out, flush=True)
