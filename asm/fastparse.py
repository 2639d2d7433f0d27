"""The parser's fast path: one source line to statements, by hand, without Lark.

Lark's LALR parser is exact but slow (about 80% of toyasm's time on a large file). Almost
every line of real code is simple: labels, a mnemonic, operands that are names, numbers,
strings and character constants (escapes too), ``offset(base)`` and small expressions, ``;``
between statements, a ``#`` comment. This
module reads such a line into exactly the statements asm/toy32.lark's parser builds (the same
``Stmt`` kinds, operand objects and columns; tests/test_asm_fastparse.py checks that on every
line it accepts), and gives up (returns None) on anything else: a syntax error, a backslash
outside a string or character constant, a block comment that does not end on its line, a
carriage return. A line it
gives up on goes to Lark, which reports errors as before, so error messages and carets are
Lark's whatever the path.

Work per line is bounded by its length: each token is looked at a fixed number of times.
"""
from __future__ import annotations

import re

from .errors import Source
from .expr import (KeywordArg, LocalRef, Mem, Name, Paren, Reloc, Str, TypeName, fold_binary,
                   fold_unary, wrap)
from .statements import ASSIGN, INSTR, LABEL, LOCAL_LABEL, Stmt, local_label_number, parse_int, unescape

_NAME = r"[A-Za-z_.$][A-Za-z0-9_.$]*"
# toy32.lark's OPERANDS terminal: a whole operand list of names, numbers and number(register)
_OP = r"(?:-?(?:0[xX][0-9a-fA-F]+|[0-9]+))?\([ \t]*[A-Za-z][A-Za-z0-9]*[ \t]*\)" \
      r"|-?(?:0[xX][0-9a-fA-F]+|[0-9]+)|[A-Za-z_.$][A-Za-z0-9_.$]*"
_OPERANDS = re.compile(rf"(?:{_OP})(?:[ \t]*,[ \t]*(?:{_OP}))*(?=[ \t]*(?:[;#]|$))")
# the commonest statement whole: [label:] mnemonic [simple operands], then its end
_SIMPLE = re.compile(rf"[ \t]*(?:({_NAME})[ \t]*:[ \t]*)?(?:({_NAME})(?:[ \t]+((?:{_OP})"
                     rf"(?:[ \t]*,[ \t]*(?:{_OP}))*))?)?[ \t]*$")
_BLANKS = re.compile(r"[ \t]*")

# Tokens: (kind, text, column). Kinds: n name, i integer, l local ref, s string, o operator.
_TOKEN = re.compile(r"""[ \t]*(?:
    (?P<l>[0-9]+[bf](?![A-Za-z0-9_.$]))
  | (?P<i>0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)
  | (?P<n>[A-Za-z_.$][A-Za-z0-9_.$]*)
  | (?P<s>"(?:\\.|[^"\\\n])*")
  | (?P<q>'(?:\\(?:[0-7]{1,3}|x[0-9a-fA-F]+|.)|[^\\'\n])'?)
  | (?P<c>\#.*|/\*(?:[^*]|\*(?!/))*\*/)
  | (?P<o>\|\||&&|==|!=|<>|<=|>=|<<|>>|[-+*/%|^&!~<>()=,:;@])
  | (?P<e>$)
)""", re.X)

_PREC = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<>": 3, "<": 3, "<=": 3, ">": 3, ">=": 3,
         "+": 4, "-": 4, "|": 5, "^": 5, "&": 5, "!": 5,
         "*": 6, "/": 6, "%": 6, "<<": 6, ">>": 6}
_SAME = {"<>": "!="}
_MAX_INT = 1 << 64
# Directives whose handler reads their operands from the line (asm/insn.py): their operands
# need not parse (Lark finds a syntax error in `.insn r 0x33, ...` and leaves the statement
# as text for the handler all the same; here it is left as text right away).
RAW_TEXT = frozenset((".insn",))
MAX_DEPTH = 100    # nested sub-expressions read here; deeper ones are left to Lark


class _GiveUp(Exception):
    """The line is not one the fast path reads: Lark reads it."""


_GIVE_UP = _GiveUp()   # raised only inside this module and always caught here


def _int(text: str) -> int:
    value = parse_int(text)
    if not -_MAX_INT < value < _MAX_INT:
        raise _GIVE_UP      # Lark reports it
    return wrap(value)


