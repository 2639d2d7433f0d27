"""Text to statements: the Lark LALR parser (contextual lexer) and its transformer.

The grammar (asm/toy32.lark) is compiled once per process and the transformer runs inside
the parser, so no parse tree is ever built: each reduced statement is appended to a list as
a ``Stmt``. Constant sub-expressions are folded as they are reduced.

A syntax error does not end the run: it is recorded and parsing resumes at the next line.
"""
from __future__ import annotations

import bisect
import functools
import re
from pathlib import Path

from lark import Lark, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .errors import Diagnostic, Position, Source
from .expr import (KeywordArg, LocalRef, Mem, Name, Paren, Reloc, Str, TypeName, fold_binary,
                   fold_unary, wrap)
from .positions import statement_spans
from .statements import ASSIGN, INSTR, LABEL, LOCAL_LABEL, UNPARSED, Stmt, local_label_number, parse_int, unescape

MAX_RESTARTS = 1000  # lines of one text that do not parse before giving up on it

def _binary(op):
    return lambda self, a, b: fold_binary(op, a, b)


def _unary(op):
    return lambda self, a: fold_unary(op, a)


@v_args(inline=True)
class _Builder(Transformer):
    """Callbacks of the parser's reductions. State is per parse (see ``parse``)."""

    def __init__(self):
        super().__init__()
        self.stmts: list[Stmt] = []
        self.source: Source | None = None
        self.line_offset = 0
        self.errors: list[Diagnostic] = []

    # statements
    def instr(self, name, *ops):
        self.stmts.append(Stmt(INSTR, name.lower(), ops, self.source,
                               name.line + self.line_offset, name.column))

    def instr_simple(self, name, operands):
        ops = []
        for text in operands.split(","):
            text = text.strip()
            c = text[0]
            if "(" in text:
                offset, base = text.split("(")
                ops.append(Mem(self._int_text(offset.strip(), operands) if offset else None,
                               base.rstrip(" \t)").strip()))
            elif c.isdigit() or c == "-":
                ops.append(self._int_text(text, operands))
            else:
                ops.append(text)
        self.stmts.append(Stmt(INSTR, name.lower(), ops, self.source,
                               name.line + self.line_offset, name.column))

    def label(self, name):
        self.stmts.append(Stmt(LABEL, str(name), None, self.source,
                               name.line + self.line_offset, name.column))

    def local_label(self, num):
        self.stmts.append(Stmt(LOCAL_LABEL, local_label_number(num), None,
                               self.source, num.line + self.line_offset, num.column))

    def assign(self, name, value):
        self.stmts.append(Stmt(ASSIGN, str(name), (value,), self.source,
                               name.line + self.line_offset, name.column))

    def start(self, *_):
        return None

    # operands
    def simple(self, tok):
        return Name(tok, tok.column)

    def simple_int(self, tok):
        return self._int(tok)

    def mem(self, offset, base):
        return Mem(offset, base)

    def string(self, tok):
        return Str(tok)

    def type_name(self, tok):
        return TypeName(tok)

    def keyword_arg(self, name, value):
        return KeywordArg(str(name), value)

    # expressions
    def int_(self, tok):
        return self._int(tok)

    def _int(self, tok):
        return self._int_text(tok, tok)

    def _int_text(self, text: str, tok):
        value = parse_int(text)
        if not -(1 << 64) < value < (1 << 64):
            self.errors.append(Diagnostic("error", "integer literal does not fit in 64 bits",
                                          self._pos(tok)))
        return wrap(value)

    def char(self, tok):
        body = tok[1:-1] if tok.endswith("'") and len(tok) > 2 else tok[1:]
        if not body.isascii():
            # llvm-mc takes the bytes of its UTF-8 encoding for more than one character
            self.errors.append(Diagnostic("error", "a character constant must be one ASCII "
                                          "character", self._pos(tok)))
            return 0
        data = unescape(body)
        return data[0] if data else 0

    def symbol(self, tok):
        return Name(tok, tok.column)

    def symbol_at(self, tok, _suffix):  # call puts@plt: there is no PLT, the symbol is meant
        return Name(tok, tok.column)

    def local_ref(self, tok):
        return LocalRef(tok)

    def paren(self, inner):
        return Paren(inner) if isinstance(inner, str) else inner

    def reloc(self, tok, arg):
        return Reloc(tok[1:].lower(), arg, tok)

    lor = _binary("||")
    land = _binary("&&")
    eq = _binary("==")
    ne = _binary("!=")
    lt = _binary("<")
    le = _binary("<=")
    gt = _binary(">")
    ge = _binary(">=")
    add = _binary("+")
    sub = _binary("-")
    or_ = _binary("|")
    xor = _binary("^")
    and_ = _binary("&")
    ornot = _binary("!")
    mul = _binary("*")
    div = _binary("/")
    mod = _binary("%")
    shl = _binary("<<")
    shr = _binary(">>")
    neg = _unary("-")
    inv = _unary("~")
    lnot = _unary("!")

    def _pos(self, tok) -> Position:
        return Position(self.source, tok.line + self.line_offset, tok.column)


