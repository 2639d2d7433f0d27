"""``--trace``: one line per completed instruction and one per trap.

Instruction line: completed-instruction number, mode (U/K), pc, disassembly, then the registers
it wrote (``name=value``: its rd, and any other register that changed, e.g. by a system call
served by a monitor), the special registers it changed, and the memory it touched
(``[address]->value`` for a load, ``[address]<-value`` for a store; addresses are virtual).
Trap line: ``-`` in the count column, the mode and pc at the trap, cause and tval.
Everything printed is a function of the machine state, so a run traced twice prints the same.
"""
from __future__ import annotations

from operator import attrgetter
from typing import TextIO

from isa import decode
from isa.disasm import disassemble
from isa.machine import ABI_NAMES, SR_NAMES

from .errors import cause_name

MASK = 0xFFFFFFFF
_SRS = ("pmar",) + tuple(SR_NAMES[n] for n in sorted(SR_NAMES))
_read_srs = attrgetter(*_SRS)


class Tracer:
    def __init__(self, out: TextIO):
        self.out = out
        self._text: dict[tuple[int, int], tuple[str, object]] = {}   # (word, pc) -> text, decoded

    @staticmethod
    def snapshot(machine) -> tuple:
        return machine.regs[:], _read_srs(machine), machine.psw & 1

    def trap(self, machine, cause: int, tval: int) -> None:
        mode = "U" if machine.psw & 1 else "K"
        self.out.write(f"{'-':>10} {mode} {machine.pc:08x}  trap {cause_name(cause)} tval={tval & MASK:08x}\n")

    def instruction(self, machine, before: tuple, pc: int, word: int | None) -> None:
        regs, srs, user = before
        known = self._text.get((word, pc))
        if known is None:
            known = self._text[word, pc] = ((disassemble(word, pc), decode(word)) if word is not None
                                            else ("?", None))
        text, d = known
        now = machine.regs
        touched = ""
        if d is not None and d.instr.kind in ("load", "store"):
            addr = (regs[d.rs1] + d.imm) & MASK          # rs1 as it was before the instruction
            if d.instr.kind == "store":
                value = regs[d.rs2] & ((1 << 8 * d.instr.width) - 1)
                touched = f"[{addr:08x}]<-{value:0{2 * d.instr.width}x}"
            else:
                touched = f"[{addr:08x}]->" + (f"{now[d.rd]:08x}" if d.rd else "?")
        rd = d.rd if d is not None and "rd" in d.instr.operands else 0
        changes = [f"{ABI_NAMES[rd]}={now[rd]:08x}"] if rd else []   # rd even if unchanged
        regs[rd] = now[rd]
        if now != regs:     # others too (a system call a monitor served, say)
            changes += [f"{ABI_NAMES[i]}={new:08x}" for i, (new, old) in enumerate(zip(now, regs)) if new != old]
        srs_now = _read_srs(machine)
        if srs_now != srs:
            changes += [f"{name}={new:08x}" for name, old, new in zip(_SRS, srs, srs_now) if new != old]
        if touched:
            changes.append(touched)
        self.out.write(f"{machine.count:>10} {'U' if user else 'K'} {pc:08x}  {text:<32} {' '.join(changes)}".rstrip() + "\n")
