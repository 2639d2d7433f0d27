"""Where each operand of a statement starts in its source line.

The parser keeps only the statement's own position (fast path operands are not tokens), so
the column of operand ``i`` is recovered from the line text when an error needs it; macro
invocations also take their arguments as text from here (GNU substitutes text)."""
from __future__ import annotations

from .errors import Position


def _skip_literal(line: str, i: int) -> int:
    """The index after the string ("...") or character constant ('a', 'a, '\\n') at ``i``."""
    n = len(line)
    if line[i] == '"':
        i += 1
        while i < n and line[i] != '"':
            i += 2 if line[i] == "\\" else 1
        return min(i + 1, n)
    i += 3 if i + 1 < n and line[i + 1] == "\\" else 2
    if i < n and line[i] == "'":
        i += 1
    return min(i, n)


def _split(line: str, start: int) -> tuple[list[tuple[int, str]], int]:
    """(0-based column, text) of each comma-separated operand from ``start`` to the end of
    the statement (a ';', a comment, or the end of the line), strings, character constants
    and parentheses kept whole; and where the statement ends."""
    pieces = []
    depth = 0
    begin = i = start
    n = len(line)
    while i < n:
        c = line[i]
        if c == '"' or c == "'":
            i = _skip_literal(line, i)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth <= 0:
            pieces.append((begin, line[begin:i]))
            begin = i + 1
        elif c in ";#" or line.startswith("/*", i):
            break
        i += 1
    end = min(i, n)
    pieces.append((begin, line[begin:end]))
    out = [(col + len(text) - len(text.lstrip()), text.strip()) for col, text in pieces]
    return ([] if len(out) == 1 and not out[0][1] else out), end


def _operands_start(stmt) -> tuple[str, int]:
    """The statement's line, and the column (0-based) right after its mnemonic."""
    line = stmt.source.line_text(stmt.line)
    start = stmt.col - 1
    while start < len(line) and not line[start].isspace() and line[start] not in ";#":
        start += 1
    return line, start


def _operands(stmt) -> list[tuple[int, str]]:
    return _split(*_operands_start(stmt))[0]


def operand_position(stmt, index: int) -> Position:
    ops = _operands(stmt)
    if 0 <= index < len(ops):
        return Position(stmt.source, stmt.line, ops[index][0] + 1)
    if ops and index >= len(ops):
        col, text = ops[-1]
        return Position(stmt.source, stmt.line, col + len(text) + 1)
    return stmt.pos


class BaseOf(int):
    """``at`` for the base register of memory operand ``int(self)``."""


def position(stmt, at=None) -> Position:
    """Where ``at`` of ``stmt`` is: an operand index, a BaseOf, a token with a column, or
    None for the statement itself."""
    if type(at) is BaseOf:
        return base_register_position(stmt, at)
    if isinstance(at, int):
        return operand_position(stmt, at)
    if at is not None and getattr(at, "column", None) is not None:
        return Position(stmt.source, stmt.line, at.column)
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


_BLANKS = " \t"
_OPERATOR = frozenset("+-~/*|^&!<>=")


def _skip_blanks(text: str, i: int) -> int:
    while i < len(text) and text[i] in _BLANKS:
        i += 1
    return i


def split_arguments(text: str) -> list[tuple[int, str]]:
    """The arguments of a macro call (``text``: what follows the macro's name), each with its
    offset in ``text``, split as llvm-mc splits them: a comma ends an argument, and so does a
    blank, except around an operator (``1 + 2`` is one argument, ``a b`` two, ``a , b`` two);
    strings, character constants and parentheses are kept whole."""
    args = []
    n = len(text)
    begin = i = _skip_blanks(text, 0)
    depth = 0
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            i = _skip_literal(text, i)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and c == ",":
            args.append((begin, text[begin:i].rstrip()))
            begin = i = _skip_blanks(text, i + 1)
            continue
        elif depth == 0 and c in _BLANKS:
            j = _skip_blanks(text, i)
            if j < n and text[j] in _OPERATOR:        # `a + 1`: the operator joins
                while j < n and text[j] in _OPERATOR:
                    j += 1
                i = _skip_blanks(text, j)
                continue
            if j < n and text[j] != ",":              # `a b`: a blank separates
                args.append((begin, text[begin:i]))
                begin = j
            i = j
            continue
        i += 1
    if begin < n or args:
        args.append((begin, text[begin:].rstrip()))
    return args


def call_text(stmt) -> str:
    """What follows the name of a statement that parsed as an instruction, as written, up to
    the end of the statement (the arguments of a macro call)."""
    line, start = _operands_start(stmt)
    return line[start:_split(line, start)[1]]
