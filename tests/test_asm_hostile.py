"""Hostile input to toyasm (issue 9): whatever the input, ``toyasm build`` finishes in bounded
time and memory, never prints a traceback or "internal error", and reports each problem as
``file:line:col: error: message`` with the source line and a caret. What llvm-mc rejects,
toyasm rejects (docs/asm.md, "Limits").

One regression test per input that once broke it, then hypothesis-generated mixes of
directives, garbage, huge numbers and nesting. Builds run in-process (click's CliRunner),
except those that must show a bounded peak memory: they run under an address-space limit."""
from __future__ import annotations

import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asm.api import AsmErrors, assemble_source
from asm.cli import main

REPO = Path(__file__).resolve().parents[1]
MAX_REPORT = 256 * 1024       # bytes of diagnostics any of these inputs may print
ADDRESS_SPACE = 1 << 30       # what a subprocess build may map (a 4 GB allocation fails)


def build(tmp_path: Path, source: str | bytes, *options: str, name: str = "prog.s"):
    """``toyasm build`` of ``source`` in-process: (exit status, stderr, output path)."""
    src = tmp_path / name
    src.write_bytes(source if isinstance(source, bytes) else source.encode())
    out = tmp_path / "out.elf"
    result = CliRunner().invoke(main, ["build", *options, str(src), "-o", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    _assert_sane(result.stderr)
    return result.exit_code, result.stderr, out


def _assert_sane(stderr: str) -> None:
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr[:2000]
    assert len(stderr) < MAX_REPORT, f"{len(stderr)} bytes of diagnostics"


def errors(stderr: str) -> list[tuple[int, int, str]]:
    """(line, col, message) of each error; checks that each has its line and a caret."""
    lines = stderr.split("\n")   # not splitlines(): a CR, FF or VT in a source line is no break
    found = []
    for i, text in enumerate(lines):
        m = re.match(r".+?:(\d+):(\d+): error: (.*)$", text)
        if m:
            assert lines[i + 2].lstrip(" \t").startswith("^"), stderr
            found.append((int(m.group(1)), int(m.group(2)), m.group(3)))
    return found


def one_error(tmp_path, source, *options) -> tuple[int, int, str]:
    status, stderr, out = build(tmp_path, source, *options)
    assert status == 1 and not out.exists(), stderr
    found = errors(stderr)
    assert len(found) == 1, stderr
    return found[0]


def limited_build(tmp_path: Path, source: str, *options: str, timeout: float = 60):
    """``toyasm build`` in a subprocess that may map at most ADDRESS_SPACE bytes: a build
    that tried to allocate gigabytes would die with a MemoryError (a traceback here)."""
    src = tmp_path / "prog.s"
    src.write_text(source)

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "asm.cli", "build", *options, str(src),
                           "-o", str(tmp_path / "out")], cwd=REPO, capture_output=True,
                          text=True, preexec_fn=limit, timeout=timeout, check=False)
    _assert_sane(done.stderr)
    return done.returncode, done.stderr, time.monotonic() - start


# --- tracebacks and internal errors -------------------------------------------------------------
def test_comm_with_a_negative_size(tmp_path):
    assert one_error(tmp_path, ".comm big, -4096\n") == (1, 12, "size must be non-negative")


def test_flat_image_with_data_near_4_gib(tmp_path):
    status, stderr, seconds = limited_build(tmp_path, "_start: nop\n.data\n.word 1\n",
                                            "--format", "bin", "--data-base", "0xfff00000")
    assert status == 1 and "more than 64 MiB" in stderr and seconds < 20


def test_integer_literal_of_5000_digits(tmp_path):
    assert one_error(tmp_path, ".word " + "9" * 5000 + "\n") == \
        (1, 7, "integer literal does not fit in 64 bits")
    assert one_error(tmp_path, "lw a0, " + "7" * 5000 + "(a1)\n")[2] == \
        "integer literal does not fit in 64 bits"
    leading_zeros = ".word 0" + "0" * 5000 + "7\n"   # octal 7: fine however many zeros
    assert assemble_source(leading_zeros).text == (7).to_bytes(4, "little")


