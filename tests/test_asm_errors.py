"""Error reporting: one test per class of error, through the toyasm CLI.

Every error is ``file:line:col: error: message``, then the source line and a caret under the
column, on stderr; the exit status is 1, no output file is written, and no traceback."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from asm.cli import main


def build(tmp_path, *files: tuple[str, str], extra=()):
    paths = []
    for name, text in files:
        p = tmp_path / name
        p.write_text(text)
        paths.append(str(p))
    out = tmp_path / "out.elf"
    result = CliRunner().invoke(main, ["build", *extra, *paths, "-o", str(out)])
    return result, out


def diagnostics(stderr: str) -> list[tuple[str, int, int, str, str, str]]:
    """(file, line, col, message, source line, caret line) of each error."""
    lines = stderr.splitlines()
    found = []
    for i, line in enumerate(lines):
        m = re.match(r"(.+?):(\d+):(\d+): error: (.*)$", line)
        if m:
            found.append((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4),
                          lines[i + 1], lines[i + 2]))
    return found


def one_error(tmp_path, source: str, name="prog.s"):
    result, out = build(tmp_path, (name, source))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr
    assert not out.exists()
    errors = diagnostics(result.stderr)
    assert len(errors) == 1, result.stderr
    file, line, col, message, text, caret = errors[0]
    assert file == str(tmp_path / name)
    assert caret == " " * (col - 1) + "^" and text == source.splitlines()[line - 1]
    return line, col, message


def test_unknown_mnemonic_suggests_the_closest(tmp_path):
    assert one_error(tmp_path, "_start:\n    addd a0, a1, a2\n") == \
        (2, 5, "unknown instruction 'addd'; did you mean 'add'?")


def test_immediate_out_of_range_gives_the_range(tmp_path):
    assert one_error(tmp_path, "  nop\n  addi a0, a1, 2048\n") == \
        (2, 16, "immediate 2048 out of range: must be an integer in the range [-2048, 2047]")
    line, col, message = one_error(tmp_path, "  slli t0, t0, 32\n")
    assert (line, col) == (1, 16) and "[0, 31]" in message


def test_branch_out_of_range_gives_the_range(tmp_path):
    line, col, message = one_error(tmp_path, "start: beq a0, a1, far\n.space 5000\nfar: nop\n")
    assert (line, col) == (1, 20)
    assert message == "branch target out of range: offset 5004 is not in [-4096, 4094]"
    line, col, message = one_error(tmp_path, "j far\n.space 0x100000\nfar: nop\n")
    assert message.startswith("jump target out of range") and "[-1048576, 1048574]" in message


def test_bad_register(tmp_path):
    assert one_error(tmp_path, "  add a0, a9, a1\n") == (1, 11, "invalid register 'a9'")
    assert one_error(tmp_path, "  lw a0, 8(r1)\n") == (1, 12, "invalid register 'r1'")
    assert one_error(tmp_path, "  sw a0, %lo(x)( t9 )\n") == (1, 18, "invalid register 't9'")


def test_undefined_symbol(tmp_path):
    assert one_error(tmp_path, "  la a0, nowhere\n") == (1, 10, "undefined symbol 'nowhere'")
    assert one_error(tmp_path, "  li a0, 4 + missing * 2\n") == (1, 14, "undefined symbol 'missing'")
    assert one_error(tmp_path, "  j 1f\n") == (1, 5, "undefined local label '1f'")


def test_duplicate_symbol_names_both_places(tmp_path):
    result, _ = build(tmp_path, ("prog.s", "x: nop\n  nop\nx: nop\n"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'prog.s'}:3:1: error: symbol 'x' is already defined" in result.stderr
    assert f"{tmp_path / 'prog.s'}:1:1: note: previous definition is here" in result.stderr


def test_missing_endm_and_endr(tmp_path):
    assert one_error(tmp_path, "nop\n.macro m a\n  addi a0, a0, \\a\n") == \
        (2, 1, "'.macro' without a matching '.endm'")
    assert one_error(tmp_path, "nop\n  .rept 3\n  nop\n") == \
        (2, 3, "'.rept' without a matching '.endr'")
    assert one_error(tmp_path, "  nop\n  .endr\n") == (2, 3, "'.endr' without a matching '.rept'")


def test_bad_directive(tmp_path):
    assert one_error(tmp_path, "  .wrod 5\n") == (1, 3, "unknown directive '.wrod'; did you mean '.word'?")
    line, col, message = one_error(tmp_path, "  .align 3, 0, 1, 2\n")
    assert (line, col) == (1, 19) and message.startswith("'.align' takes")


@pytest.mark.parametrize("source, col, message", [
    ("  add a0, a1,\n", 14, "expected a register"),
    ("  add a0 a1, a2\n", 10, "unexpected 'a1': expected ',' or end of statement"),
    ("  addi a0, a1, 5 +\n", 19, "unexpected end of line: expected an operand"),
    ("  .ascii \"abc\n", 10, "unterminated string"),
    ("  nop /* never closed\n", 7, "unterminated comment"),
    ("  addi a0, a1, 1 ) \n", 18, "unexpected ')': expected ',' or end of statement"),
    ("  li a0, %foo(1)\n", 10, "unknown relocation '%foo' (expected %hi, %lo, %pcrel_hi or %pcrel_lo)"),
    ("  .word 0x1ffffffffffffffff\n", 9, "integer literal does not fit in 64 bits"),
])
def test_syntax_errors_are_reported_in_the_same_format(tmp_path, source, col, message):
    line, got_col, got = one_error(tmp_path, source)
    assert (line, got_col) == (1, col)
    assert got.startswith(message), got


def test_every_error_of_a_run_is_reported(tmp_path):
    source = ("_start:\n"
              "  addi a0, a0, 5000\n"        # immediate
              "  ad a0, a1, a2\n"            # mnemonic
              "  lw a0, 4(q9)\n"             # register
              "  add a0, a1,, a2\n"          # operand
              "  j undefined_thing\n"        # symbol (found at link time)
              "  .wrod 5\n"                  # directive
              "  beq a0, a1, +\n"            # syntax
              "  nop\n")
    result, out = build(tmp_path, ("prog.s", source))
    assert result.exit_code == 1 and not out.exists()
    assert [e[1] for e in diagnostics(result.stderr)] == [2, 3, 4, 5, 6, 7, 8]
    assert result.stderr.rstrip().endswith("toyasm: 7 errors, no output written")


def test_errors_inside_macros_point_at_the_body_and_the_call(tmp_path):
    source = (".macro bump reg, by\n"
              "  addi \\reg, \\reg, \\by\n"
              ".endm\n"
              "  bump a0, 1\n"
              "  bump a0, 9999\n")
    result, _ = build(tmp_path, ("prog.s", source))
    assert result.exit_code == 1
    errors = diagnostics(result.stderr)
    assert [(e[1], e[3]) for e in errors] == [
        (2, "immediate 9999 out of range: must be an integer in the range [-2048, 2047]")]
    assert errors[0][4] == "  addi a0, a0, 9999"   # the expanded line
    assert f"{tmp_path / 'prog.s'}:5:3: note: in expansion of macro 'bump'" in result.stderr


def test_macro_argument_errors(tmp_path):
    source = ".macro two a, b:req\n  add \\a, \\b, \\b\n.endm\n  two a0\n  two a0, a1, a2\n"
    result, _ = build(tmp_path, ("prog.s", source))
    errors = diagnostics(result.stderr)
    assert [(e[1], e[3]) for e in errors] == [
        (4, "missing value for required parameter 'b' of macro 'two'"),
        (5, "too many arguments for macro 'two'")]


def test_include_of_a_missing_file(tmp_path):
    assert one_error(tmp_path, '  .include "nothere.inc"\n') == \
        (1, 12, "cannot find file 'nothere.inc'")


def test_unreadable_input_file(tmp_path):
    result = CliRunner().invoke(main, ["build", str(tmp_path / "missing.s"), "-o",
                                       str(tmp_path / "x.elf")])
    assert result.exit_code == 1
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr


def test_warnings_do_not_fail_the_build(tmp_path):
    result, out = build(tmp_path, ("prog.s", "  .warning \"careful\"\n  nop\n"))
    assert result.exit_code == 0 and out.exists()
    assert f"{tmp_path / 'prog.s'}:1:3: warning: careful" in result.stderr


PIECES = ["add", "addi", "lw", "sw", "li", "la", "call", "beq", "j", "jalr", "fence", "mfsr",
          ".word", ".byte", ".ascii", ".rept", ".endr", ".macro", ".endm", ".if", ".endif",
          ".align", ".section", ".equ", ".globl", ".include", ".fill", ".org", ".irp",
          "a0", "sp", "x31", "psw", "zero", "lab", "lab:", "1:", "1b", "1f", "0x", "0x1f",
          "-5", "4096", "99999999999999999999", "'a", "'\\n'", '"s"', '"', "(", ")", ",", ";",
          "%hi(", "%lo", "%pcrel_lo(1b)", "+", "-", "*", "/", "%", "<<", ">>", "!", "~", "==",
          "\\x", "\\@", "/*", "*/", "#", "\n", "\n", "\n", " ", " ", "\t", "@", "=", ".", "$"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_no_input_makes_the_assembler_crash(pieces):
    from asm.api import assemble_source
    from asm.errors import AsmErrors
    try:
        exe = assemble_source(" ".join(pieces))
        exe.to_elf()
    except AsmErrors as e:
        for d in e.diagnostics:
            assert d.format()


def test_an_error_in_a_rept_body_is_reported_once(tmp_path):
    result, _ = build(tmp_path, ("prog.s", ".rept 3\naddi a0, a0, 9999\nfoo bar baz\n.endr\n"))
    assert [(e[1], e[2], e[3]) for e in diagnostics(result.stderr)] == [
        (2, 14, "immediate 9999 out of range: must be an integer in the range [-2048, 2047]"),
        (3, 1, "unknown instruction 'foo'")]
