"""`toyasm build -g`: DWARF line information, checked against llvm-mc -g and GNU as -g (each
linked by ld.lld at toyasm's layout), read back with pyelftools, verified by llvm-dwarfdump,
and used by a real gdb (gdb-multiarch -batch): `info line`, `break file.s:LINE`, `list`."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from asm.api import assemble_source
from asm_oracle import GNU_AS, LINKER_SCRIPT, LLVM_MC, need

BIN = Path(sys.executable).parent

# Sources without macros: llvm-mc -g gives the same lines (one row per instruction there;
# toyasm, as GNU as, one per line, which maps every address to the same line)
PLAIN = {
    "straight": ".globl _start\n_start:\n  addi a0, a0, 1\n  li a1, 0x12345678\n\n  # c\n"
                "  nop; nop\nloop: bne a0, a1, loop\n  ret\n",
    "calls": ".globl _start\n_start:\n  call f\n  la a0, d\n  j _start\nf:\n  addi sp, sp, -16\n"
             "  sw ra, 12(sp)\n  lw ra, 12(sp)\n  addi sp, sp, 16\n  ret\n.data\nd: .word 1\n",
    "data_between": ".text\n  nop\n  .word 7\n  .balign 16\n  nop\n  .ascii \"abcd\"\n  .balign 8\n"
                    "  ret\n",
    "sections": ".section .text.init, \"ax\"\n_start: nop\n  j main\n.text\nmain: addi a0, a0, 2\n"
                "  ret\n",
}
# Macros (the call's line, as GNU as), .rept and .irp bodies (their own lines), includes
MACROS = """\
.macro two r
  addi \\r, \\r, 1
  addi \\r, \\r, 2
.endm
.macro outer r
  two \\r
  nop
.endm
.globl _start
_start:
  nop
  two a0
  outer a1
  .rept 2
  addi a2, a2, 1
  .endr
  .include "inc.s"
  .irp r, a3, a4
  addi \\r, \\r, 1
  .endr
  nop; nop
  ret
