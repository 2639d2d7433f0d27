"""One instruction word as text, for traces and crash reports: the project's disassembler
(asm.disasm), or the bare decoded mnemonic if that module is unavailable."""
from __future__ import annotations

from isa import decode, operand_fields

try:
    from asm.disasm import disassemble_word as _disassemble_word
except ImportError:  # pragma: no cover - the disassembler ships with the project
    _disassemble_word = None


def disassemble(word: int, pc: int) -> str:
    if _disassemble_word is not None:
        return " ".join(_disassemble_word(word, pc).split(None, 1))
    d = decode(word)
    if d is None:
        return f".word {word:#010x}"
    values = {"imm": d.imm, "rd": d.rd, "rs1": d.rs1, "rs2": d.rs2}
    ops = [f"{name}={values.get(name, d.imm)}" for name in operand_fields(d.instr)]
    return f"{d.mnemonic} " + ", ".join(ops)