def test_250_chained_forward_sets_assemble_as_with_llvm_mc():
    source = ".word v0\n" + "".join(f".set v{i}, v{i + 1}+1\n" for i in range(250)) + \
        ".set v250, 1\n"
    assert assemble_source(source).text == (251).to_bytes(4, "little")


def test_chains_and_deep_expressions_of_any_length():
    chain = ".word v0\n" + "".join(f".set v{i}, v{i + 1}+1\n" for i in range(5000)) + \
        ".set v5000, lab - 0x10000\nlab: nop\n"
    assert assemble_source(chain).text[:4] == (5000 + 4).to_bytes(4, "little")
    sum_ = ".word " + "+".join(["a"] * 5000) + "\na = 1\n"
    assert assemble_source(sum_).text == (5000).to_bytes(4, "little")
    parens = ".word " + "(" * 3000 + "lab" + ")" * 3000 + "\nlab: nop\n"
    assert assemble_source(parens).text[:4] == (0x10004).to_bytes(4, "little")


# --- unbounded memory ---------------------------------------------------------------------------
@pytest.mark.parametrize("source, message", [
    (".byte 1\n.balign 0x40000000\n", "alignment must be at most 65536, not 1073741824"),
    (".bss\n.byte 0\n.balign 0x80000000\n", "alignment must be at most 65536, not 2147483648"),
    (".p2align 20\n", "alignment exponent must be in [0, 16], not 20"),
    (".comm x, 4, 1 << 20\n", "alignment must be at most 65536, not 1048576"),
])
def test_alignment_is_capped(tmp_path, source, message):
    assert one_error(tmp_path, source)[2] == message


def test_bss_padding_is_not_built(tmp_path):
    status, stderr, seconds = limited_build(tmp_path, ".bss\n.byte 0\n.balign 0x10000\n"
                                            ".space 0xC0000000\n_start: .text\nnop\n")
    assert status == 0, stderr
    assert seconds < 20


def test_total_image_size_across_sections(tmp_path):
    source = "".join(f'.section .d{i}, "aw"\n.space 255*1024*1024\n' for i in range(12))
    status, stderr, seconds = limited_build(tmp_path, source)
    assert status == 1 and seconds < 20
    assert "would take the program beyond 64 MiB of contents" in stderr
    small = "".join(f'.section .d{i}, "aw"\n.space 20*1024*1024\n' for i in range(4))
    assert one_error(tmp_path, small)[:2] == (8, 8)   # the 4th makes 80 MiB


def test_incbin_reads_only_what_it_uses(tmp_path):
    huge = tmp_path / "huge.bin"
    with open(huge, "wb") as f:   # 8 GiB, sparse: costs no disk
        f.truncate(8 << 30)
        f.seek((8 << 30) - 16)
        f.write(bytes(range(16)))
    status, stderr, _ = limited_build(
        tmp_path, f'.data\n.incbin "{huge}", {(8 << 30) - 12}, 8\n_start: .text\nnop\n')
    assert status == 0, stderr
    exe = assemble_source(f'.data\nx: .incbin "{huge}", {(8 << 30) - 12}, 8\n')
    assert exe.section(".data").data == bytes(range(4, 12))
    status, stderr, _ = limited_build(tmp_path, f'.data\n.incbin "{huge}", 16\n')
    assert status == 1 and "beyond 64 MiB" in stderr


