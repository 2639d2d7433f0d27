"""The TOY32 instruction set as one table.

Like riscv-opcodes, each instruction is a (match, mask) pair plus the fields its operands live in:
a word ``w`` is this instruction when ``w & mask == match``. The assembler encodes from this table,
the disassembler and the interpreter decode from it, and ``docs/isa.md`` is printed from it.

Operand syntax tokens (the order is the assembly order), each parsed once into an ``Operand``:
  ``rd`` ``rs1`` ``rs2``          registers
  ``imm12`` ``shamt`` ``imm20``   immediates
  ``bimm12`` ``jimm20``           pc-relative targets (written as a label or an expression)
  ``imm12(rs1)`` ``simm12(rs1)``  base + offset memory operands
  ``pred`` ``succ``               fence sets (``iorw`` letters)
  ``sr``                          a special-register name (``psw epc cause tval tvec scratch``)

Semantics: ``expr`` is a Python expression over ``a`` (rs1), ``b`` (rs2 or the immediate) and
the helpers of ``isa.semantics``; for branches it is the condition, for ALU ops the result.

The TOY32 privileged layer lives in the RISC-V *custom-0* major opcode (0b0001011), which no
standard RISC-V extension uses, so RV32IM code can never be mistaken for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

OPCODE_TOY32 = 0b0001011  # custom-0


# The kind of each operand token: how it is written in assembly.
REG, IMM, PCREL, MEM, FENCE, SR = "reg", "imm", "pcrel", "mem", "fence", "sr"
OPERAND_KINDS = {"rd": REG, "rs1": REG, "rs2": REG, "imm12": IMM, "simm12": IMM, "shamt": IMM,
                 "imm20": IMM, "bimm12": PCREL, "jimm20": PCREL, "pred": FENCE, "succ": FENCE, "sr": SR}


class Operand(str):
    """One operand of an instruction, parsed from its syntax token once, when the table is built:
    ``kind`` (reg, imm, pcrel, mem, fence, sr) and ``fields``, the word's fields it fills in
    assembly order (a memory operand ``imm12(rs1)``: the offset, then the base register). It is
    also the token itself, so it prints, joins and compares as the table writes it."""
    kind: str
    fields: tuple[str, ...]

    def __new__(cls, token: str) -> "Operand":
        op = super().__new__(cls, token)
        if token.endswith(")"):
            offset, base = token[:-1].split("(")
            op.kind, op.fields = MEM, (offset, base)
        else:
            op.kind, op.fields = OPERAND_KINDS[token], (token,)
        return op


@dataclass(frozen=True)
class Instr:
    mnemonic: str
    ext: str            # "RV32I", "RV32M", "Zifencei" or "TOY32"
    fmt: str            # encoding format: R I S B U J, or SYS for fixed words
    match: int
    mask: int
    operands: tuple[Operand, ...]
    kind: str           # how it executes: alu, alui, shifti, lui, auipc, jal, jalr, branch,
                        # load, store, fence, ecall, ebreak, priv, sensitive, hypercall
    description: str
    expr: str = ""      # Python semantics (see module doc)
    width: int = 0      # bytes moved by a load or store
    signed: bool = False  # loads: sign-extend
    privileged: bool = False  # in user mode: does nothing, raises PRIVILEGED_INSTRUCTION
    sensitive: bool = False   # reads or changes machine state a monitor must control
    aliases: tuple[str, ...] = field(default=())

    def __post_init__(self):
        object.__setattr__(self, "operands", tuple(Operand(token) for token in self.operands))

    @property
    def virtualizable(self) -> bool:
        """Popek-Goldberg: a sensitive instruction must trap in user mode."""
        return self.privileged or not self.sensitive


# Masks of the standard formats: the bits that are fixed by the mnemonic.
_R = 0xFE00707F      # opcode, funct3, funct7
_I = 0x0000707F      # opcode, funct3
_U = 0x0000007F      # opcode only


def _r(name, f3, f7, expr, desc, ext="RV32I"):
    return Instr(name, ext, "R", 0x33 | f3 << 12 | f7 << 25, _R, ("rd", "rs1", "rs2"),
                 "alu", desc, expr)


def _i(name, f3, expr, desc):
    return Instr(name, "RV32I", "I", 0x13 | f3 << 12, _I, ("rd", "rs1", "imm12"), "alui", desc, expr)


def _shift_i(name, f3, f7, expr, desc):
    return Instr(name, "RV32I", "I", 0x13 | f3 << 12 | f7 << 25, _R, ("rd", "rs1", "shamt"),
                 "shifti", desc, expr)


def _branch(name, f3, expr, desc):
    return Instr(name, "RV32I", "B", 0x63 | f3 << 12, _I, ("rs1", "rs2", "bimm12"), "branch", desc, expr)


def _load(name, f3, width, signed, desc):
    return Instr(name, "RV32I", "I", 0x03 | f3 << 12, _I, ("rd", "imm12(rs1)"), "load", desc,
                 width=width, signed=signed)


def _store(name, f3, width, desc):
    return Instr(name, "RV32I", "S", 0x23 | f3 << 12, _I, ("rs2", "simm12(rs1)"), "store", desc,
                 width=width)


def _toy(name, f3, f7, operands, kind, desc, **flags):
    """A TOY32 instruction in custom-0: every field its operands do not use must be zero."""
    free = 0
    for op in operands:
        free |= {"rd": 0xF80, "rs1": 0xF8000, "sr": 0xFFF00000}[op]
    match = OPCODE_TOY32 | f3 << 12 | (f7 << 25 if "sr" not in operands else 0)
    return Instr(name, "TOY32", "R" if "sr" not in operands else "I", match,
                 0xFFFFFFFF & ~free, operands, kind, desc, **flags)


INSTRUCTIONS: tuple[Instr, ...] = (
    # --- RV32I -----------------------------------------------------------------------
    Instr("lui", "RV32I", "U", 0x37, _U, ("rd", "imm20"), "lui", "rd <- imm20 << 12"),
    Instr("auipc", "RV32I", "U", 0x17, _U, ("rd", "imm20"), "auipc", "rd <- pc + (imm20 << 12)"),
    Instr("jal", "RV32I", "J", 0x6F, _U, ("rd", "jimm20"), "jal",
          "rd <- pc + 4; pc <- pc + offset"),
    Instr("jalr", "RV32I", "I", 0x67, _I, ("rd", "imm12(rs1)"), "jalr",
          "rd <- pc + 4; pc <- (rs1 + imm) & ~1"),
    _branch("beq", 0, "a == b", "branch if rs1 == rs2"),
    _branch("bne", 1, "a != b", "branch if rs1 != rs2"),
    _branch("blt", 4, "s32(a) < s32(b)", "branch if rs1 < rs2 (signed)"),
    _branch("bge", 5, "s32(a) >= s32(b)", "branch if rs1 >= rs2 (signed)"),
    _branch("bltu", 6, "a < b", "branch if rs1 < rs2 (unsigned)"),
    _branch("bgeu", 7, "a >= b", "branch if rs1 >= rs2 (unsigned)"),
    _load("lb", 0, 1, True, "rd <- sign-extended byte at rs1 + imm"),
    _load("lh", 1, 2, True, "rd <- sign-extended halfword at rs1 + imm"),
    _load("lw", 2, 4, False, "rd <- word at rs1 + imm"),
    _load("lbu", 4, 1, False, "rd <- zero-extended byte at rs1 + imm"),
    _load("lhu", 5, 2, False, "rd <- zero-extended halfword at rs1 + imm"),
    _store("sb", 0, 1, "byte at rs1 + imm <- rs2"),
    _store("sh", 1, 2, "halfword at rs1 + imm <- rs2"),
    _store("sw", 2, 4, "word at rs1 + imm <- rs2"),
    _i("addi", 0, "a + b", "rd <- rs1 + imm"),
    _i("slti", 2, "int(s32(a) < s32(b))", "rd <- rs1 < imm (signed)"),
    _i("sltiu", 3, "int(a < b)", "rd <- rs1 < imm (unsigned compare of the sign-extended imm)"),
    _i("xori", 4, "a ^ b", "rd <- rs1 ^ imm"),
    _i("ori", 6, "a | b", "rd <- rs1 | imm"),
    _i("andi", 7, "a & b", "rd <- rs1 & imm"),
    _shift_i("slli", 1, 0x00, "a << b", "rd <- rs1 << shamt"),
    _shift_i("srli", 5, 0x00, "a >> b", "rd <- rs1 >> shamt (logical)"),
    _shift_i("srai", 5, 0x20, "s32(a) >> b", "rd <- rs1 >> shamt (arithmetic)"),
    _r("add", 0, 0x00, "a + b", "rd <- rs1 + rs2"),
    _r("sub", 0, 0x20, "a - b", "rd <- rs1 - rs2"),
    _r("sll", 1, 0x00, "a << (b & 31)", "rd <- rs1 << rs2[4:0]"),
    _r("slt", 2, 0x00, "int(s32(a) < s32(b))", "rd <- rs1 < rs2 (signed)"),
    _r("sltu", 3, 0x00, "int(a < b)", "rd <- rs1 < rs2 (unsigned)"),
    _r("xor", 4, 0x00, "a ^ b", "rd <- rs1 ^ rs2"),
    _r("srl", 5, 0x00, "a >> (b & 31)", "rd <- rs1 >> rs2[4:0] (logical)"),
    _r("sra", 5, 0x20, "s32(a) >> (b & 31)", "rd <- rs1 >> rs2[4:0] (arithmetic)"),
    _r("or", 6, 0x00, "a | b", "rd <- rs1 | rs2"),
    _r("and", 7, 0x00, "a & b", "rd <- rs1 & rs2"),
    Instr("fence", "RV32I", "I", 0x0F, _I, ("pred", "succ"), "fence",
          "memory ordering: a no-op on TOY32 (one hart, no caches)"),
    Instr("ecall", "RV32I", "SYS", 0x00000073, 0xFFFFFFFF, (), "ecall",
          "supervisor call: raises SVC", aliases=("svc",)),
    Instr("ebreak", "RV32I", "SYS", 0x00100073, 0xFFFFFFFF, (), "ebreak", "raises BREAKPOINT"),
    # --- Zifencei: accepted because compilers emit it; a no-op here ---------------------
    Instr("fence.i", "Zifencei", "I", 0x100F, _I, (), "fence",
          "instruction-stream fence: a no-op (the interpreter sees every store to code)"),
    # --- RV32M -----------------------------------------------------------------------
    _r("mul", 0, 0x01, "a * b", "rd <- low 32 bits of rs1 * rs2", "RV32M"),
    _r("mulh", 1, 0x01, "(s32(a) * s32(b)) >> 32", "rd <- high 32 bits of signed * signed", "RV32M"),
    _r("mulhsu", 2, 0x01, "(s32(a) * b) >> 32", "rd <- high 32 bits of signed * unsigned", "RV32M"),
    _r("mulhu", 3, 0x01, "(a * b) >> 32", "rd <- high 32 bits of unsigned * unsigned", "RV32M"),
    _r("div", 4, 0x01, "div(a, b)", "rd <- rs1 / rs2 (signed; /0 gives -1)", "RV32M"),
    _r("divu", 5, 0x01, "divu(a, b)", "rd <- rs1 / rs2 (unsigned; /0 gives 2**32-1)", "RV32M"),
    _r("rem", 6, 0x01, "rem(a, b)", "rd <- rs1 % rs2 (signed, sign of rs1; %0 gives rs1)", "RV32M"),
    _r("remu", 7, 0x01, "remu(a, b)", "rd <- rs1 % rs2 (unsigned; %0 gives rs1)", "RV32M"),
    # --- TOY32 privileged: trap with PRIVILEGED_INSTRUCTION in user mode (virtualizable) ---
    _toy("ldpmar", 0, 0x00, ("rd",), "priv", "rd <- pmar (load the page-map address register)",
         privileged=True, sensitive=True),
    _toy("stpmar", 0, 0x01, ("rs1",), "priv",
         "pmar <- rs1; discards all cached translations (store the page-map address register)",
         privileged=True, sensitive=True),
    _toy("rti", 0, 0x02, (), "priv", "return from trap: pc <- epc, U <- PU, IE <- PIE",
         privileged=True, sensitive=True),
    _toy("tlbflush", 0, 0x03, (), "priv", "discard all cached translations",
         privileged=True, sensitive=True),
    _toy("halt", 0, 0x04, (), "priv", "stop the machine (under a monitor: stop this guest)",
         privileged=True, sensitive=True),
    _toy("mfsr", 1, 0, ("rd", "sr"), "priv", "rd <- special register sr",
         privileged=True, sensitive=True),
    _toy("mtsr", 2, 0, ("sr", "rs1"), "priv",
         "special register sr <- rs1 (psw: U=1 takes effect from the next instruction)",
         privileged=True, sensitive=True),
    # --- TOY32 sensitive but unprivileged: never trap (not virtualizable) ----------------
    _toy("rdpsw", 3, 0, ("rd",), "sensitive",
         "rd <- psw, in either mode: leaks the real U bit to a deprivileged guest kernel",
         sensitive=True),
    _toy("wrpsw", 4, 0, ("rs1",), "sensitive",
         "kernel mode: psw.IE <- the IE bit of rs1; user mode: silently ignored (no trap)",
         sensitive=True),
    # --- TOY32 paravirtualization ------------------------------------------------------
    _toy("hypercall", 0, 0x05, (), "hypercall",
         "call the monitor (number in a7, arguments in a0..a5): always raises "
         "VIRTUALIZATION_TRAP, which a monitor serves and a bare machine's kernel cannot"),
)

BY_MNEMONIC: dict[str, Instr] = {}
for _ins in INSTRUCTIONS:
    BY_MNEMONIC[_ins.mnemonic] = _ins
    for _alias in _ins.aliases:
        BY_MNEMONIC[_alias] = _ins


def _check_table() -> None:
    """No two instructions may claim the same word: the table must decode unambiguously."""
    for i, x in enumerate(INSTRUCTIONS):
        assert x.match & ~x.mask == 0, x.mnemonic
        for y in INSTRUCTIONS[i + 1:]:
            common = x.mask & y.mask
            assert (x.match & common) != (y.match & common), (x.mnemonic, y.mnemonic)


_check_table()
