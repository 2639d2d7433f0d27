"""Time-slicing the processor among guests: round robin, each slice a run of the real machine
bounded by an instruction count (``Machine.run(max_instructions=N)``, exact to the instruction).

The monitor's own timer is that bound: a guest that spins with interrupts off, or never traps
at all, still loses the processor when its slice is spent. Within a slice a run is also cut at
the guest's next virtual timer deadline, so the timer interrupt is injected at the very
instruction boundary where the bare machine would take it, and at ``--max-instructions``.
A guest that halts, powers off or crashes is finished; the others run on. ``run`` returns early,
every guest as it is, when the machine's ``request_interrupt`` was called (Ctrl-C).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from isa.machine import PSW_IE

from ..machine import EXIT_LIMIT, Stop
from ..machine.cpu import CONSOLE_POLL
from ..machine.devices import RX_IRQ

if TYPE_CHECKING:
    from .dispatch import Dispatcher
    from .guest import Guest

DEFAULT_SLICE = 100_000      # instructions


class Scheduler:
    # Something to do when a guest's count reaches given values (--dump-maps-at; vmm/trace/
    # monitor_run.py): ``clip(guest, bound)`` shortens a run to end there, ``reached(guest)`` acts.
    pause = None

    def __init__(self, machine, dispatcher: Dispatcher, guests: list[Guest], slice_instructions: int):
        self.machine = machine
        self.dispatcher = dispatcher
        self.guests = guests
        self.slice = slice_instructions

    def run(self, resume: tuple[list[int], int] | None = None) -> None:
        """Until every guest is finished. ``resume``: start inside a round, as (the indices of
        the round's guests, whose turn it is) -- where a debugger's snapshot was taken."""
        while True:
            if resume is None:
                live, first = [g for g in self.guests if g.exit is None], 0
            else:
                live, first = [self.guests[i] for i in resume[0]], resume[1]
                resume = None
            if not live:
                return
            for turn in range(first, len(live)):
                if self.machine.interrupt_requested:   # Ctrl-C: every guest stays as it is
                    return
                self.slice_starting(live, turn)
                self.run_slice(live[turn])

    def slice_starting(self, live: list[Guest], turn: int) -> None:
        """Before each slice: the point where a run can be resumed (monitor_replay.py)."""

    def switch_to(self, guest: Guest) -> None:
        """The world switch: the current guest's registers out, the next guest's in."""
        current = self.dispatcher.guest
        if current is guest:
            return
        if current is not None:
            current.vcpu.detach()
        self.dispatcher.guest = guest
        guest.load()

    def run_slice(self, guest: Guest) -> None:
        self.switch_to(guest)
        guest.stats.slices += 1
        if guest.events is not None:
            guest.events.emit("slice", budget=self.slice)
        machine, dispatcher = self.machine, self.dispatcher
        budget = self.slice
        while guest.exit is None and budget > 0 and not machine.interrupt_requested:
            limit = guest.config.max_instructions
            if limit is not None and guest.vcpu.count >= limit:
                guest.end(Stop("limit", EXIT_LIMIT, guest.report(f"stopped: --max-instructions {limit} reached")))
                break
            if self.pause is not None:
                self.pause.reached(guest)
            dispatcher.deliver(guest)
            if guest.exit is not None:
                break
            bound = self.bound(guest, budget)
            if self.pause is not None:
                bound = self.pause.clip(guest, bound)
            start = machine.count
            dispatcher.run_end = start + bound
            try:
                machine.run(bound)
            except Exception as e:   # a monitor bug: this guest ends with a report, the rest go on
                dispatcher.fail(guest, f"monitor internal error: {type(e).__name__}: {e}")
                break
            budget -= machine.count - start

    @staticmethod
    def bound(guest: Guest, budget: int) -> int:
        """Instructions the guest may run before the monitor must look again."""
        count = guest.vcpu.count
        bound = budget
        devices = guest.devices
        if devices.timer_deadline is not None:
            bound = min(bound, max(devices.timer_deadline - count, 1))
        if guest.config.max_instructions is not None:
            bound = min(bound, guest.config.max_instructions - count)
        console_in = devices.console_in
        if (guest.vcpu.psw & PSW_IE and devices.console_ctrl & RX_IRQ and console_in.interactive
                and not console_in.at_eof()):
            bound = min(bound, CONSOLE_POLL)     # a terminal can get input at any time
        return bound
