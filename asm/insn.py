"""``.insn``: an instruction written by its fields, in GNU as's forms (llvm-mc takes the same):

    .insn r  OPCODE, FUNC3, FUNC7, rd, rs1, rs2
    .insn r4 OPCODE, FUNC3, FUNC2, rd, rs1, rs2, rs3     (also .insn r with seven operands)
    .insn i  OPCODE, FUNC3, rd, rs1, simm12              .insn i OPCODE, FUNC3, rd, simm12(rs1)
    .insn s  OPCODE, FUNC3, rs2, simm12(rs1)
    .insn b  OPCODE, FUNC3, rs1, rs2, target             (also sb)
    .insn u  OPCODE, rd, imm20
    .insn j  OPCODE, rd, target                          (also uj)

OPCODE is a number (a 32-bit instruction's: its two low bits are 11) or a major opcode's name
(OP, OP_IMM, LOAD, ..., CUSTOM_0: TOY32's own instructions live in custom-0). The format letter
is followed by a blank, not a comma, so the statement is read here from its text.
"""
from __future__ import annotations

from . import encoding as enc
from .errors import AsmError, Source
from .expr import Mem, Name, Paren
from .objfile import Fixup
from .fastparse import RAW_TEXT as FAST_RAW_TEXT, parse_operands
from .statements import INSTR, UNPARSED
from .positions import _operands_start, _split

# The major opcodes by the names of the RISC-V base opcode map (GNU as's; llvm-mc knows most)
OPCODES = {"LOAD": 0x03, "LOAD_FP": 0x07, "CUSTOM_0": 0x0B, "MISC_MEM": 0x0F, "OP_IMM": 0x13,
           "AUIPC": 0x17, "OP_IMM_32": 0x1B, "STORE": 0x23, "STORE_FP": 0x27, "CUSTOM_1": 0x2B,
           "AMO": 0x2F, "OP": 0x33, "LUI": 0x37, "OP_32": 0x3B, "MADD": 0x43, "MSUB": 0x47,
           "NMSUB": 0x4B, "NMADD": 0x4F, "OP_FP": 0x53, "OP_V": 0x57, "CUSTOM_2": 0x5B,
           "BRANCH": 0x63, "JALR": 0x67, "JAL": 0x6F, "SYSTEM": 0x73, "CUSTOM_3": 0x7B}
AUIPC = OPCODES["AUIPC"]

# format -> its operands after the opcode: (what, bit position or field)
_F3, _RD, _RS1, _RS2 = ("func3", 12, 7), ("rd", 7), ("rs1", 15), ("rs2", 20)
FORMS = {
    "r": (_F3, ("func7", 25, 127), _RD, _RS1, _RS2),
    "r4": (_F3, ("func2", 25, 3), _RD, _RS1, _RS2, ("rs3", 27)),
    "i": (_F3, _RD, _RS1, ("imm", "imm12")),
    "i.mem": (_F3, _RD, ("mem", "imm12")),
    "s": (_F3, _RS2, ("mem", "simm12")),
    "b": (_F3, _RS1, _RS2, ("target", "bimm12")),
    "u": (_RD, ("imm", "imm20")),
    "j": (_RD, ("target", "jimm20")),
}
_ALIASES = {"sb": "b", "uj": "j"}
MAX_PADDING = 4096   # columns of blanks put before a statement for Lark to read it in place
# directives the assembler hands a statement whose operands do not parse: they read its text
RAW_TEXT = FAST_RAW_TEXT | {".option"}