_builder = _Builder()


@functools.cache
def _lark() -> Lark:
    """The LALR parser of toy32.lark, built when a statement first needs it: building it is most
    of toyasm's start-up (~0.2 s), and the fast path (fastparse.py) reads most files without it."""
    return Lark((Path(__file__).with_name("toy32.lark")).read_text(), parser="lalr",
                lexer="contextual", transformer=_builder, maybe_placeholders=True, cache=False)


_TOKEN_WORDS = {
    "_NL": "end of line", "_CR": "end of statement", "$END": "end of file", "NAME": "name", "SIMPLE_NAME": "name",
    "INT": "number", "SIMPLE_INT": "number", "STRING": "string", "CHAR": "character",
    "LOCAL_REF": "local label reference", "RELOC": "relocation",
}


_SHOWN_TOKEN = 40   # characters of a token quoted in a message


def _describe(tok) -> str:
    if tok.type in ("_NL", "_CR", "$END"):
        return _TOKEN_WORDS[tok.type]
    text = str(tok)
    if tok.type == "OPERANDS":  # a whole operand list lexed as one token: show its first
        text = text.split(",")[0].strip()
    # A token can span lines (the body of a .macro): its first line, and not all of that.
    text = text.lstrip("\r\n").split("\n")[0].rstrip("\r")
    return f"'{text[:_SHOWN_TOKEN]}...'" if len(text) > _SHOWN_TOKEN else f"'{text}'"


def _syntax_error(e: UnexpectedInput, text: str) -> tuple[str, int, int, bool]:
    """(message, line, column, give up on the rest of the text)."""
    if isinstance(e, UnexpectedCharacters):
        line, col, at, expected = e.line, e.column, e.pos_in_stream, e.allowed
        tok = None
    else:
        assert isinstance(e, UnexpectedToken)
        tok, expected = e.token, e.expected
        if tok.type == "$END":
            line = text.count("\n") + 1
            return "unexpected end of file", line, len(text) - text.rfind("\n"), True
        line, col, at = tok.line, tok.column, tok.start_pos
    rest = text[at:at + 2]
    if rest == "/*":   # lexed as a '/' when it does not end
        return "unterminated comment", line, col, True
    if tok is None:   # no token matches here: what starts here does not end
        if rest[:1] == '"':
            return "unterminated string", line, col, False
        if rest[:1] == "'":
            return "bad character constant", line, col, False
        char = e.char if e.char.isprintable() else repr(e.char)[1:-1]
        return f"unexpected character '{char}'", line, col, False
    operand_expected = bool(expected & {"SIMPLE_NAME", "SIMPLE_INT", "INT", "NAME"})
    ends = {"_NL", "_CR", "SEMICOLON", "$END"}
    if tok.type in ends:
        msg = f"unexpected {_describe(tok)}" + (": expected an operand" if operand_expected else "")
    elif expected & ends:
        msg = f"unexpected {_describe(tok)}: expected " + \
            ("',' or end of statement" if "COMMA" in expected else "end of statement")
    elif "COLON" in expected and tok.type == "INT":
        msg = f"unexpected {_describe(tok)}: expected a label or an instruction"
    else:
        msg = f"unexpected {_describe(tok)}"
    return msg, line, col, False


