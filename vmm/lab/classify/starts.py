"""The starting states: one random start, given in four configurations of the privileged state.

A *start* is: random registers, the operands' registers fixed up (memory operands point into
the data page), random data, psw's IE/PU/PIE bits, random epc/cause/tval/tvec/scratch, and a
*configuration* of the privileged state:

  ``identity``   translation on, every virtual page at the same physical address
  ``relocated``  translation on, the same virtual view at other physical pages (other maps,
                 other pmar)
  ``off``        translation off (physical = virtual, as the identity map)
  ``varied``     identity, but the other privileged registers differ: psw IE/PU/PIE flipped,
                 other epc/cause/tval/tvec/scratch

The four configurations give the program the same *virtual view* -- registers, pc, and the
bytes it can address -- and differ only in what a VMM would keep for itself, so any difference
in what the instruction does is the configuration's doing. Each start is run in kernel mode
(psw.U = 0) and in user mode (psw.U = 1). Starts are seeded from the mnemonic and a number, so
every run of the command gives the same table.

The instruction word is built from the table's match bits and its operands' fields (their
``kind`` and ``fields``, as isa/instructions.py parses them once), never from its flags.
"""
from __future__ import annotations

import random
from dataclasses import replace

from isa import FIELDS
from isa.instructions import MEM, REG, SR
from isa.machine import PAGE_SIZE, PSW_IE, PSW_PIE, PSW_PU, SPECIAL_REGISTERS

from .lab import DATA_VA, PHYSICAL, RELOCATED, SRS, Start


def encode(ins, rng: random.Random, seed: int) -> tuple[int, dict[int, int], dict[str, str]]:
    """The instruction word with representative operands, the register values its memory
    operand needs (base + offset = a word in the data page), and the operand registers' names
    ("x5" -> "rd (x5)") for the evidence."""
    regs = iter(rng.sample(range(1, 32), 3))
    word, fixed, names = ins.match, {}, {}
    for op in ins.operands:
        if op.kind == MEM:                                   # imm12(rs1), simm12(rs1)
            imm_name, reg_name = op.fields
            imm, reg = rng.randint(FIELDS[imm_name].lo, FIELDS[imm_name].hi), next(regs)
            fixed[reg] = (DATA_VA + 4 * rng.randrange(PAGE_SIZE // 4) - imm) & 0xFFFFFFFF
            word |= FIELDS[imm_name].pack(imm) | FIELDS[reg_name].pack(reg)
            names[f"x{reg}"] = f"{reg_name} (x{reg})"
        elif op.kind == REG:                                 # rd, rs1, rs2
            (name,) = op.fields
            reg = next(regs)
            word |= FIELDS[name].pack(reg)
            names[f"x{reg}"] = f"{name} (x{reg})"
        elif op.kind == SR:                                  # each special register in turn
            (name,) = op.fields
            word |= FIELDS[name].pack(SPECIAL_REGISTERS[seed % len(SPECIAL_REGISTERS)].number)
        else:                                                # immediates, targets, fence sets
            (name,) = op.fields
            f = FIELDS[name]
            value = rng.randint(f.lo, f.hi)
            word |= f.pack(value - value % f.align)
    assert word & ins.mask == ins.match, ins.mnemonic
    return word, fixed, names


def starts(ins, seed: int) -> tuple[dict[str, Start], dict[str, str]]:
    """The four configurations of one random start (see the module doc), and the names of
    the operand registers."""
    rng = random.Random(f"{ins.mnemonic}/{seed}")
    word, fixed, names = encode(ins, rng, seed)
    regs = [0] + [rng.getrandbits(32) for _ in range(31)]
    for reg, value in fixed.items():
        regs[reg] = value
    psw = (PSW_IE if seed & 1 else 0) | (PSW_PIE if seed & 2 else 0) | (PSW_PU if seed & 4 else 0)
    base = Start(word, tuple(regs), psw, tuple(rng.getrandbits(32) & ~3 for _ in SRS), rng.randbytes(PAGE_SIZE))
    others = tuple(v ^ (rng.getrandbits(31) << 1 | 4) & ~3 for v in base.srs)    # each one differs
    return {"identity": base,
            "relocated": replace(base, layout=RELOCATED),
            "off": replace(base, layout=PHYSICAL),
            "varied": replace(base, psw=psw ^ (PSW_IE | PSW_PU | PSW_PIE), srs=others)}, names
