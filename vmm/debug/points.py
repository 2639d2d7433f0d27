"""Breakpoints, watchpoints and trap stops: kept by the stub, checked at every instruction boundary.

Guest memory is never changed for a breakpoint (no ebreak is written): the stub keeps the
addresses in a set and looks at pc, so a kernel that reads or checksums its own code sees its
own bytes, and a breakpoint works in code the guest copies or maps anywhere.

A watchpoint is checked by looking at the instruction about to run: for a load or store, the
virtual address and width it will use (rs1 + imm as the registers are then). If the instruction
then completes (the count advances: a fault leaves memory untouched and the count as it was), the
access happened; the stop is reported after it, with the address gdb watches, as a hardware
watchpoint stops. Only done while watchpoints are set, so it costs nothing otherwise.

Bounds: at most MAX_BREAKPOINTS breakpoints and MAX_WATCHPOINTS watchpoints of at most
MAX_WATCH_LENGTH bytes each (gdb then says the target cannot set more).
"""
from __future__ import annotations

from isa import decode
from isa.machine import CAUSE_BY_NAME, CAUSE_NAMES

MASK = 0xFFFFFFFF
MAX_BREAKPOINTS = 4096
MAX_WATCHPOINTS = 64
MAX_WATCH_LENGTH = 4096
WRITE, READ, ACCESS = 2, 3, 4           # the Z packet types of watchpoints
REASON = {WRITE: "watch", READ: "rwatch", ACCESS: "awatch"}
ALL_TRAPS = "all"


class Points:
    def __init__(self):
        self.breakpoints: set[int] = set()
        self.watchpoints: dict[tuple[int, int, int], None] = {}   # (type, address, length), in order
        self.trap_causes: set[int] | str | None = None           # None: off; ALL_TRAPS; or causes

    def insert(self, kind: int, addr: int, length: int) -> bool:
        if kind in (0, 1):
            if addr not in self.breakpoints and len(self.breakpoints) >= MAX_BREAKPOINTS:
                return False
            self.breakpoints.add(addr & MASK)
            return True
        if kind in REASON:
            key = (kind, addr & MASK, length)
            if not 0 < length <= MAX_WATCH_LENGTH:
                return False
            if key not in self.watchpoints and len(self.watchpoints) >= MAX_WATCHPOINTS:
                return False
            self.watchpoints[key] = None
            return True
        return False

    def remove(self, kind: int, addr: int, length: int) -> bool:
        if kind in (0, 1):
            self.breakpoints.discard(addr & MASK)
            return True
        if kind in REASON:
            self.watchpoints.pop((kind, addr & MASK, length), None)
            return True
        return False

    # --- watchpoints -------------------------------------------------------------------------------
    def access_of(self, thread, pc: int):
        """(address, width, is_store) of the load or store at pc as the registers are now, or None."""
        word = thread.read_memory(pc, 4)
        if len(word) != 4:
            return None
        d = decode(int.from_bytes(word, "little"))
        if d is None or d.instr.kind not in ("load", "store"):
            return None
        addr = (thread.read_register(d.rs1) + d.imm) & MASK
        return addr, d.instr.width, d.instr.kind == "store"

    def watch_hit(self, access) -> str | None:
        """The stop reply's reason for an access that happened, e.g. ``watch:1000``, or None."""
        addr, width, store = access
        for kind, start, length in self.watchpoints:
            if kind == WRITE and not store or kind == READ and store:
                continue
            if addr < start + length and start < addr + width:
                return f"{REASON[kind]}:{max(addr, start):x}"
        return None

    # --- traps ---------------------------------------------------------------------------------------
    def stops_on_trap(self, cause: int) -> bool:
        causes = self.trap_causes
        return causes is not None and (causes == ALL_TRAPS or cause in causes)

    def set_trap_stop(self, words: list[str]) -> str:
        """``monitor break-on-trap [CAUSE ...|off]``: the answer to print."""
        if not words:
            self.trap_causes = ALL_TRAPS
            return "stopping at every trap entry\n"
        if words == ["off"]:
            self.trap_causes = None
            return "not stopping at trap entries\n"
        causes = set()
        for word in words:
            name = word.upper()
            if name not in CAUSE_BY_NAME:
                return f"unknown cause {word!r}; causes: {', '.join(CAUSE_BY_NAME)}\n"
            causes.add(CAUSE_BY_NAME[name])
        self.trap_causes = causes
        return "stopping at trap entries for " + ", ".join(CAUSE_NAMES[c] for c in sorted(causes)) + "\n"