_WORD = re.compile(r"\s*(?:(?:[A-Za-z_.$][A-Za-z0-9_.$]*|[0-9]+)\s*:\s*)*"
                   r"([A-Za-z_.$][A-Za-z0-9_.$]*)")


def _span(spans: list[tuple[int, int]], col: int) -> tuple[int, int] | None:
    """Of the (start, end) of each ';'-separated statement of a line, the one that holds
    ``col``."""
    k = bisect.bisect_right(spans, (col - 1, 1 << 62)) - 1
    if k >= 0 and spans[k][0] <= col - 1 <= spans[k][1]:
        return spans[k]
    if spans and col - 1 > spans[-1][1]:   # at the line's end, after a comment: the last one
        return spans[-1]
    return None


def _unparsed(source: Source, line: int, span: tuple[int, int], error: Diagnostic) -> Stmt | None:
    """The statement at ``span`` of ``line`` in which an error lies, as an UNPARSED one."""
    text = source.line_text(line)
    start, end = span
    m = _WORD.match(text, start, end)
    if m is None:
        return None
    return Stmt(UNPARSED, m.group(1).lower(), (error, text[m.end():end]), source, line,
                m.start(1) + 1)


def parse_chunk(source: Source, text: str,
                line_offset: int = 0) -> tuple[list[Stmt], list[Diagnostic]]:
    """The statements of ``text``, whole lines of ``source`` from line ``line_offset + 1``, in
    order, and the syntax errors found on the way."""
    b = _builder
    b.stmts, b.source, b.errors, b.line_offset = [], source, [], line_offset
    stmts, errors = b.stmts, b.errors
    restarts = 0
    line_spans: dict[int, list] = {}
    while True:
        try:
            _lark().parse(text)
            break
        except UnexpectedInput as e:
            msg, line, col, give_up = _syntax_error(e, text)
            abs_line = line + b.line_offset
            restarts += 1
            if restarts > MAX_RESTARTS:
                errors.append(Diagnostic("error", "too many lines that do not parse: giving up "
                                         "on the rest of the file", Position(source, abs_line, 1)))
                break
            error = Diagnostic("error", msg, Position(source, abs_line, col))
            line_text = source.line_text(abs_line)
            if abs_line not in line_spans:    # (a line of many statements is split once)
                line_spans.clear()
                line_spans[abs_line] = statement_spans(line_text)
            span = None if give_up else _span(line_spans[abs_line], col)
            # Drop what was read of the statement in error, except its labels (so that
            # references to them do not turn into more errors).
            first = span[0] if span else 0
            keep = []
            while stmts and stmts[-1].line == abs_line and stmts[-1].col > first:
                stmt = stmts.pop()
                if stmt.kind == LABEL or stmt.kind == LOCAL_LABEL:
                    keep.append(stmt)
            stmts += reversed(keep)
            unparsed = None if span is None else _unparsed(source, abs_line, span, error)
            if unparsed is None:
                errors.append(error)
            else:
                stmts.append(unparsed)
            if give_up:
                break
            # Resume after the statement in error: after its ';' on the same line (blanked
            # up to there, so columns stay right), else on the next line (the start of a
            # line is the parser's initial state: the grammar is a flat list of lines).
            cut = 0
            for _ in range(line - 1):
                cut = text.find("\n", cut) + 1
            line_end = text.find("\n", cut)
            if span is not None and line_text[span[1]:span[1] + 1] == ";":
                text = " " * (span[1] + 1) + line_text[span[1] + 1:] + \
                    (text[line_end:] if line_end >= 0 else "")
                b.line_offset = abs_line - 1
                continue
            if line_end < 0:
                break
            text = text[line_end + 1:]
            b.line_offset = abs_line
    b.stmts, b.errors, b.source = [], [], None
    return stmts, errors
