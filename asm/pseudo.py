"""Pseudo-instructions and the alternative operand forms of real ones, expanded exactly as
llvm-mc 14 (-mattr=+m, no relaxation) expands them. Each handler takes the assembler and
the statement and emits table instructions through ``Assembler.inst``."""
from __future__ import annotations

from isa.machine import REGISTERS

from . import encoding as enc
from .errors import AsmError
from .expr import LocalRef, Mem, Paren, Reloc, has_symbol

ZERO, RA, T1 = REGISTERS["zero"], REGISTERS["ra"], REGISTERS["t1"]


def _arity(asm, stmt, *counts: int, form: str) -> int:
    n = len(stmt.ops)
    if n not in counts:
        raise AsmError(f"'{stmt.name}' takes {' or '.join(map(str, counts))} operand"
                       f"{'s' * (max(counts) != 1)}: {form}", n if n > max(counts) else None)
    return n


def _target_offset(asm, stmt, i: int):
    """A branch or jump target: the offset when it is a constant, else the expression."""
    value, expr = asm.target_value(stmt.ops[i], stmt, i)
    return expr if value is None else value


def _is_reg(op) -> bool:
    return isinstance(op, str) and op in REGISTERS


# --- register-register forms -------------------------------------------------------------------
def _rr(mnemonic: str, rd_src: str, first: str | None, second: str | None, imm: int | None = None):
    """``op rd, rs`` as ``mnemonic`` with rs in field ``rd_src`` (and x0 in the other)."""
    def handler(asm, stmt):
        _arity(asm, stmt, 2, form=f"{stmt.name} rd, rs")
        rd = asm.reg(stmt.ops[0], stmt, 0)
        rs = asm.reg(stmt.ops[1], stmt, 1)
        regs = {"rd": rd, rd_src: rs}
        for field in (first, second):
            if field:
                regs[field] = ZERO
        if imm is None:
            asm.inst(stmt, mnemonic, regs)
        else:
            asm.inst(stmt, mnemonic, regs, "imm12", imm)
    return handler


def _nop(asm, stmt):
    _arity(asm, stmt, 0, form="nop")
    asm.inst(stmt, "addi", {}, "imm12", 0)


def _extend(shift_right: str, bits: int):
    """sext.b/sext.h/zext.h: shift left, then shift right arithmetically or logically."""
    def handler(asm, stmt):
        _arity(asm, stmt, 2, form=f"{stmt.name} rd, rs")
        rd = asm.reg(stmt.ops[0], stmt, 0)
        rs = asm.reg(stmt.ops[1], stmt, 1)
        asm.inst(stmt, "slli", {"rd": rd, "rs1": rs}, "shamt", 32 - bits)
        asm.inst(stmt, shift_right, {"rd": rd, "rs1": rd}, "shamt", 32 - bits)
    return handler


def _zext_b(asm, stmt):
    _arity(asm, stmt, 2, form="zext.b rd, rs")
    asm.inst(stmt, "andi", {"rd": asm.reg(stmt.ops[0], stmt, 0),
                            "rs1": asm.reg(stmt.ops[1], stmt, 1)}, "imm12", 0xFF)


# --- li, la ------------------------------------------------------------------------------------
def _li(asm, stmt):
    _arity(asm, stmt, 2, form="li rd, imm")
    rd = asm.reg(stmt.ops[0], stmt, 0)
    value, expr = asm.plain_value(stmt.ops[1], stmt, 1, "in li's value")
    if value is None:
        # Not known until link time: always the two-instruction form.
        asm.inst(stmt, "lui", {"rd": rd}, "imm20", Reloc("hi", expr, None), 1)
        asm.inst(stmt, "addi", {"rd": rd, "rs1": rd}, "imm12", Reloc("lo", expr, None), 1)
        return
    # Any 64-bit literal: its low 32 bits are what a 32-bit register can hold.
    value &= 0xFFFFFFFF
    value = value - (1 << 32) if value >> 31 else value
    hi = ((value + 0x800) >> 12) & 0xFFFFF
    lo = ((value & 0xFFF) ^ 0x800) - 0x800
    if hi:
        asm.inst(stmt, "lui", {"rd": rd}, "imm20", hi)
    if lo or not hi:
        asm.inst(stmt, "addi", {"rd": rd, "rs1": rd if hi else ZERO}, "imm12", lo)


def _pcrel_pair(asm, stmt, rd_hi: int, target, i: int, second: str, regs: dict, field: str):
    """auipc rd_hi, %pcrel_hi(target) then ``second`` with %pcrel_lo of the same auipc."""
    pc = asm.section.offset
    asm.inst(stmt, "auipc", {"rd": rd_hi}, "imm20", Reloc("pcrel_hi", target, None), i, pc=pc)
    asm.inst(stmt, second, regs, field, Reloc("pcrel_lo12", target, None), i, pc=pc)


