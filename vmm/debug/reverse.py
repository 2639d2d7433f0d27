"""Reverse execution on the bare machine: periodic snapshots plus re-execution.

The machine is deterministic (the timer counts instructions, console input is read from a file
or pipe and kept), so any earlier point of the run is reached again by restoring the last
snapshot before it and running forward. A *point* is an instruction boundary, named by its
position (instructions completed, traps entered), which grows at every point (threads.py).

A snapshot holds the machine's state but RAM (``Machine.save_state``), the RAM pages that differ
from RAM as it was when the debugger attached (the *base*, kept once), and how far the console
had got: the input bytes consumed, the output bytes written. Going back, the console input is
replayed from what was kept (``RecordedInput``), and output already printed is not printed again
(``ReplayedOutput`` passes on only the bytes beyond the furthest point printed).

Costs and bounds:
  * memory: one copy of RAM (the base), plus at most MAX_SNAPSHOTS snapshots; each holds the
    pages that differ from the base (at most RAM's size, in practice the pages the kernel has
    written) and the TLB (at most 65,536 entries). When a new snapshot would exceed
    MAX_SNAPSHOTS, or the pages of all snapshots exceed MAX_HISTORY_BYTES, every other snapshot
    but the first is dropped and the interval between snapshots doubles, so history always
    reaches back to where the debugger attached, ever more sparsely. The console input kept is
    what the guest consumed.
  * time: taking a snapshot compares RAM with the base (numpy, a few ms for 16 MiB) every
    ``interval`` instructions (INTERVAL at first: under 10% of a debugged run's time). A step back
    restores a snapshot and re-executes at most twice the interval; ``reverse-continue``
    re-executes the history back to the point it stops at, at most the whole run so far.
A gdb write to registers or memory changes the future the history recorded: history then starts
again at that point (going back stops there, "No more reverse-execution history").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from isa.machine import PAGE_SHIFT, PAGE_SIZE

from ..machine import ConsoleInput

INTERVAL = 50_000               # instructions between snapshots, at first
MAX_SNAPSHOTS = 64
MAX_HISTORY_BYTES = 256 << 20   # RAM pages held by all snapshots


class RecordedInput(ConsoleInput):
    """The machine's console input, keeping every byte read so a replay reads them again."""

    def __init__(self, original: ConsoleInput):
        super().__init__(original.fd, original.interactive)
        self.buffer, self.eof = original.buffer, original.eof
        self.before_blocking = original.before_blocking
        self.kept = bytearray(self.buffer)     # every byte ever read from the source
        self._fed = len(self.kept)             # bytes of ``kept`` handed to ``buffer``

    def _fill(self, wait: bool) -> None:
        if self.buffer or self.eof:
            return
        if self._fed < len(self.kept):          # replaying: the bytes read the first time
            self.buffer += self.kept[self._fed:]
            self._fed = len(self.kept)
            return
        before = len(self.buffer)
        super()._fill(wait)
        self.kept += self.buffer[before:]
        self._fed = len(self.kept)

    @property
    def consumed(self) -> int:
        return self._fed - len(self.buffer)

    def rewind(self, consumed: int) -> None:
        """Back to when ``consumed`` bytes had been consumed (the source's end stays known)."""
        self.buffer = bytearray(self.kept[consumed:])
        self._fed = len(self.kept)


class ReplayedOutput:
    """A stream for ConsoleOutput that counts the bytes the guest wrote and passes on only those
    beyond the furthest byte ever passed on: a replay does not print the same bytes twice."""

    def __init__(self, stream):
        self.stream = stream
        self.written = 0            # bytes the guest has written, at the current point
        self.printed = 0            # the furthest ``written`` ever reached

    def write(self, data: bytes) -> None:
        start, self.written = self.written, self.written + len(data)
        if self.written > self.printed:
            new = data[max(0, self.printed - start):]
            self.printed = self.written
            self.stream.write(new)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        try:
            return self.stream.isatty()
        except (AttributeError, ValueError):
            return False

    def forget_future(self) -> None:
        """The future was changed (a gdb write): what comes next is new output."""
        self.printed = self.written


