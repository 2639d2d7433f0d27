"""The laboratory: a small machine set up so that one instruction is one observation.

A 64 KiB machine. Virtual page 1 is the code page: a *primer* ``lw x0, 0(x0)`` and then the
instruction under test. Virtual page 2 is the data page (random bytes); every memory operand
points into it, word-aligned. Virtual page 0 is the *probe*: the primer loads from it, so the
TLB caches its translation, and then the page map is edited in place to send it to another
physical page. Whether a later fetch from the probe still reads the old page ("a stale
translation is cached") is how a TLB flush is seen -- by observation, not by looking inside
the MMU. Every mapped page is V|R|W|X|U, so page protection (Popek and Goldberg's *memory
traps*) plays no part. A monitor is attached that records a trap and stops the machine, so
one trapping instruction is one observation and the trap handler never runs.

Where the pages sit in physical memory is the *layout*: a ``Start`` (starts.py) carries one, so
two starts can give the program the same virtual view from different physical pages.

What a run records: the trap it raised (cause) or none; then, before and after the
instruction, x1..x31, pc, the virtual view's memory, psw, pmar, epc, cause, tval, tvec,
scratch, whether a stale translation is cached ("tlb") and whether the machine halted.
"""
from __future__ import annotations

from dataclasses import dataclass

from isa import BY_MNEMONIC
from isa.machine import PAGE_SHIFT, PAGE_SIZE, PMAR_ON, PSW_U, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X

from ...machine import Machine, Stop

RAM = 16 * PAGE_SIZE
PROBE_VA, CODE_VA, DATA_VA = 0x0000, 0x1000, 0x2000
PRIMER_PC = CODE_VA + 0x800         # mid-page: no branch offset matters, nothing is fetched after
TEST_PC = PRIMER_PC + 4
PRIMER = BY_MNEMONIC["lw"].match           # lw x0, 0(x0): a load from the probe page
STALE, FRESH = 0x5A1E5A1E, 0xF4E5F4E5      # the probe's old and new page (first word)
LEAF = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U
SRS = ("epc", "cause", "tval", "tvec", "scratch")
CONTROL = ("psw", "pmar") + SRS + ("tlb", "halted")     # what a run records of the configuration


@dataclass(frozen=True)
class Layout:
    """Where a configuration puts the virtual pages in physical memory."""
    translation: bool
    code: int = CODE_VA
    data: int = DATA_VA
    root: int = 0x3000
    leaves: int = 0x4000
    stale: int = 0x5000
    fresh: int = 0x6000


IDENTITY = Layout(True)
RELOCATED = Layout(True, 0x9000, 0xA000, 0xB000, 0xC000, 0xD000, 0xE000)
PHYSICAL = Layout(False)


@dataclass(frozen=True)
class Start:
    """A starting state, less the mode: the virtual view and the privileged configuration."""
    word: int
    regs: tuple[int, ...]
    psw: int                        # IE/PU/PIE; U is added per run
    srs: tuple[int, ...]            # epc cause tval tvec scratch
    data: bytes
    layout: Layout = IDENTITY


@dataclass
class Run:
    """What one run recorded."""
    trap: int | None                # the cause, or None when the instruction completed
    before: dict[str, int]
    after: dict[str, int]


class _TrapRecorder:
    """A monitor that notes the trap and ends the run there (``Stop("exit")``, a monitor ending
    the program): the trap handler never runs."""
    cause: int | None = None

    def on_trap(self, machine: Machine, cause: int, tval: int) -> None:
        self.cause = cause
        machine.stop(Stop("exit"))


def _observe(m: Machine, layout: Layout, halted: bool = False) -> dict[str, int]:
    """What a run records before and after the instruction (see the module doc)."""
    state = {f"x{i}": m.regs[i] for i in range(1, 32)}
    view = m.mem.read(layout.code, PAGE_SIZE) + m.mem.read(layout.data, PAGE_SIZE)
    state.update(pc=m.pc, memory=int.from_bytes(view, "little"), psw=m.psw, pmar=m.pmar,
                 tlb=int(m.peek_instruction(PROBE_VA) == STALE), halted=int(halted))
    state.update({name: getattr(m, name) for name in SRS})
    return state


def run(start: Start, user: int, hw_assist: bool) -> Run:
    """Run the instruction of ``start`` once, in user mode if ``user``, on a fresh machine."""
    m = Machine(RAM, hw_assist=hw_assist)
    recorder = m.monitor = _TrapRecorder()
    lay = start.layout
    m.write_word(lay.code + (PRIMER_PC - CODE_VA), PRIMER)
    m.write_word(lay.code + (TEST_PC - CODE_VA), start.word)
    m.write_bytes(lay.data, start.data)
    if lay.translation:
        m.write_word(lay.root, lay.leaves | PTE_V)          # root entry 0 -> the leaf map
        for va, pa in ((PROBE_VA, lay.stale), (CODE_VA, lay.code), (DATA_VA, lay.data)):
            m.write_word(lay.leaves + (va >> PAGE_SHIFT) * 4, pa | LEAF)
        m.write_word(lay.stale, STALE)
        m.write_word(lay.fresh, FRESH)
        m.set_pmar(lay.root | PMAR_ON)
    for i, value in enumerate(start.regs):
        m.regs[i] = value
    m.set_psw(start.psw | (PSW_U if user else 0))
    for name, value in zip(SRS, start.srs):
        setattr(m, name, value)
    m.pc = PRIMER_PC
    m.run(1)                                                 # the primer caches the probe's translation
    assert recorder.cause is None and m.pc == TEST_PC, "the primer must complete"
    if lay.translation:                                      # edit the map in place: now it is stale
        m.write_word(lay.leaves + (PROBE_VA >> PAGE_SHIFT) * 4, lay.fresh | LEAF)
    before = _observe(m, lay)
    stop = m.run(1)                                          # the instruction under test
    return Run(recorder.cause, before, _observe(m, lay, halted=stop.kind == "halt"))
