"""Helpers the instruction table's semantic expressions are written with.

In ``isa.instructions`` every arithmetic instruction carries a Python expression over ``a``
(the rs1 value) and ``b`` (the rs2 value, or the immediate), both unsigned 32-bit ints.
The result is reduced modulo 2**32 by whoever evaluates it. Division follows RISC-V:
no trap; x/0 = all ones, x%0 = x, and the one overflowing case (-2**31 / -1) gives -2**31, remainder 0.
"""
from __future__ import annotations

MASK32 = 0xFFFFFFFF


def s32(x: int) -> int:
    """Reinterpret an unsigned 32-bit value as signed."""
    return x - 0x100000000 if x & 0x80000000 else x


def div(a: int, b: int) -> int:
    if b == 0:
        return MASK32
    sa, sb = s32(a), s32(b)
    q = abs(sa) // abs(sb)
    return -q if (sa < 0) != (sb < 0) else q


def divu(a: int, b: int) -> int:
    return a // b if b else MASK32


def rem(a: int, b: int) -> int:
    if b == 0:
        return a
    sa, sb = s32(a), s32(b)
    r = abs(sa) % abs(sb)
    return -r if sa < 0 else r


def remu(a: int, b: int) -> int:
    return a % b if b else a


# The names an expression may use, for whoever compiles them.
HELPERS = {"s32": s32, "div": div, "divu": divu, "rem": rem, "remu": remu}