# --- hangs --------------------------------------------------------------------------------------
@pytest.mark.parametrize("source", [
    ".rept 1048576\n.rept 1048576\n.endr\n.endr\n",
    ".macro m\n.endm\n.rept 1048576\n.rept 1048576\nm\n.endr\n.endr\n",
    ".rept 2\n" * 60 + "nop\n" + ".endr\n" * 60,
    ".macro m n\n.if \\n\nm \\n-1\nm \\n-1\n.endif\n.endm\nm 40\n",   # 2^40 calls
    ".macro m a\nm \\a\\a\n.endm\nm x\n",                              # text doubling
    ".macro n\n.irpc d, " + "y" * 1000 + "\n.endr\n.endm\n.irpc c, " + "x" * 10000 +
    "\nn\n.endr\n",
])
def test_total_work_is_bounded(tmp_path, source):
    start = time.monotonic()
    status, stderr, _ = build(tmp_path, source)
    assert status == 1
    assert re.search(r"too much (repetition|expanded text)|nested too deeply", stderr), stderr
    assert time.monotonic() - start < 20


def test_nesting_is_bounded(tmp_path):
    line, col, message = one_error(tmp_path, ".macro m\nm\n.endm\nm\n")
    assert (line, col) == (2, 1) and message.startswith("macro 'm' nested too deeply")
    _, stderr, _ = build(tmp_path, ".macro m\nm\n.endm\nm\n")
    assert stderr.count("note: in expansion of macro 'm'") == 10    # the first 5, the last 5
    assert "(54 more macro calls not shown)" in stderr
    (tmp_path / "self.s").write_text('.include "self.s"\n')
    status, stderr, _ = build(tmp_path, '.include "self.s"\n')
    assert status == 1 and "nested too deeply" in stderr


def test_deep_conditionals_take_linear_time(tmp_path):
    start = time.monotonic()
    assert assemble_source(".if 1\n" * 20000 + ".word 5\n" + ".endif\n" * 20000).text == \
        (5).to_bytes(4, "little")
    assert time.monotonic() - start < 10


# --- output floods ------------------------------------------------------------------------------
def test_repeated_warnings_are_summarised(tmp_path):
    status, stderr, out = build(tmp_path, ".byte 1; " + "nop; " * 6000 + "\n")
    assert status == 0 and out.exists()
    assert stderr.count("warning: instruction is not aligned to 4 bytes") == 10
    assert "5990 more warnings like this suppressed" in stderr
    assert len(stderr) < 4000


def test_warnings_of_many_kinds_are_capped(tmp_path):
    status, stderr, _ = build(tmp_path, "".join(f'.warning "w{i}"\n' for i in range(500)))
    assert status == 0 and stderr.count(": warning: ") == 100
    assert "400 more warnings of other kinds suppressed" in stderr


def test_errors_stop_after_50(tmp_path):
    status, stderr, _ = build(tmp_path, "".join(f"bogus{i}\n" for i in range(1000)))
    assert status == 1 and len(errors(stderr)) == 50
    assert "note: stopping after 50 errors" in stderr


def test_a_long_line_is_shown_around_the_caret(tmp_path):
    line, col, _ = one_error(tmp_path, "nop; " * 10000 + "bogus\n")
    assert (line, col) == (1, 50001)
    _, stderr, _ = build(tmp_path, "nop; " * 10000 + "bogus\n")
    shown, caret = stderr.split("\n")[1:3]
    assert len(shown) < 200 and shown[caret.index("^"):].startswith("bogus")


# --- what llvm-mc rejects -----------------------------------------------------------------------
@pytest.mark.parametrize("source, expected", [
    (".equ a, a+1\n", (1, 9, "recursive use of 'a'")),
    (".set a, a+1\n", (1, 9, "recursive use of 'a'")),
    ("a = a+1\n", (1, 5, "recursive use of 'a'")),
    (".equiv a, a+1\n", (1, 11, "recursive use of 'a'")),
    (".equ a, b+1\n.equ b, a\n", (2, 9, "recursive use of 'b'")),
])
def test_recursive_symbol_definitions(tmp_path, source, expected):
    assert one_error(tmp_path, source) == expected


def test_redefinition_from_the_old_value_is_fine():
    assert assemble_source(".set a, 1\n.set a, a+1\n.word a\n").text == (2).to_bytes(4, "little")


