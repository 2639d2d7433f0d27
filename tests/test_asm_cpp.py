"""`toyasm build x.S`: a .S file is run through the C preprocessor first, as `clang -c x.S` does,
and every message, and the DWARF line table, name the file and line the user wrote (the
preprocessor's line markers), in the .S file or in a header it #includes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from asm_oracle import LINKER_SCRIPT, elf_sections, need
from isa.machine import DEFAULT_TEXT_BASE

TOYASM = [sys.executable, "-m", "asm.cli"]

HEADER = """\
#define TEST_CASE(n, rd, expected, code...) \\
    test_##n: code; li t6, expected; bne rd, t6, fail
#define LOADI(r, v) li r, v
"""
SOURCE = """\
#include "macros.h"
    .text
    .globl _start
_start:
#if XLEN == 32
    LOADI(a0, 32)
#else
    LOADI(a0, 64)
#endif
    TEST_CASE(2, a1, 6, LOADI(a1, 5); addi a1, a1, 1)
    TEST_CASE(3, a2, 15, LOADI(a2, -1); srli a2, a2, 28)
    j pass
fail:
    ebreak
pass:
    ret
"""


def toyasm(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(TOYASM + [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def work(tmp_path) -> Path:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "macros.h").write_text(HEADER)
    (tmp_path / "t.S").write_text(SOURCE)
    return tmp_path


def test_a_dot_S_file_is_preprocessed_as_clang_does(work):
    """The same bytes as clang's driver and ld.lld make of the same .S file, -I and -D included."""
    need("clang", "ld.lld")
    done = toyasm("build", "t.S", "-I", "inc", "-D", "XLEN=32", "-o", "t.elf", cwd=work)
    assert done.returncode == 0, done.stderr
    (work / "ref.ld").write_text(LINKER_SCRIPT.format(base=DEFAULT_TEXT_BASE))
    subprocess.run(["clang", "--target=riscv32", "-march=rv32im", "-mno-relax", "-c", "-Iinc", "-DXLEN=32",
                    "t.S", "-o", "ref.o"], cwd=work, check=True)
    subprocess.run(["ld.lld", "-T", "ref.ld", "-e", "0", "-o", "ref.elf", "ref.o"], cwd=work, check=True)
    ours = elf_sections((work / "t.elf").read_bytes())[".text"]
    theirs = elf_sections((work / "ref.elf").read_bytes())[".text"]
    assert ours == theirs
    # -D decides: without XLEN=32 the #else branch loads 64
    other = toyasm("build", "t.S", "-I", "inc", "-o", "u.elf", cwd=work)
    assert other.returncode == 0, other.stderr
    assert elf_sections((work / "u.elf").read_bytes())[".text"][1] != ours[1]


def test_errors_name_the_file_and_line_written(work):
    need("clang")
    (work / "inc" / "bad.h").write_text("    nop\n    frobnicate a0\n")
    (work / "bad.S").write_text('    .text\n_start:\n#include "bad.h"\n#define BIG 5000\n'
                                '    addi a0, a0, BIG\n')
    done = toyasm("build", "bad.S", "-I", "inc", cwd=work)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].endswith("bad.h:2:5: error: unknown instruction 'frobnicate'"), done.stderr
    assert any(line.startswith("bad.S:5:") and "out of range" in line for line in lines), done.stderr
    assert lines[-1] == "toyasm: 2 errors, no output written"


def test_the_preprocessors_own_error_is_shown(work):
    need("clang")
    (work / "m.S").write_text('#include "missing.h"\n')
    done = toyasm("build", "m.S", cwd=work)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "could not preprocess 'm.S'" in done.stderr and "missing.h" in done.stderr


def test_debug_lines_are_the_dot_S_files_lines(work):
    need("clang", "llvm-dwarfdump")
    done = toyasm("build", "-g", "t.S", "-I", "inc", "-D", "XLEN=32", "-o", "t.elf", cwd=work)
    assert done.returncode == 0, done.stderr
    table = subprocess.run(["llvm-dwarfdump", "--debug-line", "t.elf"], capture_output=True, text=True,
                           cwd=work).stdout
    rows = [line.split() for line in table.splitlines() if line.startswith("0x")]
    # LOADI(a0, 32) at line 6 (not the #else branch at 8); the two test cases at 10 and 11
    assert sorted({int(r[1]) for r in rows}) == [6, 10, 11, 12, 14, 16]
    assert 'name: "t.S"' in table and "macros.h" not in table


def test_a_lower_case_dot_s_file_is_not_preprocessed(work):
    (work / "plain.s").write_text("#define X 1\n    .text\n_start: nop\n")   # '#' starts a comment
    done = toyasm("build", "plain.s", cwd=work)
    assert done.returncode == 0, done.stderr


def test_gnu_cpp_serves_when_clang_is_missing(work, monkeypatch):
    """The fallback is the host's cpp, told it preprocesses for a 32-bit RISC-V target."""
    need("cpp")
    import asm.cpp
    from asm.api import assemble_files
    monkeypatch.setattr(asm.cpp, "PREPROCESSORS", asm.cpp.PREPROCESSORS[1:])
    (work / "x.S").write_text("#if __riscv_xlen == 32 && !defined(__x86_64__)\n    .text\n_start: li a0, 7\n#endif\n")
    assert len(assemble_files([str(work / "x.S")]).text) == 4      # the #if held: li a0, 7 is there


def test_the_listing_shows_the_lines_as_written(work):
    need("clang")
    (work / "inc" / "two.h").write_text("    addi a0, a0, 1\n    addi a0, a0, 2\n")
    (work / "l.S").write_text('    .text\n_start:\n#include "two.h"\n    nop\n')
    done = toyasm("build", "l.S", "-I", "inc", "-l", "l.lst", cwd=work)
    assert done.returncode == 0, done.stderr
    rows = [line.split()[:2] for line in (work / "l.lst").read_text().splitlines()]
    assert rows[0] == ["#", "l.S"] and rows[3][0] == "#" and rows[3][1].endswith("two.h")
    assert rows[4:6] == [["1", "00010000"], ["2", "00010004"]]     # the header's own line numbers
    assert rows[6] == ["#", "l.S"] and rows[7] == ["4", "00010008"]