def _target(asm, stmt, i: int, bare: bool = False):
    """The symbol operand of an auipc pair, as llvm-mc takes it: a bare name for call and
    tail, an expression with a symbol in it for the others (not a plain number)."""
    op = stmt.ops[i]
    if bare and not isinstance(op, (str, LocalRef)):
        raise AsmError("operand must be a bare symbol name", i)
    if not has_symbol(op):
        raise AsmError("operand must be a symbol (or an expression with one)", i)
    return asm.plain_value(op, stmt, i, f"in the symbol of '{stmt.name}'")[1]


def _la(asm, stmt):
    _arity(asm, stmt, 2, form=f"{stmt.name} rd, symbol")
    rd = asm.reg(stmt.ops[0], stmt, 0)
    target = _target(asm, stmt, 1)
    _pcrel_pair(asm, stmt, rd, target, 1, "addi", {"rd": rd, "rs1": rd}, "imm12")


def _call(asm, stmt):
    n = _arity(asm, stmt, 1, 2, form="call [rd,] symbol")
    rd = asm.reg(stmt.ops[0], stmt, 0) if n == 2 else RA
    target = _target(asm, stmt, n - 1, bare=True)
    _pcrel_pair(asm, stmt, rd, target, n - 1, "jalr", {"rd": rd, "rs1": rd}, "imm12")


def _tail(asm, stmt):
    _arity(asm, stmt, 1, form="tail symbol")
    target = _target(asm, stmt, 0, bare=True)
    _pcrel_pair(asm, stmt, T1, target, 0, "jalr", {"rd": ZERO, "rs1": T1}, "imm12")


def _jump(asm, stmt):
    _arity(asm, stmt, 2, form="jump symbol, rt")
    rt = asm.reg(stmt.ops[1], stmt, 1)
    target = _target(asm, stmt, 0)
    _pcrel_pair(asm, stmt, rt, target, 0, "jalr", {"rd": ZERO, "rs1": rt}, "imm12")


# --- loads and stores --------------------------------------------------------------------------
def _load(mnemonic: str):
    plan = enc.PLANS[mnemonic]

    def handler(asm, stmt):
        ops = stmt.ops
        if len(ops) == 2 and not isinstance(ops[1], (Mem, Paren)) and not _is_reg(ops[1]):
            rd = asm.reg(ops[0], stmt, 0)          # lw rd, symbol
            target = _target(asm, stmt, 1)
            _pcrel_pair(asm, stmt, rd, target, 1, mnemonic, {"rd": rd, "rs1": rd}, "imm12")
            return
        asm.instruction(stmt, mnemonic, plan, ops)
    return handler


def _store(mnemonic: str):
    plan = enc.PLANS[mnemonic]

    def handler(asm, stmt):
        ops = stmt.ops
        if len(ops) == 3:                          # sw rs, symbol, rt
            rs = asm.reg(ops[0], stmt, 0)
            rt = asm.reg(ops[2], stmt, 2)
            target = _target(asm, stmt, 1)
            _pcrel_pair(asm, stmt, rt, target, 1, mnemonic, {"rs2": rs, "rs1": rt}, "simm12")
            return
        asm.instruction(stmt, mnemonic, plan, ops)
    return handler


# --- branches and jumps ------------------------------------------------------------------------
def _branch_zero(mnemonic: str, zero_first: bool):
    def handler(asm, stmt):
        _arity(asm, stmt, 2, form=f"{stmt.name} rs, offset")
        rs = asm.reg(stmt.ops[0], stmt, 0)
        regs = {"rs1": ZERO, "rs2": rs} if zero_first else {"rs1": rs, "rs2": ZERO}
        asm.inst(stmt, mnemonic, regs, "bimm12", _target_offset(asm, stmt, 1), 1)
    return handler


def _branch_swapped(mnemonic: str):
    def handler(asm, stmt):
        _arity(asm, stmt, 3, form=f"{stmt.name} rs, rt, offset")
        rs = asm.reg(stmt.ops[0], stmt, 0)
        rt = asm.reg(stmt.ops[1], stmt, 1)
        asm.inst(stmt, mnemonic, {"rs1": rt, "rs2": rs}, "bimm12", _target_offset(asm, stmt, 2), 2)
    return handler


def _j(asm, stmt):
    _arity(asm, stmt, 1, form="j offset")
    asm.inst(stmt, "jal", {"rd": ZERO}, "jimm20", _target_offset(asm, stmt, 0), 0)


def _jal(asm, stmt):
    n = _arity(asm, stmt, 1, 2, form="jal [rd,] offset")
    rd = asm.reg(stmt.ops[0], stmt, 0) if n == 2 else RA
    asm.inst(stmt, "jal", {"rd": rd}, "jimm20", _target_offset(asm, stmt, n - 1), n - 1)


def _jalr_to(asm, stmt, rd: int, ops, first: int) -> None:
    """jalr rd with the target operands ``ops`` (from operand index ``first``):
    ``rs``, ``rs, imm``, ``imm(rs)`` or ``(rs)``."""
    if len(ops) == 1 and isinstance(ops[0], (Mem, Paren)):
        offset, rs = asm.memory_operand(ops[0], stmt, first)
        imm = 0 if offset is None else _imm_of(asm, stmt, offset, first)
    else:
        rs = asm.reg(ops[0], stmt, first)
        imm = _imm_of(asm, stmt, ops[1], first + 1) if len(ops) == 2 else 0
    asm.inst(stmt, "jalr", {"rd": rd, "rs1": rs}, "imm12", imm, first + len(ops) - 1)