@pytest.mark.parametrize("source, expected", [
    (".cfi_startproc garbage\n.cfi_endproc\n", (1, 16, "expected 'simple' or end of statement")),
    (".cfi_startproc\n.cfi_def_cfa_offset 16 garbage\n.cfi_endproc\n", None),
    (".cfi_startproc\n.cfi_offset r99, -4\n.cfi_endproc\n", (2, 13, "invalid register name")),
    (".cfi_startproc\n.cfi_def_cfa psw, 0\n.cfi_endproc\n", (2, 14, "invalid register name")),
    (".cfi_startproc\n.cfi_offset ra\n.cfi_endproc\n", (2, 1, None)),
    (".cfi_startproc\n.cfi_def_cfa_offset foo\n.cfi_endproc\nfoo:\n", (2, 21, None)),
    (".cfi_startproc\n.cfi_personality 7, foo\n.cfi_endproc\n", (2, 18, "unsupported encoding")),
    (".cfi_startproc\n.cfi_escape\n.cfi_endproc\n", (2, 1, None)),
    (".cfi_startproc\n.cfi_foo\n.cfi_endproc\n", (2, 1, None)),
    (".cfi_def_cfa_offset 16\n", (1, 1, ("this directive must appear between .cfi_startproc "
                                         "and .cfi_endproc directives"))),
    (".cfi_startproc\n", (1, 1, "'.cfi_startproc' without a matching '.cfi_endproc'")),
    (".cfi_startproc\n.cfi_startproc\n.cfi_endproc\n", (2, 1, ("starting new .cfi frame "
                                                         "before finishing the previous one"))),
])
def test_cfi_operands_are_checked(tmp_path, source, expected):
    status, stderr, _ = build(tmp_path, source)
    assert status == 1
    if expected is not None:
        line, col, message = errors(stderr)[0]
        assert (line, col) == expected[:2]
        assert expected[2] is None or message == expected[2]


def test_cfi_as_compilers_write_it():
    source = """.cfi_sections .debug_frame
f:  .cfi_startproc
    addi sp, sp, -16
    .cfi_def_cfa_offset 16
    sw ra, 12(sp)
    .cfi_offset ra, -4
    .cfi_offset 8, -8
    .cfi_def_cfa s0, 0
    .cfi_escape 0x10, 0x1ff
    .cfi_remember_state
    .cfi_restore ra
    .cfi_restore_state
    .cfi_personality 0x9b, f
    .cfi_lsda 0xff
    ret
    .cfi_endproc
"""
    assert len(assemble_source(source).text) == 12


@pytest.mark.parametrize("source, expected", [
    (".end 5\n", (1, 6, "'.end' takes no operands")),
    (".text 1\n", (1, 7, "subsections are not supported (only 0)")),
    (".previous\n", (1, 1, ".previous without corresponding .section")),
    (".globl .\n", (1, 8, "expected a symbol name")),
    (".type a, @foo\n", (1, 10, "unsupported attribute in '.type' directive")),
    (".option rvc, x\n", (1, 14, "'.option' takes an option name")),
    (".attribute foo, 1\n", (1, 12, "attribute name not recognised: foo")),
    (".attribute arch, 5\n", (1, 18, "expected a string")),
    (".ident\n", (1, 1, "'.ident' takes one string")),
    (".addrsig x\n", (1, 10, "'.addrsig' takes no operands")),
    (".loc 1, 2\n", (1, 6, "unassigned file number in '.loc' directive")),
    ('.section .a, "q"\n', (1, 14, "unknown section flag 'q'")),
    ('.section .a, "aw", @foo\n', (1, 20, "unknown section type 'foo'")),
    ('.section .a, "aM", @progbits\n', (1, 29, "expected the entry size")),
    ("lab: .word 1+%lo(lab)\n", (1, 14, "'%lo' is not allowed in the operand of a directive")),
    ("lab: j %lo(lab)\n", (1, 8, "'%lo' is not allowed in a branch or jump target")),
    ("lab: lui a0, %lo(lab)\n", (1, 14, "operand must be %hi(symbol) or an integer")),
    ("lab: addi a0, a0, 4+%lo(lab)\n",
     (1, 21, "operand must be %lo(symbol) or %pcrel_lo(symbol) or an integer")),
    ("call 5\n", (1, 6, "operand must be a bare symbol name")),
    ("lab: call lab+4\n", (1, 11, "operand must be a bare symbol name")),
    ("la a0, 5\n", (1, 8, "operand must be a symbol (or an expression with one)")),
])
def test_other_input_llvm_mc_rejects(tmp_path, source, expected):
    assert one_error(tmp_path, source) == expected


