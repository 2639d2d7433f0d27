"""One run of the guest, on the bare machine or as the only guest of the monitor, and what it
did: console output, how it ended, instructions completed, monitor entries by reason, time.

Both boot the guest the same way (image, modules, memory size, console input), so any
difference between two runs is the monitor's doing.

Each is run TIMED_RUNS times and its time is the best of them: the first run of a configuration
translates its code (a region's compiled code is shared by later runs of the same code), so a
single run would charge the bare machine, which runs first, for translating what the monitor's
runs then reuse, and an emulating strategy could look faster than bare. The runs are
deterministic: every other result is the same each time.
"""
from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

from ...machine import EXIT_LIMIT, ConsoleInput, ConsoleOutput, Machine
from ...machine.boot import boot
from ...monitor.config import CONFIGURATIONS, GuestConfig
from ...monitor.monitor import Monitor


@dataclass
class Guest:
    """What every run is given."""
    image: str
    modules: list[str]
    mem: int
    input: bytes
    max_instructions: int
    para_image: str | None = None       # what runs under para (a kernel built for it), if not image

    def image_for(self, strategy: str | None) -> str:
        return self.para_image if strategy == "para" and self.para_image else self.image


@dataclass
class Run:
    """One run of the guest: bare (strategy None) or under the monitor."""
    name: str
    output: bytes = b""
    status: int = 0
    how: str = ""                       # how it ended: halt, power_off, crash, limit
    instructions: int = 0
    seconds: float = 0.0
    entries: dict[str, int] = field(default_factory=dict)   # monitor entries by reason
    emulated: int = 0
    other_image: bool = False           # ran another build of the kernel (para): its instructions differ

    def same_as(self, bare: Run) -> bool:
        if self.other_image:
            return (self.output, self.status) == (bare.output, bare.status)
        return (self.output, self.status, self.instructions) == (bare.output, bare.status, bare.instructions)


def load_guest(image: str, modules, mem: int, input_path: str | None, max_instructions: int,
               para_image: str | None = None) -> Guest:
    """The guest as the command line describes it (the console input read once, for every run)."""
    data = b""
    if input_path is not None:
        with open(input_path, "rb") as f:
            data = f.read()
    return Guest(image, list(modules), mem, data, max_instructions, para_image)


def boot_bare(guest: Guest, out: io.BytesIO) -> Machine:
    machine = Machine(guest.mem, console_in=ConsoleInput.from_bytes(guest.input),
                      console_out=ConsoleOutput(out))
    boot(machine, guest.image, guest.modules)
    return machine


def boot_monitor(guest: Guest, configuration: str, out: io.BytesIO) -> Monitor:
    """The guest under one of CONFIGURATIONS: a strategy (trap, bt, hw, para, vt), or one with the
    other paging (hw+nested, vt+shadow)."""
    strategy, paging = CONFIGURATIONS[configuration]
    config = GuestConfig(guest.image_for(strategy), list(guest.modules), guest.mem, None, guest.max_instructions)
    monitor = Monitor([config], [(ConsoleInput.from_bytes(guest.input), ConsoleOutput(out))],
                      strategy=strategy, paging=paging)
    monitor.boot()
    return monitor


TIMED_RUNS = 2


def run_bare(guest: Guest) -> Run:
    return min((_run_bare(guest) for _ in range(TIMED_RUNS)), key=lambda run: run.seconds)


def run_strategy(guest: Guest, configuration: str) -> Run:
    return min((_run_strategy(guest, configuration) for _ in range(TIMED_RUNS)), key=lambda run: run.seconds)


def _run_bare(guest: Guest) -> Run:
    out = io.BytesIO()
    machine = boot_bare(guest, out)
    started = time.perf_counter()
    stop = machine.run(guest.max_instructions)
    seconds = time.perf_counter() - started
    return Run("bare", out.getvalue(), stop.exit_status if stop.kind != "limit" else EXIT_LIMIT, stop.kind,
               machine.count, seconds)


def _run_strategy(guest: Guest, configuration: str) -> Run:
    out = io.BytesIO()
    monitor = boot_monitor(guest, configuration, out)
    strategy = CONFIGURATIONS[configuration][0]
    started = time.perf_counter()
    stop = monitor.run()[0]
    seconds = time.perf_counter() - started
    s = monitor.guests[0].stats
    entries = s.entries_by_reason()      # the dict toyvm run --json gives too (docs/stats.md)
    return Run(configuration, out.getvalue(), stop.exit_status, stop.kind, sum(s.instructions), seconds,
               entries, s.emulated, guest.image_for(strategy) != guest.image)
