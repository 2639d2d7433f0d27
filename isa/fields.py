"""Instruction-word fields: where each operand's bits live and how immediates are scattered.

Each field kind knows how to pack a value into a 32-bit instruction word and pull it back out.
The assembler encodes with ``pack``; the disassembler and the interpreter decode with ``unpack``.
Signed immediates are returned sign-extended, as Python ints.
"""
from __future__ import annotations

from typing import Callable, NamedTuple


def sign_extend(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


class Field(NamedTuple):
    name: str
    lo: int  # smallest value the field accepts (after the unit check)
    hi: int  # largest value
    align: int  # the value must be a multiple of this (branch/jump offsets: 2)
    pack: Callable[[int], int]
    unpack: Callable[[int], int]
    doc: str

    def fits(self, value: int) -> bool:
        return self.lo <= value <= self.hi and value % self.align == 0


def _reg(shift: int) -> tuple[Callable[[int], int], Callable[[int], int]]:
    return (lambda v: (v & 0x1F) << shift), (lambda w: (w >> shift) & 0x1F)


def _pack_i(v: int) -> int:
    return (v & 0xFFF) << 20


def _unpack_i(w: int) -> int:
    return sign_extend(w >> 20, 12)


def _pack_s(v: int) -> int:
    return ((v >> 5) & 0x7F) << 25 | (v & 0x1F) << 7


def _unpack_s(w: int) -> int:
    return sign_extend(((w >> 25) << 5) | ((w >> 7) & 0x1F), 12)


def _pack_b(v: int) -> int:
    return (((v >> 12) & 1) << 31 | ((v >> 5) & 0x3F) << 25
            | ((v >> 1) & 0xF) << 8 | ((v >> 11) & 1) << 7)


def _unpack_b(w: int) -> int:
    v = (((w >> 31) & 1) << 12 | ((w >> 7) & 1) << 11
         | ((w >> 25) & 0x3F) << 5 | ((w >> 8) & 0xF) << 1)
    return sign_extend(v, 13)


def _pack_u(v: int) -> int:
    return (v & 0xFFFFF) << 12


def _unpack_u(w: int) -> int:
    return (w >> 12) & 0xFFFFF


def _pack_j(v: int) -> int:
    return (((v >> 20) & 1) << 31 | ((v >> 1) & 0x3FF) << 21
            | ((v >> 11) & 1) << 20 | ((v >> 12) & 0xFF) << 12)


def _unpack_j(w: int) -> int:
    v = (((w >> 31) & 1) << 20 | ((w >> 12) & 0xFF) << 12
         | ((w >> 20) & 1) << 11 | ((w >> 21) & 0x3FF) << 1)
    return sign_extend(v, 21)


def _field_bits(shift: int, width: int) -> tuple[Callable[[int], int], Callable[[int], int]]:
    mask = (1 << width) - 1
    return (lambda v: (v & mask) << shift), (lambda w: (w >> shift) & mask)


FIELDS: dict[str, Field] = {
    "rd": Field("rd", 0, 31, 1, *_reg(7), "destination register, bits 11..7"),
    "rs1": Field("rs1", 0, 31, 1, *_reg(15), "first source register, bits 19..15"),
    "rs2": Field("rs2", 0, 31, 1, *_reg(20), "second source register, bits 24..20"),
    "imm12": Field("imm12", -2048, 2047, 1, _pack_i, _unpack_i,
                   "signed 12-bit immediate, bits 31..20 (I-type)"),
    "simm12": Field("simm12", -2048, 2047, 1, _pack_s, _unpack_s,
                    "signed 12-bit store offset, bits 31..25 and 11..7 (S-type)"),
    "bimm12": Field("bimm12", -4096, 4094, 2, _pack_b, _unpack_b,
                    "signed 13-bit branch offset, even (B-type)"),
    "imm20": Field("imm20", 0, 0xFFFFF, 1, _pack_u, _unpack_u,
                   "20-bit upper immediate, bits 31..12 (U-type)"),
    "jimm20": Field("jimm20", -(1 << 20), (1 << 20) - 2, 2, _pack_j, _unpack_j,
                    "signed 21-bit jump offset, even (J-type)"),
    "shamt": Field("shamt", 0, 31, 1, *_field_bits(20, 5), "shift amount, bits 24..20"),
    "pred": Field("pred", 0, 15, 1, *_field_bits(24, 4), "fence predecessor set (iorw), bits 27..24"),
    "succ": Field("succ", 0, 15, 1, *_field_bits(20, 4), "fence successor set (iorw), bits 23..20"),
    "sr": Field("sr", 0, 0xFFF, 1, *_field_bits(20, 12), "special-register number, bits 31..20"),
}
