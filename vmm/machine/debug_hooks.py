"""What a debugger (vmm/debug/) needs of the machine, and nothing else uses: a run loop that asks
the debugger before every instruction, and the saving and restoring of the whole processor state
(a part of ``Machine``, kept apart for reading; the fast path in cpu.py does not change).

The debugger interface (``machine.debugger = obj``, None when no debugger is attached):
``obj.before_instruction(machine)`` is called at every instruction boundary the run reaches, with
the state exact (``regs``, ``pc``, ``count``, the special registers; a trap entered since the last
call has been entered, a due interrupt taken). It may block (serve a gdb client), read and change
anything a monitor may change (cpu.py), restore a saved state, and returns True when it changed
something -- the loop then looks at the machine's events again (the mode, the maps, the timer)
before it runs the instruction at ``pc`` -- or False to run it. Setting ``machine.debugger`` to
None (detach) makes the rest of the run take the fast path.

Instructions run one at a time through the one-instruction translations (``code.steps``), as
``--trace`` runs them, so a debugged run completes the same instructions, takes the same traps
at the same counts and prints the same output as an undebugged one.

``save_state``/``load_state``: everything of the machine but RAM (registers, special registers,
count, statistics, the progress watch, the device registers, the TLB). RAM is the debugger's to
save (vmm/debug/reverse.py keeps the pages that changed); ``load_pages`` writes saved pages back,
dropping only the translated code of pages whose bytes change.
"""
from __future__ import annotations

import copy

from isa.machine import PAGE_SHIFT, PAGE_SIZE

from .translate import RegionExit

_SCALARS = ("pc", "psw", "pmar", "epc", "cause", "tval", "tvec", "scratch", "count", "_accounted", "_bailed")
_DEVICE_SCALARS = ("console_ctrl", "timer_deadline", "timer_pending", "power_off")


class DebugHooks:
    """The Machine's debugger support (mixed into ``Machine``)."""

    def _run_debug(self) -> None:
        while True:
            debugger = self.debugger
            if debugger is None:           # detached during this run: the rest runs fast
                return self._run_fast()
            self._events()
            if self.stopped is not None:
                return None
            ctx = self._context()
            steps, limit = self.code.steps[ctx], self._limit
            try:
                while self.count < limit:
                    if debugger.before_instruction(self):
                        break
                    count, pc = self.count, self.pc
                    fn = steps.get(pc) or self._code_for(ctx, pc, True)
                    self.pc, k = fn(limit - count)
                    self.count = count + k
            except RegionExit:
                pass

    # --- the whole state but RAM ------------------------------------------------------------------
    def save_state(self) -> dict:
        """The processor, device and TLB state (not RAM), as plain data."""
        dev, stats = self.devices, self.stats
        return {
            "scalars": tuple(getattr(self, name) for name in _SCALARS),
            "regs": tuple(self.regs),
            "devices": tuple(getattr(dev, name) for name in _DEVICE_SCALARS),
            "stats": (tuple(stats.instructions), dict(stats.traps)),
            "progress": copy.copy(self.progress),
            "tlb": dict(self.mmu.tlb),
            "mmu": (self.mmu.misses, self.mmu.flushes),
        }

    def load_state(self, state: dict) -> None:
        """Put back a ``save_state`` (RAM apart); cached translations are dropped as a flush does
        (with the address spaces a monitor keeps, ``switch_space``), then the saved TLB entries
        come back (a stale entry stays stale, as it was)."""
        for name, value in zip(_SCALARS, state["scalars"]):
            setattr(self, name, value)
        self.regs[:] = state["regs"]            # the list object is bound into translated code
        for name, value in zip(_DEVICE_SCALARS, state["devices"]):
            setattr(self.devices, name, value)
        instructions, traps = state["stats"]
        self.stats.instructions[:] = instructions
        self.stats.traps = dict(traps)
        self.progress = copy.copy(state["progress"])
        self.tlb_flush()
        for root in list(self.mmu._saved) + list(self.code._saved):   # a monitor's tagged spaces
            self.forget_space(root)
        self.mmu.tlb.update(state["tlb"])
        self.mmu.misses, self.mmu.flushes = state["mmu"]
        self.stopped = None

    def load_pages(self, pages: dict[int, bytes]) -> None:
        """Write whole RAM pages (physical page number -> 4096 bytes) back; only a page whose
        bytes differ is written, and only its translated code is dropped."""
        ram = self.mem.ram
        for ppn, data in pages.items():
            start = ppn << PAGE_SHIFT
            if ram[start:start + PAGE_SIZE] != data:
                self.write_bytes(start, data)
