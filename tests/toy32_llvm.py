"""Build TOY32 test programs with the LLVM tools, independently of our own assembler.

RV32IM assembles as is; each TOY32 instruction becomes an assembler macro emitting ``.insn``
with the encoding read from ``isa`` (custom-0 opcode, funct3, funct7; the special register
number in the I-type immediate), and every SPEC §7 predefined symbol becomes an ``.equ``.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from isa import INSTRUCTIONS, PREDEFINED_VALUES
from isa.machine import SR_NUMBERS

TOOLS = ("llvm-mc", "ld.lld")


def need_tools(*tools: str) -> None:
    for tool in tools or TOOLS:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")


def _macro(ins) -> str:
    opcode, f3, f7 = ins.match & 0x7F, (ins.match >> 12) & 7, ins.match >> 25
    params = ", ".join(ins.operands)
    arg = {op: f"\\{op}" for op in ins.operands}
    if "sr" in ins.operands:
        body = f".insn i {opcode}, {f3}, {arg.get('rd', 'x0')}, {arg.get('rs1', 'x0')}, SR_\\sr"
    else:
        body = f".insn r {opcode}, {f3}, {f7}, {arg.get('rd', 'x0')}, {arg.get('rs1', 'x0')}, x0"
    return f".macro {ins.mnemonic} {params}\n{body}\n.endm\n"


PRELUDE = ("".join(f".equ {name}, {value}\n" for name, value in PREDEFINED_VALUES.items())
           + "".join(f".equ SR_{name}, {n}\n" for name, n in SR_NUMBERS.items())
           + "".join(_macro(ins) for ins in INSTRUCTIONS if ins.ext == "TOY32"))


LINKER_SCRIPT = """ENTRY(_start)
SECTIONS {{
  . = {base:#x};
  .text : {{ *(.text*) }}
  . = ALIGN(0x1000);
  .data : {{ *(.rodata*) *(.srodata*) *(.data*) *(.sdata*) *(.sbss*) *(.bss*) }}
}}
"""


def build(tmp_path: Path, source: str, name: str = "prog", text_base: int = 0x10000,
          prelude: bool = True) -> Path:
    """Assemble and link ``source`` (entry ``_start``); return the ELF path."""
    need_tools()
    src = tmp_path / f"{name}.s"
    src.write_text((PRELUDE if prelude else "") + source)
    obj, elf, script = tmp_path / f"{name}.o", tmp_path / f"{name}.elf", tmp_path / f"{name}.ld"
    script.write_text(LINKER_SCRIPT.format(base=text_base))
    for cmd in (["llvm-mc", "-triple=riscv32", "-mattr=+m", "-filetype=obj", "-o", obj, src],
                ["ld.lld", "-T", script, "-o", elf, obj]):
        done = subprocess.run(cmd, capture_output=True, text=True)
        assert done.returncode == 0, f"{cmd[0]} failed:\n{done.stderr}"
    return elf


def symbols(elf: Path) -> dict[str, int]:
    with open(elf, "rb") as f:
        table = ELFFile(f).get_section_by_name(".symtab")
        return {s.name: s["st_value"] for s in table.iter_symbols() if s.name}


def word_at(elf: Path, addr: int) -> int:
    with open(elf, "rb") as f:
        for seg in ELFFile(f).iter_segments():
            if seg["p_type"] == "PT_LOAD" and seg["p_vaddr"] <= addr < seg["p_vaddr"] + seg["p_filesz"]:
                off = addr - seg["p_vaddr"]
                return int.from_bytes(seg.data()[off:off + 4], "little")
    raise KeyError(hex(addr))
