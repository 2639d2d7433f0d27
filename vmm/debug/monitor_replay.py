"""Reverse execution under the monitor: the snapshots of reverse.py, plus the monitor's state.

A snapshot is taken when a time slice starts (at most one per ``interval`` real instructions):
the real machine (registers, TLB, RAM -- guest pages and shadow maps alike), every guest's
objects (virtual CPU, machine map, shadow maps, devices, statistics, strategy; deep-copied, with
the machine, the guests, the allocator and the consoles kept as themselves) and the allocator,
and where the round-robin stood (the guests of the round, whose turn it is). Going back cannot
happen inside the scheduler's loop, whose place lives in its local variables: ``restore`` raises
``Rewind``, which unwinds to ``ReplayableScheduler.run``; it puts everything back and goes on
with the round from the snapshot's turn. Only the debugger uses it: ``attach_monitor`` installs
it in place of the monitor's scheduler.

Position (the order of points): (real instructions completed, real traps, world switches plus
traps reflected to guests), each of which only grows, and one of which grows from any point to
the next (a world switch or an injected interrupt moves neither real count).
"""
from __future__ import annotations

import copy

from ..monitor.scheduler import Scheduler
from .reverse import History


class Rewind(BaseException):
    """Unwind to the scheduler and go back to ``snapshot``. A BaseException, as the scheduler
    ends a guest on any Exception from its run."""

    def __init__(self, snapshot):
        super().__init__()
        self.snapshot = snapshot


class MonitorHistory(History):
    def __init__(self, monitor):
        self.monitor = monitor
        self._schedule = ([g.index for g in monitor.guests if g.exit is None], 0)
        super().__init__(monitor.machine, [g.devices for g in monitor.guests])

    def position(self) -> tuple:
        m = self.machine
        virtual = 0
        for g in self.monitor.guests:
            s = g.stats
            virtual += (s.world_switches + s.syscalls + sum(s.interrupts.values()) + sum(s.true_faults.values())
                        + sum(s.reflected.values()))
        return m.count, sum(m.stats.traps.values()), virtual

    # --- the monitor's objects -------------------------------------------------------------------
    def _kept(self) -> dict:
        """Objects that stay themselves in a copy (the copy's references point at them)."""
        mon = self.monitor
        kept = [self.machine, mon, mon.allocator, mon.dispatcher, mon.scheduler, *mon.guests]
        for g in mon.guests:
            kept += [g.devices.console_in, g.devices.console_out]
        return {id(obj): obj for obj in kept}

    def _objects(self) -> dict:
        mon = self.monitor
        return {"guests": [g.__dict__ for g in mon.guests], "allocator": mon.allocator.__dict__,
                "dispatcher": mon.dispatcher.__dict__}

    def take(self, extra=None) -> None:
        state = copy.deepcopy(self._objects(), self._kept())
        super().take((state, self._schedule))

    def at_point(self, position: tuple) -> None:
        """Snapshots are taken at slice starts only (``slice_start``)."""

    def slice_start(self, live: list, turn: int) -> None:
        self._schedule = ([g.index for g in live], turn)
        if not self.snapshots or self.machine.count >= self.snapshots[-1].position[0] + self.interval:
            self.take()

    def restart(self) -> None:
        """A gdb write changed the state: history starts again at the next slice (a snapshot
        must be taken where the scheduler can resume, at a slice's start)."""
        self.snapshots.clear()
        self.page_bytes = 0
        for _, out in self.consoles:
            out.forget_future()

    # --- going back -------------------------------------------------------------------------------
    def restore(self, snap) -> None:
        raise Rewind(snap)

    def apply(self, snap):
        """Everything back as at ``snap``; the round-robin's place then."""
        super().apply(snap)
        state, schedule = snap.extra
        fresh = copy.deepcopy(state, self._kept())
        mon = self.monitor
        for guest, saved in zip(mon.guests, fresh["guests"]):
            guest.__dict__.clear()
            guest.__dict__.update(saved)
        for obj, saved in ((mon.allocator, fresh["allocator"]), (mon.dispatcher, fresh["dispatcher"])):
            obj.__dict__.clear()
            obj.__dict__.update(saved)
        self._schedule = schedule
        return schedule


class ReplayableScheduler(Scheduler):
    """The monitor's scheduler with snapshots at slice starts and ``Rewind`` caught."""

    history: MonitorHistory | None = None

    @classmethod
    def replacing(cls, scheduler: Scheduler) -> "ReplayableScheduler":
        return cls(scheduler.machine, scheduler.dispatcher, scheduler.guests, scheduler.slice)

    def run(self, resume=None) -> None:
        while True:
            try:
                return super().run(resume)
            except Rewind as rewind:
                resume = self.history.apply(rewind.snapshot)

    def slice_starting(self, live: list, turn: int) -> None:
        self.history.slice_start(live, turn)
