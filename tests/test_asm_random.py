"""Hypothesis-generated programs and expressions, toyasm against llvm-mc + ld.lld."""
from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from isa import FIELDS, INSTRUCTIONS
from isa.machine import ABI_NAMES
from asm_oracle import llvm_linked, llvm_text, need, toyasm_linked, toyasm_text

REGS = [f"x{i}" for i in range(32)] + list(ABI_NAMES)
RV32IM = [ins for ins in INSTRUCTIONS if ins.ext in ("RV32I", "RV32M")]
LABELS = [f"L{i}" for i in range(6)]
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

reg = st.sampled_from(REGS)


def _field(name: str):
    f = FIELDS[name]
    return st.integers(f.lo // f.align, f.hi // f.align).map(lambda v: v * f.align)


@st.composite
def table_instruction(draw):
    ins = draw(st.sampled_from(RV32IM))
    ops = []
    for token in ins.operands:
        if token.kind == "mem":
            ops.append(f"{draw(_field('imm12'))}({draw(reg)})")
        elif token in ("rd", "rs1", "rs2"):
            ops.append(draw(reg))
        elif token in ("bimm12", "jimm20"):
            ops.append(draw(st.sampled_from(LABELS + ["1b", "1f"])))
        elif token in ("pred", "succ"):
            ops.append(draw(st.sampled_from(["iorw", "rw", "r", "w", "io", "o"])))
        else:
            ops.append(str(draw(_field(token))))
    return f"{ins.mnemonic} {', '.join(ops)}".strip()


literal = st.one_of(st.integers(-(1 << 31), (1 << 32) - 1),
                    st.integers(-(1 << 31), -1).map(lambda v: v & (2 ** 64 - 1)),
                    st.sampled_from([0, 1, -1, 2047, 2048, -2048, -2049, 0x800, 0xFFF, 0x7FFFF800]))


@st.composite
def pseudo_instruction(draw):
    r1, r2, r3 = draw(reg), draw(reg), draw(reg)
    target = draw(st.sampled_from(LABELS + ["1b", "1f"]))
    return draw(st.sampled_from([
        "nop", f"li {r1}, {draw(literal)}", f"li {r1}, {hex(draw(literal))}",
        f"mv {r1}, {r2}", f"not {r1}, {r2}", f"neg {r1}, {r2}", f"seqz {r1}, {r2}",
        f"snez {r1}, {r2}", f"sltz {r1}, {r2}", f"sgtz {r1}, {r2}",
        f"beqz {r1}, {target}", f"bnez {r1}, {target}", f"blez {r1}, {target}",
        f"bgez {r1}, {target}", f"bltz {r1}, {target}", f"bgtz {r1}, {target}",
        f"bgt {r1}, {r2}, {target}", f"ble {r1}, {r2}, {target}",
        f"bgtu {r1}, {r2}, {target}", f"bleu {r1}, {r2}, {target}",
        f"j {target}", f"jal {target}", f"jr {r1}", f"jalr {r1}", "ret",
        f"la {r1}, {draw(st.sampled_from(LABELS + ['D0', 'D1']))}",
        f"lla {r1}, {draw(st.sampled_from(LABELS + ['D0', 'D1']))}",
        f"call {draw(st.sampled_from(LABELS))}", f"tail {draw(st.sampled_from(LABELS))}",
        f"lw {r1}, {draw(st.sampled_from(['D0', 'D1']))}",
        f"sw {r1}, {draw(st.sampled_from(['D0', 'D1']))}, {r3}",
    ]))


data_directive = st.one_of(
    st.lists(st.integers(-128, 255), min_size=1, max_size=4).map(
        lambda v: ".byte " + ", ".join(map(str, v))),
    st.lists(st.integers(-(1 << 15), (1 << 16) - 1), min_size=1, max_size=3).map(
        lambda v: ".half " + ", ".join(map(str, v))),
    st.lists(st.integers(-(1 << 31), (1 << 32) - 1), min_size=1, max_size=3).map(
        lambda v: ".word " + ", ".join(map(str, v))),
    st.sampled_from(LABELS).map(lambda l: f".word {l}"),
    st.lists(st.sampled_from(["a", "Z", " ", "\\n", "\\t", "\\\\", '\\"', "\\101", "\\x7f"]),
             max_size=6).map(lambda s: f'.asciz "{"".join(s)}"'),
    st.integers(0, 9).map(lambda n: f".space {n}"),
    st.integers(0, 3).map(lambda n: f".p2align {n}"),
)


@st.composite
def program(draw):
    body = draw(st.lists(st.one_of(table_instruction(), pseudo_instruction(),
                                   st.integers(0, 4).map(lambda n: f".p2align {n}"),
                                   st.just(".word 0x12345678")), min_size=1, max_size=40))
    # every label once, at a random place; numeric label 1 at both ends
    for label in LABELS:
        body.insert(draw(st.integers(0, len(body))), f"{label}:")
    sep = draw(st.sampled_from(["\n", "\n", " ; "]))
    data = draw(st.lists(data_directive, max_size=10))
    return ("    .text\n1:\n" + sep.join(body) + "\n1:  nop\n    .data\nD0: .word 7\n" +
            "\n".join(data) + "\n    .p2align 2\nD1: .word D0\n")


@SETTINGS
@given(program())
def test_random_programs_match_llvm(source):
    need("llvm-mc", "ld.lld")
    assert toyasm_linked(source) == llvm_linked(source), source


# --- expressions -------------------------------------------------------------------------------
BINARY = ["+", "-", "*", "/", "%", "<<", ">>", "|", "&", "^", "==", "!=", "<", "<=", ">", ">=",
          "&&", "||", "!"]
number = st.one_of(st.integers(-100, 100), st.integers(0, 2 ** 64 - 1).map(hex),
                   st.sampled_from(["'a'", "0b1011", "017", "(-1)"]))


def expression():
    return st.recursive(
        number.map(str),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
            st.tuples(st.sampled_from(["-", "~", "!", "+"]), inner).map(lambda t: f"{t[0]}{t[1]}"),
            inner.map(lambda e: f"({e})")),
        max_leaves=6)


def _toyasm_accepts(expr: str) -> bool:
    from asm.errors import AsmErrors
    try:
        toyasm_text(f".quad {expr}\n")
    except AsmErrors:
        return False
    return True


@SETTINGS
@given(st.lists(expression(), min_size=1, max_size=25))
def test_random_expressions_match_llvm(exprs):
    need("llvm-mc")
    exprs = [e for e in exprs if _toyasm_accepts(e)]  # division by zero is an error in both
    assume(exprs)
    source = "".join(f".quad {e}\n" for e in exprs)
    try:
        theirs = llvm_text(source)
    except AssertionError as e:
        assume("PLEASE submit a bug report" not in str(e))  # llvm-mc 14 dies on INT64_MIN / -1
        raise
    ours = toyasm_text(source)
    for i, e in enumerate(exprs):
        assert ours[8 * i:8 * i + 8] == theirs[8 * i:8 * i + 8], e
