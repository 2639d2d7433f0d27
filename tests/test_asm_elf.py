"""toyasm's ELF files as the standard tools see them: llvm-readelf, llvm-objdump, gdb."""
from __future__ import annotations

import random
import re
import shutil
import subprocess

import pytest

from asm.api import assemble_source
from isa import INSTRUCTIONS
from isa.machine import ABI_NAMES
from asm_oracle import need

REGS = list(ABI_NAMES)


def _write(tmp_path, source: str, **layout):
    exe = assemble_source(source, **layout)
    path = tmp_path / "prog.elf"
    path.write_bytes(exe.to_elf())
    return exe, path


def _run(*cmd) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=60)


def _canonical_lines(rng: random.Random) -> list[str]:
    """Every RV32IM instruction written the way llvm-objdump -M no-aliases prints it."""
    lines = []
    for ins in INSTRUCTIONS:
        if ins.ext == "TOY32":
            continue
        ops = []
        for token in ins.operands:
            if token.kind == "mem":
                ops.append(f"{rng.randint(-2048, 2047)}({rng.choice(REGS)})")
            elif token in ("rd", "rs1", "rs2"):
                ops.append(rng.choice(REGS))
            elif token in ("bimm12", "jimm20"):
                ops.append(str(rng.randrange(-64, 64, 4)))
            elif token in ("pred", "succ"):
                ops.append(rng.choice(["iorw", "rw", "r", "ow"]))
            elif token == "shamt":
                ops.append(str(rng.randint(0, 31)))
            elif token == "imm20":
                ops.append(str(rng.randint(0, 0xFFFFF)))
            else:
                ops.append(str(rng.randint(-2048, 2047)))
        lines.append(f"{ins.mnemonic} {', '.join(ops)}".strip())
    return lines


def test_llvm_objdump_shows_the_source_instructions(tmp_path):
    need("llvm-objdump")
    lines = _canonical_lines(random.Random(7))
    exe, path = _write(tmp_path, "_start:\n" + "\n".join(lines) + "\n")
    done = _run("llvm-objdump", "-d", "--mattr=+m", "-M", "no-aliases", "--no-show-raw-insn", path)
    assert done.returncode == 0 and not done.stderr, done.stderr
    shown = []
    for row in done.stdout.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", row)
        if not m:
            continue
        pc, mnemonic, operands = int(m.group(1), 16), m.group(2), m.group(3).strip()
        # pc-relative targets are shown as absolute addresses: back to the source's offsets
        target = re.match(r"(.*?)(0x[0-9a-f]+)(?: <.*>)?$", operands)
        if mnemonic in ("beq", "bne", "blt", "bge", "bltu", "bgeu", "jal") and target:
            operands = f"{target.group(1)}{int(target.group(2), 16) - pc}"
        shown.append(f"{mnemonic} {operands}".strip())
    assert shown == lines


def test_llvm_readelf_accepts_the_executable(tmp_path):
    need("llvm-readelf")
    source = """
        .globl _start
        .type _start, @function
    _start: la a0, msg
        call f
        halt
        .size _start, . - _start
    f:  ret
        .section .rodata
    msg: .asciz "hi"
        .data
    counter: .word 1
        .bss
    buf: .space 100
    """
    exe, path = _write(tmp_path, source)
    done = _run("llvm-readelf", "--file-header", "--segments", "--sections", "--symbols", path)
    assert done.returncode == 0 and not done.stderr, done.stderr
    out = done.stdout
    assert "ELF32" in out and "little endian" in out and "RISC-V" in out
    assert "EXEC (Executable file)" in out
    assert re.search(r"Entry point address:\s+0x10000", out)
    loads = re.findall(r"LOAD\s+(0x\w+) (0x\w+) (0x\w+) (0x\w+) (0x\w+) (.{3})", out)
    assert [(int(v, 16), int(p, 16), int(fs, 16), int(ms, 16), fl.strip())
            for _, v, p, fs, ms, fl in loads] == [
        (0x10000, 0x10000, exe.segments[0].filesz, exe.segments[0].filesz, "R E"),
        (0x11000, 0x11000, 4, 0x68, "RW")]
    assert re.search(r"\.bss\s+NOBITS\s+00011004", out)
    assert re.search(r"00010000\s+\d+\s+FUNC\s+GLOBAL\s+DEFAULT\s+1 _start", out)
    assert re.search(r"\s+OBJECT|NOTYPE\s+LOCAL\s+DEFAULT\s+\d+ msg", out)


def test_phys_base_sets_load_addresses_only(tmp_path):
    need("llvm-readelf")
    exe, path = _write(tmp_path, "_start: j _start\n.data\nv: .word _start\n",
                       text_base=0x80010000, phys_base=0x10000)
    out = _run("llvm-readelf", "--segments", "--symbols", path).stdout
    loads = re.findall(r"LOAD\s+0x\w+ (0x\w+) (0x\w+)", out)
    assert [(int(v, 16), int(p, 16)) for v, p in loads] == [(0x80010000, 0x10000),
                                                            (0x80011000, 0x11000)]
    assert re.search(r"80010000\s+0\s+NOTYPE\s+LOCAL\s+DEFAULT\s+1 _start", out)
    assert exe.segments[1].data == (0x80010000).to_bytes(4, "little")


def test_gdb_reads_the_executable(tmp_path):
    gdb = shutil.which("gdb-multiarch") or shutil.which("gdb")
    if gdb is None:
        pytest.skip("gdb is not installed")
    exe, path = _write(tmp_path, ".globl _start\n_start: nop\nloop: j loop\n.data\nx: .word 5\n")
    done = _run(gdb, "-nx", "-batch", "-ex", "info files", "-ex", "info address loop", path)
    assert done.returncode == 0, done.stderr
    assert "Entry point: 0x10000" in done.stdout
    assert re.search(r"0x00010000 - 0x00010008 is \.text", done.stdout)
    assert re.search(r"0x00011000 - 0x00011004 is \.data", done.stdout)
    assert 'Symbol "loop" is at 0x10004' in done.stdout
