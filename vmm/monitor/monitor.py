"""The monitor: one real TOY32 machine, the host RAM split among guests, a dispatcher for every
trap, and a scheduler giving the processor to each guest in turn."""
from __future__ import annotations

import io

from ..machine import ConsoleInput, ConsoleOutput, Machine, Stop
from .allocator import HostAllocator
from .dispatch import Dispatcher
from .in_line import in_line_emulation
from .config import GuestConfig
from .guest import Guest
from .scheduler import DEFAULT_SLICE, Scheduler
from .nested import with_paging
from .strategies.plugin import load_strategy

DEFAULT_SHADOW_FRAMES = 256       # monitor frames per guest for its shadow maps (1 MiB)


class Monitor:
    def __init__(self, configs: list[GuestConfig], consoles: list[tuple[ConsoleInput, ConsoleOutput]], *,
                 slice_instructions: int = DEFAULT_SLICE, shadow_cache: bool = True,
                 shadow_frames: int = DEFAULT_SHADOW_FRAMES, strategy: str | type = "trap",
                 paging: str | None = None):
        # a name, FILE.py:CLASS or a class (strategies/plugin.py), with its dispatcher and shadows
        self.strategy = with_paging(load_strategy(strategy), paging)   # --paging (nested.py)
        self.allocator = HostAllocator([c.mem for c in configs], shadow_frames)
        self.machine = Machine(self.allocator.size, hw_assist=self.strategy.hw_assist, console_in=ConsoleInput(None),
                               console_out=ConsoleOutput(io.BytesIO()))
        self.dispatcher = getattr(self.strategy, "dispatcher_class", Dispatcher)(self.machine)
        self.machine.monitor = self.dispatcher
        if type(self.dispatcher) is Dispatcher:   # a lab's own dispatcher sees every trap
            self.machine.emulate_in_line(*in_line_emulation(self.dispatcher))
        self.guests = [Guest(i, config, self.machine, self.allocator, cin, cout, shadow_cache,
                             self.strategy)
                       for i, (config, (cin, cout)) in enumerate(zip(configs, consoles))]
        self.scheduler = Scheduler(self.machine, self.dispatcher, self.guests, slice_instructions)

    def boot(self) -> None:
        """Load every guest's image and modules (LoadError when one does not fit)."""
        for guest in self.guests:
            guest.boot()

    def run(self) -> list[Stop]:
        """Run every guest to its end; how each ended."""
        self.scheduler.run()
        return [guest.exit for guest in self.guests]

    def panel(self) -> str:
        return "".join(guest.stats.panel(guest.name) for guest in self.guests)