"""
INCLUDED = "  addi a1, a1, 1\n  addi a1, a1, 2\n"
SECOND = ".macro two_b r\n  nop\n  addi \\r, \\r, 2\n.endm\n  .text\nsecond:\n  addi t0, t0, 1\n" \
    "  two_b t1\n  ret\n"


def _link(objs: list[Path], out: Path) -> Path:
    script = out.with_suffix(".ld")
    script.write_text(LINKER_SCRIPT.format(base=0x10000))
    subprocess.run(["ld.lld", "-T", str(script), "-e", "0", "-o", str(out), *map(str, objs)],
                   check=True, capture_output=True)
    return out


def _reference(tool: list, sources: list[Path], work: Path) -> Path:
    """``sources`` assembled one by one with -g by ``tool``, linked by ld.lld."""
    need(tool[0], "ld.lld")
    objs = []
    for src in sources:
        obj = work / (src.stem + f".{Path(tool[0]).name}.o")
        subprocess.run([*tool, "-g", "-o", str(obj), src.name], check=True, cwd=work,
                       capture_output=True)
        objs.append(obj)
    return _link(objs, work / f"ref-{Path(tool[0]).name}.elf")


def _toyasm(sources: list[Path], work: Path, *options) -> Path:
    out = work / "toy.elf"
    done = subprocess.run([str(BIN / "toyasm"), "build", *options, *[s.name for s in sources],
                           "-o", str(out)], cwd=work, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


def line_map(path: Path) -> dict[int, tuple[str, int]]:
    """Every 4-byte address the line tables cover -> (file's base name, line)."""
    out = {}
    with open(path, "rb") as f:
        elf = ELFFile(f)
        assert elf.has_dwarf_info()
        dwarf = elf.get_dwarf_info()
        for cu in dwarf.iter_CUs():
            program = dwarf.line_program_for_CU(cu)
            names = [os.path.basename(e.name.decode()) for e in program["file_entry"]]
            prev = None
            for entry in program.get_entries():
                state = entry.state
                if state is None:
                    continue
                if prev is not None and not prev.end_sequence:
                    for address in range(prev.address, state.address, 4):
                        out[address] = (names[prev.file - 1], prev.line)
                prev = state
    return out


def _write(work: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for name, text in files.items():
        (work / name).write_text(text)
        paths.append(work / name)
    return paths


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_lines_as_llvm_mc(tmp_path, name):
    sources = _write(tmp_path, {f"{name}.s": PLAIN[name]})
    ours = line_map(_toyasm(sources, tmp_path, "-g"))
    assert ours == line_map(_reference(LLVM_MC, sources, tmp_path))
    assert len(ours) >= 3


def test_macros_rept_irp_include_and_two_files_as_gnu_as(tmp_path):
    sources = _write(tmp_path, {"main.s": MACROS, "second.s": SECOND})
    (tmp_path / "inc.s").write_text(INCLUDED)
    ours = line_map(_toyasm(sources, tmp_path, "-g"))
    assert ours == line_map(_reference(GNU_AS, sources, tmp_path))
    # what that means, line by line (the reference above is the oracle; this is the reading)
    assert ours[0x10004] == ours[0x10008] == ("main.s", 12)        # two a0: the call
    assert {ours[a] for a in range(0x1000c, 0x10018, 4)} == {("main.s", 13)}   # outer a1
    assert ours[0x10018] == ours[0x1001c] == ("main.s", 15)         # .rept body
    assert ours[0x10020] == ("inc.s", 1)                            # the included file
    assert ours[0x10028] == ours[0x1002c] == ("main.s", 19)         # .irp body


def test_debug_sections_are_well_formed(tmp_path):
    need("llvm-dwarfdump")
    sources = _write(tmp_path, {"main.s": MACROS, "second.s": SECOND})
    (tmp_path / "inc.s").write_text(INCLUDED)
    elf = _toyasm(sources, tmp_path, "-g")
    done = subprocess.run(["llvm-dwarfdump", "--verify", str(elf)], capture_output=True,
                          text=True)
    assert done.returncode == 0 and "No errors." in done.stdout, done.stdout
    dump = subprocess.run(["llvm-dwarfdump", "--debug-info", "--debug-aranges", str(elf)],
                          capture_output=True, text=True).stdout
    assert dump.count("DW_TAG_compile_unit") == 2          # one per source file, as objects
    assert 'DW_AT_name\t("main.s")' in dump and 'DW_AT_name\t("second.s")' in dump
    assert "DW_LANG_Mips_Assembler" in dump and f'("{tmp_path}")' in dump
    assert dump.count("Address Range Header") == 2


def test_without_g_there_is_no_debug_information():
    exe = assemble_source("nop\n")
    with_g = assemble_source("nop\n", debug=True)
    assert exe.debug_sections == {} and set(with_g.debug_sections) == {
        ".debug_info", ".debug_abbrev", ".debug_line", ".debug_aranges"}
    assert with_g.text == exe.text and with_g.segments == exe.segments


# --- gdb ---------------------------------------------------------------------------------------
GDB_SOURCE = """\
.macro bump r
  addi \\r, \\r, 1
  addi \\r, \\r, 1
.endm
.globl _start
_start:
L7: li a0, 0x12345678
L8: bump a0
L9: call helper
L10: j L10
helper:
L12: addi a1, a1, 3
L13: ret
"""
GDB_LINES = (7, 8, 9, 10, 12, 13)


def _gdb(elf: Path, *commands: str) -> str:
    need("gdb-multiarch")
    args = ["gdb-multiarch", "-nx", "-batch", "-ex", "set architecture riscv:rv32",
            "-ex", f"file {elf}"]
    for c in commands:
        args += ["-ex", c]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=elf.parent)
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def gdb_elf(tmp_path_factory):
    work = tmp_path_factory.mktemp("gdb")
    sources = _write(work, {"prog.s": GDB_SOURCE})
    elf = _toyasm(sources, work, "-g")
    symbols = assemble_source(GDB_SOURCE).symbols
    return elf, symbols


def test_gdb_breaks_at_file_and_line(gdb_elf):
    elf, symbols = gdb_elf
    out = _gdb(elf, *[f"break prog.s:{n}" for n in GDB_LINES])
    for k, n in enumerate(GDB_LINES, start=1):
        assert f"Breakpoint {k} at {symbols[f'L{n}']:#x}: file prog.s, line {n}." in out, out


def test_gdb_info_line_spans_the_whole_line(gdb_elf):
    elf, symbols = gdb_elf
    out = _gdb(elf, "info line prog.s:7", "info line prog.s:8", f"info line *{symbols['L12']:#x}")
    assert (f'Line 7 of "prog.s" starts at address {symbols["L7"]:#x} <_start> and ends at '
            f'{symbols["L8"]:#x}') in out, out                   # li: two instructions
    assert (f'Line 8 of "prog.s" starts at address {symbols["L8"]:#x}' in out
            and f'ends at {symbols["L9"]:#x}' in out), out      # the macro's two instructions
    assert f'Line 12 of "prog.s" starts at address {symbols["L12"]:#x} <helper>' in out


def test_gdb_lists_the_source(gdb_elf):
    elf, _ = gdb_elf
    out = _gdb(elf, "list prog.s:9,10")
    assert "9\tL9: call helper" in out and "10\tL10: j L10" in out, out


@pytest.mark.skipif(shutil.which("qemu-riscv32") is None, reason="qemu-riscv32 not installed")
def test_gdb_stops_at_a_source_line_in_a_running_program(gdb_elf, tmp_path):
    """Against qemu-riscv32's gdb stub: `break prog.s:12`, run, and the pc is there."""
    import socket
    elf, symbols = gdb_elf
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    qemu = subprocess.Popen(["qemu-riscv32", "-g", str(port), str(elf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        out = _gdb(elf, f"target remote 127.0.0.1:{port}", "break prog.s:12", "continue",
                   "info line *$pc", "kill")
    finally:
        qemu.kill()
        qemu.wait()
    assert f'Line 12 of "prog.s" starts at address {symbols["L12"]:#x} <helper>' in out, out
