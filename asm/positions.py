"""Where each operand of a statement starts in its source line.

The parser keeps only the statement's own position (fast path operands are not tokens), so
the column of operand ``i`` is recovered from the line text when an error needs it; macro
invocations also take their arguments as text from here (GNU substitutes text)."""
from __future__ import annotations

import re

from .errors import Position


def _split(line: str, start: int) -> list[tuple[int, str]]:
    """(0-based column, text) of each comma-separated operand from ``start`` to the end of
    the statement (a ';', a comment, or the end of the line), strings, character constants
    and parentheses kept whole."""
    pieces = []
    depth = 0
    begin = i = start
    n = len(line)
    while i < n:
        c = line[i]
        if c == '"':
            i += 1
            while i < n and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
        elif c == "'":  # 'a' or 'a or '\n'
            i += 3 if i + 1 < n and line[i + 1] == "\\" else 2
            if i < n and line[i] == "'":
                i += 1
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth <= 0:
            pieces.append((begin, line[begin:i]))
            begin = i + 1
        elif c in ";#" or line.startswith("/*", i):
            break
        i += 1
    pieces.append((begin, line[begin:min(i, n)]))
    out = [(col + len(text) - len(text.lstrip()), text.strip()) for col, text in pieces]
    return [] if len(out) == 1 and not out[0][1] else out


def _operands(stmt) -> list[tuple[int, str]]:
    line = stmt.source.line_text(stmt.line)
    start = stmt.col - 1
    while start < len(line) and not line[start].isspace() and line[start] not in ";#":
        start += 1
    return _split(line, start)


def operand_position(stmt, index: int) -> Position:
    ops = _operands(stmt)
    if 0 <= index < len(ops):
        return Position(stmt.source, stmt.line, ops[index][0] + 1)
    if ops and index >= len(ops):
        col, text = ops[-1]
        return Position(stmt.source, stmt.line, col + len(text) + 1)
    return stmt.pos


def base_register_position(stmt, index: int) -> Position:
    """Where the register of operand ``index`` (``offset(register)``) starts."""
    ops = _operands(stmt)
    if 0 <= index < len(ops):
        col, text = ops[index]
        paren = text.rfind("(")
        if paren >= 0:
            inner = text[paren + 1:]
            return Position(stmt.source, stmt.line, col + paren + 2 + len(inner) - len(inner.lstrip()))
    return operand_position(stmt, index)


def operand_texts(stmt) -> list[str]:
    return [text for _, text in _operands(stmt)]


def statement_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each ';'-separated statement of a line, up to its comment."""
    spans = []
    begin = i = 0
    n = len(line)
    while i < n:
        c = line[i]
        if c == '"':
            i += 1
            while i < n and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
        elif c == ";":
            spans.append((begin, i))
            begin = i + 1
        elif c == "#" or line.startswith("/*", i):
            break
        i += 1
    spans.append((begin, max(begin, min(i, n))))
    return spans


def split_arguments(text: str) -> list[str]:
    """Macro arguments: separated by commas, or else by blanks (GNU as accepts both)."""
    pieces = [t for _, t in _split(text, 0)]
    if len(pieces) == 1:
        return re.findall(r'"(?:\\.|[^"\\])*"|\S+', pieces[0])
    return pieces
