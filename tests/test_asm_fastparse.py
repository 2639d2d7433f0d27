"""The parser's fast path (asm/fastparse.py) against Lark (asm/toy32.lark): on every line the
fast path reads, it must build exactly the statements Lark builds -- kinds, names, operand
trees, and the column of every token an error could point at. Lines it does not read go to
Lark, so a wrong answer here is the only way the fast path could change toyasm's behaviour."""
from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings, strategies as st

from asm.errors import Source
from asm.expr import Binary, KeywordArg, LocalRef, Mem, Paren, Reloc, Str, TypeName, Unary
from asm.fastparse import RAW_TEXT, parse_line
from asm.parser import parse_chunk

ROOT = Path(__file__).resolve().parent.parent


def dump(x):
    """A comparable picture of a statement's operand tree (tokens with their columns)."""
    if x is None or type(x) is int:
        return x
    if isinstance(x, str):
        col = getattr(x, "column", None)
        return ("tok", str(x), col) if col is not None else ("str", str(x))
    if isinstance(x, (list, tuple)):
        return [dump(y) for y in x]
    for cls, fields in ((Mem, ("offset", "base")), (Paren, ("inner",)), (Str, ("tok",)),
                        (TypeName, ("tok",)), (LocalRef, ("tok",)), (Binary, ("op", "a", "b")),
                        (Unary, ("op", "a")), (Reloc, ("kind", "arg", "tok")),
                        (KeywordArg, ("name", "value"))):
        if type(x) is cls:
            return (cls.__name__, *[dump(getattr(x, f)) for f in fields])
    raise AssertionError(f"unexpected node {x!r}")


def statements(stmts):
    return [(s.kind, s.name, dump(s.ops), s.line, s.col) for s in stmts]


def check(line: str) -> bool:
    """Whether the fast path read ``line``; if it did, that it agrees with Lark."""
    source = Source("t.s", line + "\n")
    fast = parse_line(line, 1, source)
    if fast is None:
        return False
    lark, errors = parse_chunk(source, line + "\n")
    assert not errors, f"fast path read a line Lark rejects: {line!r}: {errors[0].message}"
    # (a statement whose handler reads its own text: what matters is that both leave it so)
    raw = [(s.line, s.col) for s in fast if s.name in RAW_TEXT]
    assert raw == [(s.line, s.col) for s in lark if s.name in RAW_TEXT]
    fast = [s for s in fast if s.name not in RAW_TEXT]
    lark = [s for s in lark if s.name not in RAW_TEXT]
    assert statements(fast) == statements(lark), line
    return True


TABLE = [
    "", "   ", "# comment", "nop", "  NOP  # c", "foo:", "foo: bar:", "1:", "01: nop",
    "add a0, a1, a2", "addi x1,x2,-5", "lw a0, 4(sp)", "lw a0, (sp)", "lw a0,(  sp  )",
    "sw a0, -8(s0); ret", ";;", "nop;", "a: ; b: nop ; c:", "x = 5", "x=y+1", ".set x, x+4",
    "li a0, ((0x7fffffff) & 0xFFFFFFFF)", "li x7, -(1<<31)", "addi a0, a0, %lo(sym)",
    "lui a0, %hi(sym+4)", "lw a0, %lo(x)(a1)", "lw a0, %pcrel_lo(1b)(a1)", "beq a0, a1, 1f",
    "j 2b", ".word 1, 2, 3", ".word a-b, (c), ~d, !e, +f", ".fill 1,,2", ".fill 1,", ".byte -1",
    ".section .text.init, \"ax\", @progbits", ".type f, @function", ".type f, %function",
    ".section .bss,\"aw\",%nobits", ".ascii \"a;b#c\"", ".string \"\"", "call puts@plt",
    "m a=1, b=2", "m a, b", ".if (x == 1) && (y != 2) || z <> 3", ".if a <= b", ".if a >= b",
    ".if a < b", ".if a > b", ".equ q, 1 ! 2 ^ 3 | 4 & 5", ".equ q, 7 % 3 * 2 / 1 << 3 >> 1",
    ".equ q, 7 %x", "addi a0, a0, 0b101", "addi a0, a0, 0B1", "addi a0,a0,010", "li a0, 0x",
    "li a0, 99999999999999999999999", "li a0, -0xffffffffffffffff", "li a0, - 5",
    "addi a0, a0, 1 /* c */", "/* c */ nop", "nop /* c", "nop # /* c", "a: .word 1; b: .word 2",
    ".option push; .option norvc; li x4, ((0x7fffffff) & 0xFFFFFFFF); .option pop",
    "test_2: li gp, 2; li x1, 0; li x2, 0; add x14, x1, x2; li x7, 0; bne x14, x7, fail",
    "sw x24, offset(x2); .set offset, offset+4", "x:y", "a b c", "foo,", ",", "add a0 a1",
    "lw a0, 4(sp", "lw a0, 4)sp(", "li a0, 'a'", "li a0, 'a", "li a0, ';'", "li a0, '#' # c",
    "li a0, '\\n'", "li a0, 'é'", "li a0, '\\''", "li a0, '\\101'", "li a0, '\\x41'", "li a0, '\\\\'",
    "li a0, '\\", "li a0, '\\'", ".ascii \"a\\tb\\\"c\\n\"", ".asciz \"\\\\\", \"x\"", "li a0, a\\b",
    "msg: .ascii \"fault: reading address 0\\n\"", ".byte '\\0', '\\377', '\\e'",
    "li a0, ''", "nop\\", "@", "%hi", "add a0, a1, %hi",
    ".x @ y", "f @function", "li a0, %hi (x)", "addi a0, a0, -2048", "lw a0, -4(x1)",
    "lw a0, 0x10(a1)", "lw a0, 1f(a1)", "lw a0, -0x10 ( a1 )", "add(a0)", "f(a0)", "1b: nop",
    "0b1: nop", "0x10: nop", "$x: .L1: nop", "jal ra, .Lfoo$bar", "not a0 a1",
    ".insn r 0x33, 0, 0, a0, a1, a2; nop", "1: .insn i OP_IMM, 0, a0, a1, 5", ".insn",
]


def test_table_of_lines():
    read = [line for line in TABLE if check(line)]
    assert len(read) > len(TABLE) // 2   # the fast path reads the common forms


def test_every_line_of_the_project_sources():
    lines = []
    for pattern in ("programs/**/*.s", "guestos/*.s", "guestos/*.inc", "tests/guests/*.s",
                    "bench/*.s"):
        for path in ROOT.glob(pattern):
            lines += path.read_text(errors="replace").split("\n")
    read = sum(check(line.rstrip("\r")) for line in lines)
    assert read > 0.9 * len(lines)


ATOMS = ["a0", "x1", "sym", ".L1", "1f", "2b", "0", "12", "-3", "0x1F", "0b10", "010", "%lo(x)",
         "%hi", "(a0)", "4(sp)", "\"s\"", "@object", "k=1", "'c'", "'\\n'", "'\\''", "\"a\\\"b\"", "\\"]
OPS = ["+", "-", "*", "/", "%", "<<", ">>", "|", "&", "^", "!", "==", "!=", "<>", "<", "<=",
       ">", ">=", "&&", "||", "(", ")", ",", " ", ";", ":", "~", "#", "/*", "*/", "=", "@"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ATOMS + OPS), max_size=14),
       st.sampled_from(["addi ", "", "lbl: ", ".word ", "m ", "x = ", ".insn r "]))
def test_random_lines(pieces, head):
    check(head + "".join(pieces))
