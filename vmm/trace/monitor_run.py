"""``toyvm run --vmm`` with the run watched: the trace (instructions through the machine's
tracer, events through vmm/monitor/events.py), the timeline, the maps at given counts of each
guest and at the end, and the statistics as JSON or to a file. Nothing here changes a guest:
the tests check that its output and counts are the same watched or not."""
from __future__ import annotations

import json
import sys

import click

from ..cli.host import ClosedStream
from ..cli.trace_options import Observe, open_output, write_stats
from ..monitor.dump import dump_guest, guest_maps, maps_dot, maps_json
from ..monitor.events import Observers, attach
from ..monitor.stats import stats_dict
from .monitor_trace import EventTrace, GuestInstructions, Stream
from .symbols import Symbols
from .timeline import Timeline
from .window import UnknownSymbol, Window


class Watch:
    def __init__(self, monitor, observe: Observe):
        self.monitor = monitor
        self.observe = observe
        self.stderr = sys.stderr or ClosedStream("standard error")
        self.trace_out = self.timeline_out = None
        self.timeline = None
        names = [guest.name for guest in monitor.guests]
        unknown = [name for name in observe.trace_guests if name not in names]
        if unknown:
            raise click.BadParameter(f"no guest named {unknown[0]!r} (the guests: {', '.join(names)})",
                                     param_hint="--trace-guest")
        observers = []
        if observe.trace:
            streams = self._streams(observe.trace_guests or names)
            self.trace_out = open_output(observe.trace_file, "--trace-file", self.stderr)
            symbol_window = any(isinstance(w, str) for w in (observe.trace_from, observe.trace_until))
            if observe.instructions or symbol_window:    # (a symbol is reached at an instruction)
                monitor.machine.tracer = GuestInstructions(self.trace_out, monitor, streams, observe.instructions)
            if observe.events:
                observers.append(EventTrace(self.trace_out, streams))
        if observe.timeline:
            self.timeline_out = open_output(observe.timeline, "--timeline", None)
            self.timeline = Timeline(self.timeline_out, monitor, title=" ".join(sys.argv[1:])[:200])
            observers.append(self.timeline)
        if observers:
            attach(monitor, observers[0] if len(observers) == 1 else Observers(*observers))
        if observe.dump_maps_at:
            monitor.scheduler.pause = DumpPoints(observe.dump_maps_at, self.dump)

    def _streams(self, names) -> dict:
        streams = {}
        windowed = self.observe.trace_from is not None or self.observe.trace_until is not None
        for guest in self.monitor.guests:
            if guest.name not in names:
                continue
            symbols = Symbols.from_elf(guest.config.image)
            try:
                window = Window(self.observe.trace_from, self.observe.trace_until, symbols) if windowed else None
            except UnknownSymbol as e:
                raise click.BadParameter(f"{guest.name}: {e}", param_hint="--trace-from/--trace-until") from None
            streams[guest.name] = Stream(symbols, window)
        return streams

    def dump(self, guest, moment: str = "") -> None:
        if self.observe.maps_format == "dot":
            text = maps_dot(guest_maps(guest))
        elif self.observe.maps_format == "json":
            text = maps_json(guest_maps(guest))
        else:
            text = dump_guest(guest, moment)
        click.echo(text, err=True, nl=False)

    def finish(self) -> None:
        """The run is over (or stopped): close the timeline and the trace file."""
        if self.timeline is not None:
            self.timeline.finish()
            self.timeline_out.close()
            self.timeline = None
        if self.observe.trace_file and self.trace_out is not None:
            self.trace_out.close()
            self.trace_out = None
        attach(self.monitor, None)
        self.monitor.machine.tracer = None

    def epilogue(self) -> None:
        """The statistics and the maps at the end, as asked."""
        observe, monitor = self.observe, self.monitor
        if observe.stats:
            if observe.stats_format == "json":
                text = json.dumps(stats_dict(monitor), indent=2) + "\n"
            else:
                text = monitor.panel()
            write_stats(observe, text, self.stderr)
        if observe.dump_maps:
            for guest in monitor.guests:
                self.dump(guest)


class DumpPoints:
    """The scheduler's pause (vmm/monitor/scheduler.py): the maps of each guest when its own
    count reaches each of ``counts``."""

    def __init__(self, counts, dump):
        self.counts = sorted(counts)
        self.dump = dump
        self.next: dict[str, int] = {}      # guest name -> index of its next count

    def clip(self, guest, bound: int) -> int:
        i = self.next.get(guest.name, 0)
        if i < len(self.counts):
            return max(1, min(bound, self.counts[i] - guest.vcpu.count))
        return bound

    def reached(self, guest) -> None:
        i, count = self.next.get(guest.name, 0), guest.vcpu.count
        if i < len(self.counts) and self.counts[i] <= count:
            self.dump(guest, f"=== {guest.name} at instruction {count:,}")
        while i < len(self.counts) and self.counts[i] <= count:
            i += 1
        self.next[guest.name] = i