def _imm_of(asm, stmt, op, i):
    value, expr = asm.value(op, stmt, i)
    return expr if value is None else value


def _jalr(asm, stmt):
    ops = stmt.ops
    n = _arity(asm, stmt, 1, 2, 3, form="jalr rd, rs1, imm / jalr rd, imm(rs1) / jalr rs")
    if n == 1:
        _jalr_to(asm, stmt, RA, ops, 0)
    elif n == 2 and not _is_reg(ops[1]) and not isinstance(ops[1], (Mem, Paren)):
        _jalr_to(asm, stmt, RA, ops, 0)          # jalr rs, imm (llvm-mc: rd = ra)
    else:
        _jalr_to(asm, stmt, asm.reg(ops[0], stmt, 0), ops[1:], 1)


def _jr(asm, stmt):
    _arity(asm, stmt, 1, 2, form="jr rs [, imm]")
    _jalr_to(asm, stmt, ZERO, stmt.ops, 0)


def _ret(asm, stmt):
    _arity(asm, stmt, 0, form="ret")
    asm.inst(stmt, "jalr", {"rd": ZERO, "rs1": RA}, "imm12", 0)


# --- register-register mnemonics with an immediate: the immediate forms (GNU as, llvm-mc) ------
def _or_immediate(mnemonic: str, immediate: str):
    """``add rd, rs, imm`` is ``addi rd, rs, imm`` (and so on for the other ALU operations). A
    bare name is an immediate only when it is a symbol defined by now: else it was meant as a
    register (``add a0, a1, a9``), and the error says so."""
    register_form, immediate_form = enc.PLANS[mnemonic], enc.PLANS[immediate]

    def handler(asm, stmt):
        ops = stmt.ops
        third = ops[2] if len(ops) == 3 else None
        if isinstance(third, Paren):
            third = third.inner
        if third is not None and not _is_reg(third) and (
                not isinstance(third, str) or _is_symbol(asm, third)):
            asm.instruction(stmt, immediate, immediate_form, ops)
        else:
            asm.instruction(stmt, mnemonic, register_form, ops)
    return handler


def _is_symbol(asm, name: str) -> bool:
    sym = asm.obj.symbols.get(name)
    return (sym is not None and sym.pos is not None) or name in asm.predefined


UNIMP = 0xC0001073   # csrrw x0, cycle, x0: a write to a read-only CSR, illegal everywhere


def _unimp(asm, stmt):
    _arity(asm, stmt, 0, form="unimp")
    asm.emit_word(UNIMP, stmt)


def _fence(asm, stmt):
    if not stmt.ops:
        asm.inst(stmt, "fence", {"pred": enc.FENCE_ALL, "succ": enc.FENCE_ALL})
        return
    asm.instruction(stmt, "fence", enc.PLANS["fence"], stmt.ops)


HANDLERS = {
    "nop": _nop,
    "li": _li,
    "la": _la,
    "lla": _la,
    "mv": _rr("addi", "rs1", None, None, 0),
    "not": _rr("xori", "rs1", None, None, -1),
    "neg": _rr("sub", "rs2", "rs1", None),
    "seqz": _rr("sltiu", "rs1", None, None, 1),
    "snez": _rr("sltu", "rs2", "rs1", None),
    "sltz": _rr("slt", "rs1", "rs2", None),
    "sgtz": _rr("slt", "rs2", "rs1", None),
    "sext.b": _extend("srai", 8),
    "sext.h": _extend("srai", 16),
    "zext.h": _extend("srli", 16),
    "zext.b": _zext_b,
    "beqz": _branch_zero("beq", False),
    "bnez": _branch_zero("bne", False),
    "blez": _branch_zero("bge", True),
    "bgez": _branch_zero("bge", False),
    "bltz": _branch_zero("blt", False),
    "bgtz": _branch_zero("blt", True),
    "bgt": _branch_swapped("blt"),
    "ble": _branch_swapped("bge"),
    "bgtu": _branch_swapped("bltu"),
    "bleu": _branch_swapped("bgeu"),
    "j": _j,
    "jal": _jal,
    "jalr": _jalr,
    "jr": _jr,
    "ret": _ret,
    "call": _call,
    "tail": _tail,
    "jump": _jump,
    "fence": _fence,
}
HANDLERS["unimp"] = _unimp
for _m, _i in (("add", "addi"), ("and", "andi"), ("or", "ori"), ("xor", "xori"), ("sll", "slli"),
               ("srl", "srli"), ("sra", "srai"), ("slt", "slti"), ("sltu", "sltiu")):
    HANDLERS[_m] = _or_immediate(_m, _i)
for _m in ("lb", "lh", "lw", "lbu", "lhu"):
    HANDLERS[_m] = _load(_m)
for _m in ("sb", "sh", "sw"):
    HANDLERS[_m] = _store(_m)
