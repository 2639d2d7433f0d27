"""``--trace``: one line per completed instruction and one per trap.

Instruction line: completed-instruction number, mode (U/K), pc, disassembly, then the registers
it wrote (``name=value``: its rd, and any other register that changed, e.g. by a system call
served by a monitor), the special registers it changed, and the memory it touched
(``[address]->value`` for a load, ``[address]<-value`` for a store; addresses are virtual).
Trap line: ``-`` in the count column, the mode and pc at the trap, cause and tval.
With the image's symbols (vmm/trace/symbols.py) the pc is followed by ``<symbol+offset>``.
Filters (``--trace=events|instructions``, ``--trace-from/--trace-until``, vmm/trace/window.py)
decide which lines are written; they never change the run. Everything printed is a function of
the machine state, so a run traced twice prints the same.
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


MAX_TEXTS = 1 << 16          # decoded instructions remembered (the cache is emptied when full)


class Tracer:
    def __init__(self, out: TextIO, symbols=None, window=None, instructions: bool = True, traps: bool = True):
        self.out = out
        self.symbols = symbols          # vmm.trace.symbols.Symbols or None
        self.window = window            # vmm.trace.window.Window or None: every line
        self.instructions = instructions
        self.traps = traps
        self._text: dict[tuple[int, int], tuple[str, object]] = {}   # (word, pc) -> text, decoded

    def where(self, pc: int) -> str:
        """The pc, and its symbol when known."""
        name = self.symbols.describe(pc) if self.symbols else ""
        return f"{pc:08x} {name}" if name else f"{pc:08x}"

    def decoded(self, word: int | None, pc: int) -> tuple[str, object]:
        known = self._text.get((word, pc))
        if known is None:
            if len(self._text) >= MAX_TEXTS:
                self._text.clear()
            known = self._text[word, pc] = ((disassemble(word, pc), decode(word)) if word is not None
                                            else ("?", None))
        return known

    @staticmethod
    def snapshot(machine) -> tuple:
        return machine.regs[:], _read_srs(machine), machine.psw & 1

    def trap(self, machine, cause: int, tval: int) -> None:
        if not self.traps or (self.window is not None
                              and not self.window.sees(machine.count + 1, machine.pc, instruction=False)):
            return
        mode = "U" if machine.psw & 1 else "K"
        self.out.write(f"{'-':>10} {mode} {self.where(machine.pc)}  trap {cause_name(cause)} tval={tval & MASK:08x}\n")

    def instruction(self, machine, before: tuple, pc: int, word: int | None) -> None:
        if self.window is not None and not self.window.sees(machine.count, pc):
            return
        if self.instructions:
            self.out.write(self.line(machine.count, before, pc, word, machine))

    def line(self, count: int, before: tuple, pc: int, word: int | None, machine) -> str:
        """The instruction's line: ``before`` is ``snapshot`` of the machine before it ran."""
        regs, srs, user = before
        text, d = self.decoded(word, pc)
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
        return f"{count:>10} {'U' if user else 'K'} {self.where(pc)}  {text:<32} {' '.join(changes)}".rstrip() + "\n"
