"""Assembler expressions: the tree the parser builds and its evaluation.

Arithmetic is llvm-mc's: 64-bit two's complement with wrap-around, division truncating toward
zero, ``>>`` a logical shift, shift counts taken modulo 64, comparisons giving -1 for true and
0 for false, ``&&``/``||`` giving 1 or 0.

A tree node is an ``int`` (a constant, already folded), a ``str`` (a symbol name; the parser's
tokens are ``str`` and remember their line and column), or one of the classes below.

Evaluating yields ``(value, section)``: ``section`` is None for an absolute value and names
the section a relocatable value (a label plus a constant) lives in. The distinction decides,
for instance, that ``beq a0, a1, 8`` branches 8 bytes ahead but ``beq a0, a1, loop`` to loop.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

MASK64 = (1 << 64) - 1


def wrap(value: int) -> int:
    """The signed 64-bit integer with the same low 64 bits."""
    value &= MASK64
    return value - (1 << 64) if value >> 63 else value


class Name(str):
    """A symbol or register name that remembers its column in the statement's line (for
    error carets); ``shown`` is how to print it when the name itself is internal."""

    def __new__(cls, text: str, column: int | None, shown: str | None = None):
        s = super().__new__(cls, text)
        s.column = column
        s.shown = shown if shown is not None else text
        return s


class ExprError(Exception):
    """An expression that cannot be evaluated; ``at`` is the token to point at, if known."""

    def __init__(self, message: str, at=None):
        super().__init__(message)
        self.at = at


class NotYet(Exception):
    """The value depends on something the first pass does not know yet (a later symbol,
    the final address of a section): the expression becomes a fixup resolved at link time."""


class Binary:
    __slots__ = ("op", "a", "b")

    def __init__(self, op: str, a, b):
        self.op, self.a, self.b = op, a, b


class Unary:
    __slots__ = ("op", "a")

    def __init__(self, op: str, a):
        self.op, self.a = op, a


class Reloc:
    """``%hi(x)`` and friends; ``tok`` is the ``%name`` token."""
    __slots__ = ("kind", "arg", "tok")

    def __init__(self, kind: str, arg, tok):
        self.kind, self.arg, self.tok = kind, arg, tok


class LocalRef:
    """A reference to a numeric local label, ``1b`` or ``2f`` (resolved by the first pass)."""
    __slots__ = ("tok",)

    def __init__(self, tok):
        self.tok = tok


class Paren:
    """A parenthesized name, kept so ``lw a0, (a1)`` can tell a base register."""
    __slots__ = ("inner",)

    def __init__(self, inner):
        self.inner = inner


# --- operand-only nodes ------------------------------------------------------------------------
class Mem:
    """``offset(base)``; offset is None for ``(base)``."""
    __slots__ = ("offset", "base")

    def __init__(self, offset, base):
        self.offset, self.base = offset, base


class Str:
    __slots__ = ("tok",)

    def __init__(self, tok):
        self.tok = tok


class TypeName:
    """``@function``, ``%progbits``: an argument of .type or .section."""
    __slots__ = ("tok",)

    def __init__(self, tok):
        self.tok = tok


class KeywordArg:
    """``name=value`` in a macro invocation."""
    __slots__ = ("name", "value")

    def __init__(self, name, value):
        self.name, self.value = name, value


# --- arithmetic -------------------------------------------------------------------------------
def _div(a: int, b: int) -> int:
    if b == 0:
        raise ExprError("division by zero")
    q = abs(a) // abs(b)
    return wrap(q if (a < 0) == (b < 0) else -q)


def _mod(a: int, b: int) -> int:
    if b == 0:
        raise ExprError("division by zero")
    r = abs(a) % abs(b)
    return -r if a < 0 else r


BINARY = {
    "+": lambda a, b: wrap(a + b),
    "-": lambda a, b: wrap(a - b),
    "*": lambda a, b: wrap(a * b),
    "/": _div,
    "%": _mod,
    "<<": lambda a, b: wrap(a << (b & 63)),
    ">>": lambda a, b: wrap((a & MASK64) >> (b & 63)),
    "|": lambda a, b: wrap(a | b),
    "^": lambda a, b: wrap(a ^ b),
    "&": lambda a, b: wrap(a & b),
    "!": lambda a, b: wrap(a | ~b),
    "==": lambda a, b: -(a == b),
    "!=": lambda a, b: -(a != b),
    "<": lambda a, b: -(a < b),
    "<=": lambda a, b: -(a <= b),
    ">": lambda a, b: -(a > b),
    ">=": lambda a, b: -(a >= b),
    "&&": lambda a, b: int(bool(a) and bool(b)),
    "||": lambda a, b: int(bool(a) or bool(b)),
}

UNARY = {
    "-": lambda a: wrap(-a),
    "~": lambda a: wrap(~a),
    "!": lambda a: int(a == 0),
}


def fold_binary(op: str, a, b):
    """A constant when both sides are (evaluated right away), else a tree node."""
    if type(a) is int and type(b) is int:
        try:
            return BINARY[op](a, b)
        except ExprError:
            pass  # reported with its position when the expression is evaluated
    return Binary(op, a, b)


def fold_unary(op: str, a):
    if type(a) is int:
        return UNARY[op](a)
    return Unary(op, a)


def hi20(value: int) -> int:
    return ((value + 0x800) >> 12) & 0xFFFFF


def lo12(value: int) -> int:
    value &= 0xFFF
    return value - 0x1000 if value & 0x800 else value


class Context(ABC):
    """What evaluation needs from its surroundings (the first pass or the linker).

    ``absolute_sections``: every section has its final address (the linker), so any
    arithmetic on addresses is allowed; in the first pass only label differences within a
    section are. ``pc``: the address of the statement being evaluated."""

    absolute_sections = False
    pc = 0

    @abstractmethod
    def symbol(self, name: str) -> tuple[int, object]:
        """(value, section) of a symbol; raises NotYet or ExprError."""

    def pcrel_lo(self, label, value: int) -> int:
        """%pcrel_lo(label): the low 12 bits of what the auipc at ``label`` refers to."""
        raise NotYet


def evaluate(e, ctx: Context) -> tuple[int, object]:
    """(value, section) of expression ``e``. A loop with its own stack, not a recursion: a
    tree is as deep as its source makes it (``a+a+...+a``, 10000 parentheses)."""
    if type(e) is int:
        return e, None
    results: list[tuple[int, object]] = []   # values of the sub-trees done so far
    todo = [e]                               # sub-trees to do, and (_APPLY, node) markers
    while todo:
        node = todo.pop()
        t = type(node)
        if t is int:
            results.append((node, None))
        elif t is tuple:
            results.append(_apply(node[1], results, ctx))
        elif t is Binary:
            todo += ((_APPLY, node), node.b, node.a)
        elif t is Unary:
            todo += ((_APPLY, node), node.a)
        elif t is Reloc:
            todo += ((_APPLY, node), node.arg)
        elif t is Paren:
            todo.append(node.inner)
        elif isinstance(node, str):
            results.append(ctx.symbol(node))
        else:
            raise ExprError("expected an expression", _anchor(node))
    return results[0]


_APPLY = "apply"   # marks an operator whose operands are on the results stack


def _apply(e, results: list, ctx: Context) -> tuple[int, object]:
    """Operator ``e`` applied to the values of its operands (popped from ``results``)."""
    t = type(e)
    if t is Binary:
        b, sb = results.pop()
        a, sa = results.pop()
        try:
            return _binary(e.op, a, sa, b, sb, ctx)
        except ExprError as err:
            raise ExprError(str(err), err.at or _anchor(e)) from None
    a, sa = results.pop()
    if t is Unary:
        if sa is not None and not ctx.absolute_sections:
            raise NotYet
        return UNARY[e.op](a), None
    return _reloc(e, a, sa, ctx), None


def _binary(op: str, a: int, sa, b: int, sb, ctx: Context) -> tuple[int, object]:
    if op == "+":
        if sa is not None and sb is not None:
            raise ExprError("cannot add two addresses")
        return wrap(a + b), sa if sa is not None else sb
    if op == "-":
        if sb is None:
            return wrap(a - b), sa
        if sa is None:
            raise ExprError("cannot subtract an address from a constant")
        if sa is not sb and not ctx.absolute_sections:
            raise NotYet  # a difference across sections is known after layout
        return wrap(a - b), None
    if (sa is not None or sb is not None) and not ctx.absolute_sections:
        raise NotYet
    return BINARY[op](a, b), None


def _reloc(e: Reloc, value: int, section, ctx: Context) -> int:
    """%kind(arg), given the value and section of ``arg``."""
    kind = e.kind
    if kind == "pcrel_lo":
        return ctx.pcrel_lo(e.arg, value)
    if kind == "hi":
        if section is not None and not ctx.absolute_sections:
            raise NotYet
        return hi20(value)
    if kind == "lo":
        if section is not None and not ctx.absolute_sections:
            raise NotYet
        return lo12(value)
    if kind == "pcrel_hi":
        if not ctx.absolute_sections:
            raise NotYet
        return hi20(value - ctx.pc)
    if kind == "pcrel_lo12":  # second half of la/call/tail: ctx.pc is its auipc's address
        if not ctx.absolute_sections:
            raise NotYet
        return lo12(value - ctx.pc)
    raise ExprError(f"unknown relocation '%{kind}' (expected %hi, %lo, %pcrel_hi or %pcrel_lo)", e.tok)


def _children(e) -> tuple:
    t = type(e)
    if t is Binary:
        return e.a, e.b
    if t is Unary:
        return (e.a,)
    if t is Reloc:
        return (e.arg,)
    if t is Paren:
        return (e.inner,)
    if t is Mem:
        return e.offset, e.base
    return ()


def nodes(e):
    """Every node of ``e``, parents before children, left to right (iteratively, like
    ``evaluate``)."""
    todo = [e]
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, str):
            todo += reversed(_children(node))


def names_in(e):
    """Every symbol name in ``e``, left to right."""
    return (node for node in nodes(e) if isinstance(node, str))


def has_symbol(e) -> bool:
    """Whether ``e`` names a symbol (or a numeric local label): not just a number."""
    return any(isinstance(node, (str, LocalRef)) for node in nodes(e))


RELOCATIONS = ("hi", "lo", "pcrel_hi", "pcrel_lo")   # the %modifiers one may write


def relocations_in(e) -> list[Reloc]:
    """The %hi/%lo/... written in ``e``, in order (an unknown one is left to ``evaluate``
    to report)."""
    return [node for node in nodes(e) if type(node) is Reloc and node.kind in RELOCATIONS]


def _anchor(e):
    """Some token inside ``e`` to point an error at: its first name, else a relocation's."""
    todo = [e]
    while todo:
        node = todo.pop()
        if isinstance(node, str):
            return node
        tok = getattr(node, "tok", None)
        if tok is not None:
            return tok
        todo += reversed(_children(node))
    return None


def transform(e, leaf):
    """``e`` with each leaf (a node other than Binary, Unary, Reloc) replaced by ``leaf(it)``;
    the sub-trees that do not change are kept. Iterative, like ``evaluate``."""
    if type(e) not in (Binary, Unary, Reloc):
        return leaf(e)
    results: list = []
    todo = [e]
    while todo:
        node = todo.pop()
        t = type(node)
        if t is tuple:
            results.append(_rebuild(node[1], results))
        elif t is Binary:
            todo += ((_APPLY, node), node.b, node.a)
        elif t is Unary:
            todo += ((_APPLY, node), node.a)
        elif t is Reloc:
            todo += ((_APPLY, node), node.arg)
        else:
            results.append(leaf(node))
    return results[0]


def _rebuild(e, results: list):
    t = type(e)
    if t is Binary:
        b = results.pop()
        a = results.pop()
        return e if a is e.a and b is e.b else Binary(e.op, a, b)
    a = results.pop()
    if t is Unary:
        return e if a is e.a else Unary(e.op, a)
    return e if a is e.arg else Reloc(e.kind, a, e.tok)
