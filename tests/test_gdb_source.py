"""Source-level debugging through the stub: a bare-metal C kernel built by clang -g (DWARF line
tables and frames made by the LLVM toolchain), and assembly built by ``toyasm build -g``:
``break FILE:LINE``, ``next``, ``step``, ``finish``, ``reverse-next``/``reverse-step``."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from gdb_session import TRAPPER, ROOT, TOYVM, needs_gdb, run_gdb, values

pytestmark = needs_gdb

PROGRAM = r"""#define CONSOLE_TX ((volatile unsigned *) 0xF0000000)
#define POWER_OFF ((volatile unsigned *) 0xF0000018)

static void put(char c)
{
    *CONSOLE_TX = c;
}

static int square(int x)
{
    int y = x * x;
    return y;
}

int total;

int main(void)
{
    for (int i = 1; i <= 3; i++) {
        total += square(i);
        put('0' + i);
    }
    put('\n');
    *POWER_OFF = total;
    return 0;
}
"""
CRT0 = """    .text
    .globl _start
_start:
    li      sp, 0x80000
    call    main
1:  j       1b
"""


@pytest.fixture(scope="module")
def c_kernel(tmp_path_factory):
    if not (shutil.which("clang") and shutil.which("ld.lld")):
        pytest.skip("clang/ld.lld are not installed")
    d = tmp_path_factory.mktemp("gdbc")
    (d / "prog.c").write_text(PROGRAM)
    (d / "crt0.s").write_text(CRT0)
    subprocess.run(["clang", "--target=riscv32", "-march=rv32im", "-mabi=ilp32", "-nostdlib", "-ffreestanding",
                    "-O0", "-g", "-fuse-ld=lld", "-o", "prog.elf", "crt0.s", "prog.c"], cwd=d, check=True)
    return d / "prog.elf"


def test_next_step_finish_and_back_through_c_source(c_kernel):
    s = run_gdb(c_kernel, ["break main", "continue", "next", "reverse-next", "next", "step", "info locals", "finish",
                           "break prog.c:24", "continue", "p total", "break put", "reverse-continue", "p c",
                           "reverse-continue", "p c", "p total"], [c_kernel])
    lines = re.findall(r"^(?:0x[0-9a-f]+\t)?(\d+)\t", s.gdb, re.M)
    # crt0's first line, main's loop (19), the call (20), back to 19, again 20, into square (11)
    assert lines[:6] == ["4", "19", "20", "19", "20", "11"], s.gdb
    assert re.search(r"square \(x=1\) at prog\.c:11", s.gdb) and "y = " in s.gdb
    assert "Value returned is $1 = 1" in s.gdb              # finish
    assert re.search(r"Breakpoint 2, main \(\) at prog\.c:24", s.gdb)
    assert "$2 = 14" in s.gdb                         # 1 + 4 + 9, as the guest computed it
    # back to the last calls of put, with the state each had then
    assert re.search(r"Breakpoint 3, put \(c=10 '\\n'\) at prog\.c:6", s.gdb)
    assert re.search(r"Breakpoint 3, put \(c=51 '3'\) at prog\.c:6", s.gdb)
    assert "$3 = 10 '\\n'" in s.gdb and "$4 = 51 '3'" in s.gdb and "$5 = 14" in s.gdb
    assert s.stdout == b"123\n" and s.status == 14     # printed once, though gdb went back over put


def toyasm_has_g() -> bool:
    r = subprocess.run(TOYVM[:1] + ["-m", "asm.cli", "build", "--help"], cwd=ROOT, capture_output=True, text=True)
    return re.search(r"^\s+-g\b", r.stdout, re.M) is not None


def test_break_file_line_next_and_step_in_toyasm_source(tmp_path):
    if not toyasm_has_g():
        pytest.skip("toyasm build -g (DWARF line information) is not there yet")
    source = tmp_path / "trapper.s"
    source.write_text(TRAPPER)
    elf = tmp_path / "trapper.elf"
    subprocess.run(TOYVM[:1] + ["-m", "asm.cli", "build", "-g", str(source), "-o", str(elf)], cwd=ROOT, check=True)
    text = TRAPPER.splitlines()
    store_line = next(i for i, line in enumerate(text, 1) if line.startswith("watched_store:")) + 1
    s = run_gdb(elf, [f"break trapper.s:{store_line}", "continue", "info registers pc", "next", "next",
                      "info registers pc", "info line *$pc"], [elf])
    assert f"trapper.s, line {store_line}." in s.gdb or f"trapper.s:{store_line}" in s.gdb
    pcs = values(s.gdb, "pc")
    assert pcs[1] - pcs[0] == 8                         # two lines of one instruction each
    assert s.status == 7
