"""Instruction words from the isa table: operand kinds, register and special-register
names, fence sets, and range checks, all read from isa/ (no opcode is typed here)."""
from __future__ import annotations

from isa import BY_MNEMONIC, FIELDS, INSTRUCTIONS, Instr
from isa.instructions import FENCE, IMM, MEM, PCREL, REG, SR
from isa.machine import REGISTERS, SR_NUMBERS

FENCE_BITS = {"i": 8, "o": 4, "r": 2, "w": 1}
FENCE_ALL = 0b1111


def operand_plan(ins: Instr) -> tuple[tuple[str, str, str | None], ...]:
    """(kind, field, base-register field) for each assembly operand of ``ins``."""
    return tuple((op.kind, op.fields[0], op.fields[1] if op.kind == MEM else None) for op in ins.operands)


PLANS: dict[str, tuple] = {ins.mnemonic: operand_plan(ins) for ins in INSTRUCTIONS}
for _name, _ins in BY_MNEMONIC.items():
    PLANS.setdefault(_name, PLANS[_ins.mnemonic])

PACK = {name: f.pack for name, f in FIELDS.items()}


def syntax(mnemonic: str) -> str:
    ins = BY_MNEMONIC[mnemonic]
    return f"{mnemonic} {', '.join(ins.operands)}".strip()


def encode(mnemonic: str, **fields: int) -> int:
    """The word of ``mnemonic`` with the given field values (already range-checked)."""
    word = BY_MNEMONIC[mnemonic].match
    for name, value in fields.items():
        word |= PACK[name](value)
    return word


def range_message(field: str, value: int) -> str | None:
    """Why ``value`` does not fit ``field``, or None when it does."""
    f = FIELDS[field]
    if f.fits(value):
        return None
    if field in ("bimm12", "jimm20"):
        what = "branch" if field == "bimm12" else "jump"
        if f.lo <= value <= f.hi:
            return f"{what} offset {value} is not a multiple of {f.align}"
        return f"{what} target out of range: offset {value} is not in [{f.lo}, {f.hi}]"
    if f.align > 1:
        return f"immediate must be a multiple of {f.align} in the range [{f.lo}, {f.hi}]"
    return f"immediate {value} out of range: must be an integer in the range [{f.lo}, {f.hi}]"


def fence_set(text: str) -> int | None:
    """``iorw`` letters (any subset, in that order) to the 4-bit set; None if not a set."""
    bits, order = 0, "iorw"
    last = -1
    for c in text:
        i = order.find(c)
        if i <= last:
            return None
        bits |= FENCE_BITS[c]
        last = i
    return bits or None


__all__ = ["REGISTERS", "SR_NUMBERS", "PLANS", "PACK", "encode", "range_message", "fence_set",
           "syntax", "REG", "IMM", "PCREL", "MEM", "FENCE", "SR", "FENCE_ALL"]