def _simple_operands(operands: str) -> list:
    """What toy32.lark's ``instr_simple`` makes of an OPERANDS token."""
    ops = []
    for text in operands.split(","):
        text = text.strip()
        c = text[0]
        if "(" in text:
            offset, base = text.split("(")
            ops.append(Mem(_int(offset.strip()) if offset else None, base.rstrip(" \t)").strip()))
        elif c.isdigit() or c == "-":
            ops.append(_int(text))
        else:
            ops.append(text)
    return ops


def parse_line(line: str, lineno: int, source: Source) -> list[Stmt] | None:
    """The statements of one line (without its line end), or None to leave it to Lark."""
    if "\r" in line:
        return None
    if '"' not in line and "/" not in line and "'" not in line:
        code = line.split("#", 1)[0] if "#" in line else line
        out: list[Stmt] = []
        start = 0
        try:
            for piece in code.split(";"):
                m = _SIMPLE.match(piece)
                if m is None:     # this statement only is read the general way
                    out += _Line(line, lineno, source, start, start + len(piece)).statements()
                    start += len(piece) + 1
                    continue
                _simple_statement(m, start, lineno, source, out)
                start += len(piece) + 1
        except _GiveUp:
            return None
        return out
    try:
        return _Line(line, lineno, source).statements()
    except _GiveUp:
        return None


def _simple_statement(m: re.Match, start: int, lineno: int, source: Source, out: list) -> None:
    """The statements of a match of _SIMPLE on the piece of the line from ``start``."""
    label, name, operands = m.groups()
    if label is not None:
        out.append(Stmt(LABEL, label, None, source, lineno, start + m.start(1) + 1))
    if name is None:
        return
    col = start + m.start(2) + 1
    if operands is None:
        out.append(Stmt(INSTR, name.lower(), (), source, lineno, col))
    else:
        out.append(Stmt(INSTR, name.lower(), _simple_operands(operands), source, lineno, col))


def parse_operands(line: str, start: int, end: int) -> tuple | None:
    """The operands written in ``line[start:end]`` (columns those of the line), or None when
    the fast path does not read them."""
    try:
        reader = _Line(line, 0, None, start, end)
        return () if reader._at_end() else reader.operand_list()
    except _GiveUp:
        return None


