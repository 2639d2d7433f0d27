"""Decode a 32-bit word with the instruction table: the one decoder the disassembler and the
interpreter share. Candidates are grouped by major opcode (the low 7 bits) so a lookup tries
only the few instructions that could match."""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from .fields import FIELDS
from .instructions import INSTRUCTIONS, Instr

_BY_OPCODE: dict[int, list[Instr]] = {}
for _ins in INSTRUCTIONS:
    assert _ins.mask & 0x7F == 0x7F, _ins.mnemonic
    _BY_OPCODE.setdefault(_ins.match & 0x7F, []).append(_ins)
# Try the most specific encodings first (fixed words before families).
for _group in _BY_OPCODE.values():
    _group.sort(key=lambda ins: -bin(ins.mask).count("1"))


class Decoded(NamedTuple):
    instr: Instr
    word: int
    rd: int = 0
    rs1: int = 0
    rs2: int = 0
    imm: int = 0     # the one immediate of the instruction, sign-extended where the field is signed
    pred: int = 0
    succ: int = 0

    @property
    def mnemonic(self) -> str:
        return self.instr.mnemonic


def operand_fields(instr: Instr) -> list[str]:
    """The field names an instruction's operands occupy, in assembly order."""
    return [name for op in instr.operands for name in op.fields]


@lru_cache(maxsize=1 << 16)
def decode(word: int) -> Decoded | None:
    """The instruction ``word`` encodes, or None when it is not a TOY32 instruction."""
    for ins in _BY_OPCODE.get(word & 0x7F, ()):
        if word & ins.mask == ins.match:
            values = {}
            for name in operand_fields(ins):
                value = FIELDS[name].unpack(word)
                values["imm" if name not in ("rd", "rs1", "rs2", "pred", "succ") else name] = value
            if ins.mnemonic in ("mfsr", "mtsr"):
                from .machine import SR_NAMES
                if values["imm"] not in SR_NAMES:
                    return None
            return Decoded(ins, word, **values)
    return None
