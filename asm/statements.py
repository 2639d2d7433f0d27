"""What the parsers produce: the statement kinds, ``Stmt``, and how a literal reads (integers
as llvm-mc reads them, GNU string and character escapes). Both parsers build these -- the fast
path (fastparse.py) and Lark's (parser.py) -- and the passes read them; this module needs no
Lark, so toyasm imports Lark only when a line needs it.
"""
from __future__ import annotations

from .errors import Position, Source

# Statement kinds
INSTR, LABEL, LOCAL_LABEL, ASSIGN, MACRO, IRP, UNPARSED = range(7)


class Stmt:
    """One statement: an instruction or directive (``name`` lower-cased, ``ops`` its operands,
    None for an empty one), a label, ``sym = expr``, or a macro definition or .irp/.irpc
    block (``name`` the header text, ``ops`` = [body text]), or a statement that does not parse
    (``name`` its first word, ``ops`` = [the syntax error, the text after the word]): GNU macro
    arguments are free text, so it is an error only if ``name`` turns out not to be a macro."""

    __slots__ = ("kind", "name", "ops", "source", "line", "col")

    def __init__(self, kind: int, name, ops, source: Source, line: int, col: int):
        self.kind = kind
        self.name = name
        self.ops = ops
        self.source = source
        self.line = line
        self.col = col

    @property
    def pos(self) -> Position:
        return Position(self.source, self.line, self.col)


TOO_BIG = 1 << 64   # stands for a literal with more digits than any 64-bit value
_MAX_DIGITS = {2: 64, 8: 22, 10: 20, 16: 16}


def parse_int(text: str) -> int:
    """An integer literal as llvm-mc reads it (0x hex, 0b binary, leading 0 octal); TOO_BIG
    (negated for '-') when it has more digits than a 64-bit value (a long decimal is slow to
    convert, and Python refuses more than 4300 digits)."""
    neg = text.startswith("-")
    digits = text[1:] if neg else text
    if len(digits) > 1 and digits[0] == "0" and digits[1] in "xXbB":
        base, digits = (16 if digits[1] in "xX" else 2), digits[2:]
    elif len(digits) > 1 and digits[0] == "0":
        base = 8
    else:
        base = 10
    significant = digits.lstrip("0")
    value = TOO_BIG if len(significant) > _MAX_DIGITS[base] else int(significant or "0", base)
    return -value if neg else value


def local_label_number(digits: str) -> str:
    """The number of a local label (``01:`` is ``1:``), as text: it may have any length."""
    return (digits.lstrip("0") or "0") if digits.isdigit() else digits


_ESCAPES = {"n": 10, "t": 9, "r": 13, "b": 8, "f": 12, "v": 11, "a": 7, "e": 27,
            "0": 0, "\\": 92, "'": 39, '"': 34}


def unescape(body: str) -> bytes:
    """The bytes a GNU string or character literal stands for (without its quotes)."""
    out = bytearray()
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c != "\\" or i + 1 == n:
            out += c.encode()
            i += 1
            continue
        c = body[i + 1]
        if c in "01234567":
            j = i + 1
            while j < n and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(int(body[i + 1:j], 8) & 0xFF)
            i = j
        elif c in "xX":
            j = i + 2
            while j < n and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(body[i + 2:j] or "0", 16) & 0xFF)
            i = j
        else:
            out.append(_ESCAPES.get(c, ord(c) & 0xFF))
            i += 2
    return bytes(out)