class _Line:
    """The general case: tokens, then toy32.lark's grammar by recursive descent."""

    __slots__ = ("line", "lineno", "source", "toks", "k", "depth", "end")

    def __init__(self, line: str, lineno: int, source: Source, start: int = 0,
                 end: int | None = None):
        """Read ``line[start:end]`` (one statement, or the whole line)."""
        n = len(line) if end is None else end
        self.line, self.lineno, self.source, self.end = line, lineno, source, n
        toks = []
        pos = start
        match = _TOKEN.match
        while True:
            m = match(line, pos, n)
            if m is None:
                raise _GIVE_UP
            kind = m.lastgroup
            if kind == "e":
                break
            pos = m.end()
            if kind == "c":
                if line[m.start(kind)] == "#":
                    break
                continue
            toks.append((kind, m.group(kind), m.start(kind) + 1))
            if pos >= n:
                break
        toks.append(("e", "", n + 1))
        toks.append(("e", "", n + 1))   # so that looking one token ahead never runs out
        self.toks = toks
        self.k = 0
        self.depth = 0

    def _tok(self):
        return self.toks[self.k]

    def _is(self, text: str) -> bool:
        t = self.toks[self.k]
        return t[0] == "o" and t[1] == text

    def _expect(self, text: str) -> None:
        if not self._is(text):
            raise _GIVE_UP
        self.k += 1

    def _at_end(self) -> bool:
        t = self.toks[self.k]
        return t[0] == "e" or (t[0] == "o" and t[1] == ";")

    def statements(self) -> list[Stmt]:
        out: list[Stmt] = []
        while True:
            self._statement(out)
            t = self._tok()
            if t[0] == "e":
                return out
            self._expect(";")

    def _statement(self, out: list) -> None:
        source, lineno = self.source, self.lineno
        while True:
            kind, text, col = self._tok()
            nxt = self.toks[self.k + 1]
            if kind in "ni" and nxt[0] == "o" and nxt[1] == ":":
                self.k += 2
                if kind == "n":
                    out.append(Stmt(LABEL, text, None, source, lineno, col))
                else:
                    out.append(Stmt(LOCAL_LABEL, local_label_number(text), None, source,
                                    lineno, col))
                continue
            break
        if self._at_end():
            return
        if kind != "n":
            raise _GIVE_UP
        self.k += 1
        if self._is("="):
            self.k += 1
            value = self._expr()
            if not self._at_end():
                raise _GIVE_UP
            out.append(Stmt(ASSIGN, text, (value,), source, lineno, col))
            return
        if self._at_end() or text.lower() in RAW_TEXT:
            while not self._at_end():     # (read as text by its handler: .insn r 0x33, ...)
                self.k += 1
            if self.line.find("/*", col - 1, self._tok()[2]) >= 0:
                raise _GIVE_UP      # (an unterminated comment is Lark's to report)
            out.append(Stmt(INSTR, text.lower(), (), source, lineno, col))
            return
        # As Lark's lexer: an operand list of only simple operands is one token
        start = _BLANKS.match(self.line, col - 1 + len(text)).end()
        m = _OPERANDS.match(self.line, start, self.end)
        if m is not None:
            ops = _simple_operands(m.group())
            end = m.end()
            while self._tok()[2] <= end:
                self.k += 1
            out.append(Stmt(INSTR, text.lower(), ops, source, lineno, col))
            return
        out.append(Stmt(INSTR, text.lower(), self.operand_list(), source, lineno, col))

    def operand_list(self) -> tuple:
        """``operand ("," [operand])*`` up to the end of the statement."""
        ops = [self._operand()]
        while self._is(","):
            self.k += 1
            ops.append(None if self._is(",") or self._at_end() else self._operand())
        if not self._at_end():
            raise _GIVE_UP
        return tuple(ops)

    def _operand(self):
        kind, text, col = self._tok()
        if kind == "s":
            self.k += 1
            return Str(Name(text, col))
        if kind == "o" and text == "@":
            nk, ntext, ncol = self.toks[self.k + 1]
            if nk != "n" or ncol != col + 1:
                raise _GIVE_UP
            self.k += 2
            return TypeName(Name(ntext, ncol))
        if kind == "o" and text == "%" and not self._reloc_call():
            name = self._reloc_name()
            self.k += 2
            return TypeName(name)
        if kind == "n" and self.toks[self.k + 1][:2] == ("o", "="):
            self.k += 2
            return KeywordArg(text, self._expr())
        value = self._expr()
        if self._is("("):
            self.k += 1
            base = self._expr()
            self._expect(")")
            return Mem(value, base)
        return value

    def _reloc_name(self) -> Name:
        """``%name`` (no blank between): a Name of the whole ``%name`` at the '%'."""
        col = self._tok()[2]
        nk, ntext, ncol = self.toks[self.k + 1]
        if nk != "n" or ncol != col + 1 or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", ntext):
            raise _GIVE_UP
        return Name("%" + ntext, col)

    def _reloc_call(self) -> bool:
        t = self.toks[min(self.k + 2, len(self.toks) - 1)]
        return t[0] == "o" and t[1] == "("

    def _expr(self, min_prec: int = 1):
        left = self._unary()
        toks = self.toks
        while True:
            kind, text, _ = toks[self.k]
            prec = _PREC.get(text) if kind == "o" else None
            if prec is None or prec < min_prec:
                return left
            self.k += 1
            right = self._expr(prec + 1)
            left = fold_binary(_SAME.get(text, text), left, right)

    def _unary(self):
        kind, text, col = self._tok()
        if kind == "o":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _GIVE_UP      # Lark's parser is not recursive: it reads any depth
            value = self._prefixed(text)
            self.depth -= 1
            return value
        self.k += 1
        if kind == "i":
            return _int(text)
        if kind == "n":
            if self._is("@"):
                nk = self.toks[self.k + 1][0]
                if nk != "n":
                    raise _GIVE_UP
                self.k += 2
            return Name(text, col)
        if kind == "l":
            return LocalRef(Name(text, col))
        if kind == "q":     # 'c', '\n', '\101' (or GNU's 'c): as toy32.lark's CHAR and parser.char
            body = text[1:-1] if text.endswith("'") and len(text) > 2 else text[1:]
            if not body.isascii():
                raise _GIVE_UP    # Lark reports it
            data = unescape(body)
            return data[0] if data else 0
        raise _GIVE_UP

    def _prefixed(self, text: str):
        """A sub-expression that starts with the operator ``text``."""
        if text in ("-", "~", "!"):
            self.k += 1
            return fold_unary(text, self._unary())
        if text == "+":
            self.k += 1
            return self._unary()
        if text == "(":
            self.k += 1
            inner = self._expr()
            self._expect(")")
            return Paren(inner) if isinstance(inner, str) else inner
        if text == "%":
            name = self._reloc_name()
            self.k += 2
            self._expect("(")
            arg = self._expr()
            self._expect(")")
            return Reloc(name[1:].lower(), arg, name)
        raise _GIVE_UP