def test_incbin_negative_skip_and_count(tmp_path):
    (tmp_path / "f.bin").write_bytes(b"abcdef")
    assert one_error(tmp_path, '.incbin "f.bin", -5, -5\n') == (1, 18, "skip is negative")
    status, stderr, _ = build(tmp_path, '.data\n.incbin "f.bin", 2, -5\n')
    assert status == 0 and "2:21: warning: negative count has no effect" in stderr


def test_phys_base_that_wraps_past_4_gib(tmp_path):
    status, stderr, _ = build(tmp_path, "_start: nop\nnop\n", "--phys-base", "0xfffffffc")
    assert status == 1
    assert "--phys-base 0xfffffffc: the code (0x10000..0x10008) would load at " \
           "0xfffffffc..0x100000004, outside the 4 GiB address space" in stderr
    status, _, _ = build(tmp_path, "_start: nop\n", "--phys-base", "0xfffffffc")
    assert status == 0   # ends exactly at 4 GiB


def test_non_ascii_character_constant(tmp_path):
    assert one_error(tmp_path, ".byte 'é'\n") == \
        (1, 7, "a character constant must be one ASCII character")


# --- positions ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, first, last_line", [
    (b"nop\rnop\nbogus\n", (2, 1), 2),             # a lone CR ends a statement, not a line
    (b"nop\r\nnop\r\nbogus\r\n", (3, 1), 3),       # CRLF ends a line
    (b"nop # c\rbogus\nnop\n", (1, 9), 1),         # a lone CR ends a comment (llvm-mc)
    (b"nop\x0b\nnop\nbogus\n", (1, 4), 3),         # a vertical tab is not a blank
    (b"nop\x0c\nnop\nbogus\n", (1, 4), 3),         # nor a form feed
])
def test_only_lf_and_crlf_end_a_line(tmp_path, text, first, last_line):
    status, stderr, _ = build(tmp_path, text)
    assert status == 1
    found = errors(stderr)
    assert found[0][:2] == first and found[-1][0] == last_line


def test_a_lone_cr_separates_statements_as_in_llvm_mc():
    assert assemble_source("nop\rnop\n").text == bytes.fromhex("13000000") * 2


# --- macro arguments ----------------------------------------------------------------------------
def test_vararg_keeps_the_rest_of_the_call_as_written():
    source = """.macro pr a:vararg
\\a
.endm
.macro two x, rest:vararg
.word \\x
\\rest
.endm
pr .word 5
pr .word 1, 2,3
pr   .word   7   ,   8
two 9 .word 10
two 11, .word 12, 13
two 14 .word 15 , 16
"""
    words = [5, 1, 2, 3, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]   # what llvm-mc assembles
    assert assemble_source(source).text == b"".join(w.to_bytes(4, "little") for w in words)


def test_macro_arguments_split_as_in_llvm_mc():
    source = ".macro m a, b=0\n.word \\a, \\b\n.endm\nm 1 + 2\nm 3 4\nm 5 , 6\nm (1 + 2) 9\n"
    words = [3, 0, 3, 4, 5, 6, 3, 9]
    assert assemble_source(source).text == b"".join(w.to_bytes(4, "little") for w in words)


