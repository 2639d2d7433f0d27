"""One instruction word as text, derived from the instruction table: what the disassembler, the
machine's traces and crash reports, and the lab tools print.

Operands follow the GNU/LLVM objdump conventions: ABI register names, ``imm(rs1)`` memory operands,
decimal immediates, ``lui``/``auipc`` immediates in hex, fence sets as ``iorw`` letters, special
registers by name. Base instructions are printed, never pseudo-instruction aliases, as
``llvm-objdump -M no-aliases`` does. A word prints as an instruction only when that text names the
very same word (``decode_exact``); anything else is ``.word 0x...``.
"""
from __future__ import annotations

import bisect
from typing import Callable, Mapping

from .decode import Decoded, decode, operand_fields
from .fields import FIELDS
from .instructions import FENCE, INSTRUCTIONS, MEM, PCREL, REG, SR, Instr
from .machine import ABI_NAMES, SR_NAMES

# fence set letters, most significant bit first (bit 3 = i, bit 0 = w)
_FENCE_LETTERS = "iorw"


def _reserved_bits(ins: Instr) -> int:
    """The bits of ins's words that neither its fixed encoding nor its operands cover."""
    used = ins.mask
    for name in operand_fields(ins):
        used |= FIELDS[name].pack(-1)
    return ~used & 0xFFFFFFFF


_RESERVED_BITS = {ins.mnemonic: _reserved_bits(ins) for ins in INSTRUCTIONS}


def decode_exact(word: int) -> Decoded | None:
    """``isa.decode(word)`` when the instruction's text names exactly this word, else None."""
    d = decode(word)
    if d is None or word & _RESERVED_BITS[d.mnemonic]:
        return None
    if d.instr.kind == "fence" and "pred" in d.instr.operands and not (d.pred and d.succ):
        return None
    return d


def _fence_set(bits: int) -> str:
    return "".join(letter for i, letter in enumerate(_FENCE_LETTERS) if bits & (8 >> i))


def instruction_parts(d: Decoded, pc: int, target: Callable[[int], str]) -> tuple[str, str]:
    """(mnemonic, operands) of the instruction; ``target`` renders absolute branch/jump targets."""
    ops = []
    for op in d.instr.operands:
        kind, name = op.kind, op.fields[0]
        if kind == MEM:
            ops.append(f"{d.imm}({ABI_NAMES[d.rs1]})")
        elif kind == REG:
            ops.append(ABI_NAMES[getattr(d, name)])
        elif kind == FENCE:
            ops.append(_fence_set(getattr(d, name)))
        elif kind == SR:
            ops.append(SR_NAMES[d.imm])
        elif kind == PCREL:
            ops.append(target((pc + d.imm) & 0xFFFFFFFF))
        elif name == "imm20":
            ops.append(f"0x{d.imm:x}")
        else:  # imm12, shamt
            ops.append(str(d.imm))
    return d.mnemonic, ", ".join(ops)


def text(mnemonic: str, operands: str, width: int = 0) -> str:
    """``mnemonic operands``, the mnemonic padded to ``width``."""
    return f"{mnemonic:<{width}} {operands}" if operands else mnemonic


def data_word_parts(word: int) -> tuple[str, str]:
    return ".word", f"0x{word:08x}"


class Symbols:
    """Address -> nearest preceding label, as objdump's ``<label+off>``."""

    def __init__(self, labels: Mapping[str, int]):
        pairs = sorted((addr, name) for name, addr in labels.items())
        self.addrs = [a for a, _ in pairs]
        self.names = [n for _, n in pairs]

    def at_or_before(self, addr: int) -> tuple[str, int] | None:
        i = bisect.bisect_right(self.addrs, addr) - 1
        return (self.names[i], self.addrs[i]) if i >= 0 else None


def label_plus(name: str, offset: int) -> str:
    """name+offset, the offset taken modulo 2**32 as a signed number (addresses wrap around)."""
    offset = (offset + 0x80000000) % 0x100000000 - 0x80000000
    if offset == 0:
        return name
    return f"{name}+0x{offset:x}" if offset > 0 else f"{name}-0x{-offset:x}"


def disassemble_word(word: int, pc: int = 0, symbols: Mapping[str, int] | None = None) -> str:
    """The instruction ``word`` at address ``pc``, objdump style (``beq a0, a1, 0x10008 <loop+0x8>``),
    or ``.word 0x...`` when it is not a TOY32 instruction. ``symbols`` maps label -> address."""
    d = decode_exact(word & 0xFFFFFFFF)
    if d is None:
        return text(*data_word_parts(word & 0xFFFFFFFF))
    table = Symbols(symbols or {})

    def target(addr: int) -> str:
        near = table.at_or_before(addr)
        return f"0x{addr:x}" + (f" <{label_plus(near[0], addr - near[1])}>" if near else "")

    return text(*instruction_parts(d, pc, target))


def disassemble(word: int, pc: int) -> str:
    """``disassemble_word`` with one space between mnemonic and operands (traces, reports)."""
    return " ".join(disassemble_word(word, pc).split(None, 1))