@dataclass
class Snapshot:
    position: tuple
    state: dict
    pages: dict[int, bytes]
    consoles: list[tuple[int, int]]         # per console: (input consumed, output written)
    extra: object = None                    # what a subclass keeps (monitor_replay.py)


class History:
    """The snapshots of one run. ``devices``: the device models whose consoles are recorded and
    replayed (the bare machine's; under the monitor each guest's)."""

    def __init__(self, machine, devices: list | None = None):
        self.machine = machine
        self.consoles = []
        for dev in devices if devices is not None else [machine.devices]:
            dev.console_in = RecordedInput(dev.console_in)
            dev.console_out.stream = ReplayedOutput(dev.console_out.stream)
            self.consoles.append((dev.console_in, dev.console_out.stream))
        self.base = bytes(machine.mem.ram)
        self.snapshots: list[Snapshot] = []
        self.interval = INTERVAL
        self.page_bytes = 0
        self.take()

    def position(self) -> tuple:
        """Where the run is: grows at every point (threads.py)."""
        m = self.machine
        return m.count, sum(m.stats.traps.values())

    # --- recording -------------------------------------------------------------------------------
    def _changed_pages(self) -> np.ndarray:
        now = np.frombuffer(self.machine.mem.ram, dtype=np.uint64).reshape(-1, PAGE_SIZE // 8)
        base = np.frombuffer(self.base, dtype=np.uint64).reshape(-1, PAGE_SIZE // 8)
        return np.flatnonzero((now != base).any(axis=1))

    def take(self, extra=None) -> None:
        m = self.machine
        ram = m.mem.ram
        pages = {int(p): bytes(ram[p << PAGE_SHIFT:(p + 1) << PAGE_SHIFT]) for p in self._changed_pages()}
        consoles = [(cin.consumed, out.written) for cin, out in self.consoles]
        self.snapshots.append(Snapshot(self.position(), m.save_state(), pages, consoles, extra))
        self.page_bytes += len(pages) * PAGE_SIZE
        while len(self.snapshots) > 2 and (len(self.snapshots) > MAX_SNAPSHOTS
                                           or self.page_bytes > MAX_HISTORY_BYTES):
            self._thin()

    def _thin(self) -> None:
        kept = self.snapshots[:1] + self.snapshots[2::2]
        if self.snapshots[-1] is not kept[-1]:
            kept.append(self.snapshots[-1])
        self.snapshots = kept
        self.page_bytes = sum(len(s.pages) for s in kept) * PAGE_SIZE
        self.interval *= 2

    def at_point(self, position: tuple) -> None:
        """Called at every point of forward execution: snapshot when the interval has passed."""
        if position[0] >= self.snapshots[-1].position[0] + self.interval:
            self.take()

    def restart(self) -> None:
        """A gdb write changed the state: history starts again here."""
        self.snapshots.clear()
        self.page_bytes = 0
        self.interval = INTERVAL
        for _, out in self.consoles:
            out.forget_future()
        self.take()

    # --- going back ------------------------------------------------------------------------------
    def before(self, position: tuple) -> Snapshot | None:
        """The last snapshot strictly before ``position``."""
        found = None
        for snap in self.snapshots:
            if snap.position < position:
                found = snap
        return found

    def restore(self, snap: Snapshot) -> None:
        """Put the machine back at ``snap``; the run goes on from there."""
        self.apply(snap)

    def apply(self, snap: Snapshot) -> None:
        m = self.machine
        pages = {int(p): self.base[p << PAGE_SHIFT:(p + 1) << PAGE_SHIFT] for p in self._changed_pages()}
        pages.update(snap.pages)
        m.load_pages(pages)
        m.load_state(snap.state)
        for (cin, out), (consumed, written) in zip(self.consoles, snap.consoles):
            cin.rewind(consumed)
            out.written = written

    def describe(self) -> str:
        if not self.snapshots:
            return "reverse execution: no history yet (it starts again at the next time slice)\n"
        first, last = self.snapshots[0].position[0], self.snapshots[-1].position[0]
        return (f"reverse execution: {len(self.snapshots)} snapshots from instruction {first:,} to {last:,}, "
                f"one every {self.interval:,} instructions, {self.page_bytes // 1024:,} KiB of pages "
                f"(+ {len(self.base) // 1024:,} KiB base)\n")