# --- generated hostile inputs -------------------------------------------------------------------
_WORDS = [".byte", ".half", ".word", ".quad", ".ascii", ".asciz", ".space", ".fill", ".align",
          ".p2align", ".balign", ".org", ".rept", ".endr", ".irp", ".irpc", ".macro m p=1",
          ".endm", ".if", ".ifdef", ".else", ".endif", ".set", ".equ", ".equiv", ".comm",
          ".section", ".text", ".data", ".bss", ".pushsection", ".popsection", ".globl",
          ".size", ".type", ".incbin", ".include", ".cfi_startproc", ".cfi_endproc",
          ".cfi_offset", ".cfi_escape", ".error", ".warning", ".end", ".skip", "m", "nop", "li",
          "la", "lw", "sw", "j", "call", "beq", "addi", "lui", "jalr", "a:", "1:", "a =", "\\p"]
_ATOMS = ["0", "1", "-1", "4096", "0x7fffffff", "0xffffffffffffffff", "1<<62", "9" * 40,
          "0b101", "a", "b", "1b", "1f", ".", "a0", "sp", "%hi(a)", "%lo(a)", "%pcrel_lo(1b)",
          "'a'", "'é'", '"s"', "4(sp)", "(a0)", "1/0", "\\p", "\\@", "@function", "((", ")",
          "\r", "\f", "\x00", "é", "a+a+a", "-~!a", "p=2", "1 2"]


@st.composite
def _hostile_source(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 25))):
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.text(max_size=30)))
            continue
        ops = draw(st.lists(st.sampled_from(_ATOMS) | st.integers(-(1 << 70), 1 << 70).map(str),
                            max_size=4))
        lines.append(draw(st.sampled_from(_WORDS)) + " " + ", ".join(ops))
    return draw(st.sampled_from(["\n", "\r\n", ";", "\r"])).join(lines) + "\n"


@settings(max_examples=80, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(_hostile_source())
def test_generated_hostile_sources_are_answered(source):
    try:
        exe = assemble_source(source, name="hostile.s")
        report = "\n".join(d.format() for d in exe.warnings)
        exe.to_elf()
    except AsmErrors as e:
        report = str(e)
        assert e.errors
        for d in e.errors:
            assert d.pos is None or d.where.line >= 1
    assert len(report) < MAX_REPORT


_NEST = st.recursive(
    st.sampled_from(["nop", ".word 1", ".space 1<<20", "m", ".byte 1", "bogus"]),
    lambda inner: st.tuples(st.sampled_from([".rept 1000", ".rept 1<<20", ".irpc c, xyzw",
                                             ".if 1", ".if 0"]),
                            st.lists(inner, min_size=1, max_size=3)).map(
        lambda t: "\n".join([t[0], *t[1], ".endif" if t[0].startswith(".if") else ".endr"])),
    max_leaves=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_NEST, min_size=1, max_size=3),
       st.sampled_from(["", ".macro m\nnop\n.endm\n", ".macro m\nm\n.endm\n"]))
def test_generated_nesting_finishes(tmp_path_factory, bodies, macro):
    tmp_path = tmp_path_factory.mktemp("nest")
    start = time.monotonic()
    status, _, _ = build(tmp_path, macro + "\n".join(bodies) + "\n")
    assert status in (0, 1)
    assert time.monotonic() - start < 20   # the budgets allow ~5 s; the rest is a busy machine


@pytest.mark.parametrize("statement, status", [
    ("x +;", 1),                              # each a syntax error: Lark resumes after each
    (".insn i 0x13, 0, a0, a1, 5;", 0),       # each read from its place in the line
    (".insn i 0x13, 0, a0, a1, 'a';", 0),     # each read by Lark (a character constant)
    ("li a0, (1+2)*3; .if 1; nop; .endif;", 0),
])
def test_one_line_of_many_statements_is_read_in_linear_time(tmp_path, statement, status):
    """A line of 20,000 statements: no work per statement that grows with the line (the
    timeout is the check: quadratic work here takes many minutes)."""
    got, stderr, _ = limited_build(tmp_path, statement * 20000 + "\n", timeout=120)
    assert got == status, stderr[-2000:]