def insn(asm, stmt):
    fmt, ops, opcode_at = _read(asm, stmt)
    if fmt == "r" and len(ops) == 7:
        fmt = "r4"
    if fmt == "i" and len(ops) == 4 and isinstance(ops[3], (Mem, Paren)):
        fmt = "i.mem"
    form = FORMS[fmt]
    if len(ops) != len(form) + 1:
        raise AsmError(f"'.insn {fmt.split('.')[0]}' takes {len(form) + 1} operands: "
                       f"{_syntax(fmt)}", len(ops) if len(ops) > len(form) + 1 else None)
    word = _opcode(asm, stmt, ops[0], opcode_at)
    pc = asm.section.offset
    fixup = None
    for i, (what, where, *limit) in enumerate(form, start=1):
        op = ops[i]
        if limit:                                     # funct3/funct7/funct2
            value = asm.constant(op, stmt, i, f"the {what}")
            if not 0 <= value <= limit[0]:
                raise AsmError(f"{what} must be an integer in the range [0, {limit[0]}]", i)
            word |= value << where
        elif isinstance(where, int):                  # a register
            word |= asm.reg(op, stmt, i) << where
        else:
            if what == "mem":
                offset, base = asm.memory_operand(op, stmt, i)
                word |= base << 15
                op = 0 if offset is None else offset
            if what == "target":
                value, expr = asm.target_value(op, stmt, i)
            else:
                mnemonic = ("auipc" if word & 0x7F == AUIPC else "lui") if where == "imm20" \
                    else ".insn"
                value, expr = asm.immediate_value(op, stmt, i, mnemonic, where)
            if value is None:
                fixup = Fixup(pc, where, expr, pc, stmt, i)
                continue
            message = enc.range_message(where, value)
            if message:
                raise AsmError(message, i)
            word |= enc.PACK[where](value)
    asm.emit_word(word, stmt)
    if fixup is not None:
        asm.section.fixups.append(fixup)


def _syntax(fmt: str) -> str:
    names = {"func3": "FUNC3", "func7": "FUNC7", "func2": "FUNC2", "imm": "imm",
             "target": "target", "mem": "imm(rs1)"}
    return f".insn {fmt.split('.')[0]} OPCODE, " + ", ".join(
        names.get(what, what) for what, *_ in FORMS[fmt])


def _opcode(asm, stmt, op, at) -> int:
    """The opcode operand's value; ``at``: where it is (operand 0 of the statement is the
    format letter, as the line reads)."""
    if isinstance(op, str) and op.upper() in OPCODES:
        return OPCODES[op.upper()]
    if isinstance(op, str) and op not in asm.obj.symbols:
        raise AsmError(f"unknown opcode name '{op}'", at)
    try:
        value = asm.constant(op, stmt, 0, "the opcode")
    except AsmError as e:
        raise AsmError(str(e), at) from None
    if not 0 <= value <= 127 or value & 3 != 3:
        raise AsmError("the opcode must be a major opcode name or an integer in the range "
                       "[0, 127] whose two low bits are 11 (a 32-bit instruction)", at)
    return value


def _read(asm, stmt):
    """(format, operands) of ``stmt``: the text after the format letter is parsed as the
    operands of a statement of the same line (the letter blanked, so columns stay right)."""
    line, start = _operands_start(stmt)
    end = _split(line, start)[1]
    text = line[start:end]
    word = text.split(None, 1)[0] if text.strip() else ""
    fmt = _ALIASES.get(word.lower(), word.lower())
    if fmt not in FORMS or fmt == "i.mem":
        at = start + len(text) - len(text.lstrip())
        raise AsmError("expected an instruction format: r, r4, i, s, b (sb), u or j" if not word
                       else f"unknown instruction format '{word}': r, r4, i, s, b (sb), u or j",
                       Name("", at + 1))
    begin = start + text.index(word)
    after = begin + len(word)
    opcode_at = Name("", after + len(line[after:end]) - len(line[after:end].lstrip()) + 1)
    ops = parse_operands(line, after, end)
    if ops is not None:
        return fmt, list(ops), opcode_at
    # Lark reads what the fast path does not (and says what is wrong): the statement with its
    # format letter blanked out, at its place in the line so that columns are right -- or,
    # far into a very long line, from column 1, errors then pointing at the statement
    if stmt.col <= MAX_PADDING:
        text, offset = " " * (stmt.col - 1) + line[stmt.col - 1:begin] + " " * len(word) + \
            line[after:end], 0
    else:
        text, offset = ".insn" + " " * len(word) + line[after:end], None
    from .parser import parse_chunk     # (Lark: imported when needed, as asm/reader.py does)
    stmts, errors = parse_chunk(Source(stmt.source.name, text), text + "\n")
    errors += [s.ops[0] for s in stmts if s.kind == UNPARSED]   # (the syntax error)
    if errors:
        raise AsmError(errors[0].message,
                       Name("", errors[0].pos.col) if offset is not None else None)
    ops = stmts[-1].ops if stmts and stmts[-1].kind == INSTR else ()
    return fmt, list(ops), opcode_at


HANDLERS = {".insn": insn}
