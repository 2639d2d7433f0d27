"""``toyvm run`` on the bare machine with the run watched: the trace with its filters and
symbols, the statistics as JSON or to a file, the page map at given counts and at the end
(``--dump-maps``), and a timeline of kernel and user mode with each trap
(vmm/trace/timeline.py's ``BareTimeline``). None of it changes
the run: the machine stops at each --dump-maps-at count (``Machine.run(n)`` stops exactly)
and goes on, which the tests check gives the same output and counts."""
from __future__ import annotations

import json
import sys

import click

from ..cli.host import ClosedStream
from ..cli.trace_options import Observe, open_output, write_stats
from ..machine.stats import stats_dict
from ..machine.trace import Tracer
from ..monitor.dump import bare_maps_report
from .symbols import Symbols
from .timeline import BareTimeline
from .window import UnknownSymbol, Window


def run_observed(machine, program: str, image, observe: Observe, max_instructions, run_machine) -> int:
    """Run the loaded machine as ``run_machine`` does, watched as ``observe`` says; the status."""
    stderr = sys.stderr or ClosedStream("standard error")
    symbols = Symbols.from_elf(program)
    if observe.trace_guests:
        raise click.UsageError("--trace-guest needs --vmm (the bare machine has no guests)")
    trace_out = timeline_out = timeline = None
    tracers = []
    if observe.trace:
        try:
            window = (Window(observe.trace_from, observe.trace_until, symbols)
                      if observe.trace_from is not None or observe.trace_until is not None else None)
        except UnknownSymbol as e:
            raise click.BadParameter(str(e), param_hint="--trace-from/--trace-until") from None
        trace_out = open_output(observe.trace_file, "--trace-file", stderr)
        tracers.append(Tracer(trace_out, symbols, window, instructions=observe.instructions,
                              traps=observe.events))
    if observe.timeline:
        timeline_out = open_output(observe.timeline, "--timeline", None)
        timeline = BareTimeline(timeline_out, title=" ".join(sys.argv[1:])[:200])
        tracers.append(timeline)
    if tracers:
        machine.tracer = tracers[0] if len(tracers) == 1 else Tracers(tracers)

    def show_stats(machine, stop):
        if observe.stats_format == "json":
            text = json.dumps(stats_dict(machine, stop), indent=2) + "\n"
        else:
            text = machine.stats.report(machine)
        write_stats(observe, text, stderr)

    def dump(machine) -> None:
        click.echo(bare_maps_report(machine, observe.maps_format), err=True, nl=False)

    def run(machine, limit):
        end = None if limit is None else machine.count + limit
        for at in observe.dump_maps_at:
            if end is not None and at > end:
                break
            if at > machine.count:
                stop = machine.run(at - machine.count)
                if stop.kind != "limit" or machine.count < at:
                    return stop
            dump(machine)
        return machine.run(None if end is None else end - machine.count)

    try:
        status = run_machine(machine, False, None, show_stats if observe.stats else False, max_instructions, run)
    finally:
        if observe.trace_file and trace_out is not None:
            trace_out.close()
        if timeline is not None:
            timeline.finish(machine)
            timeline_out.close()
    if observe.dump_maps:
        dump(machine)
    return status


class Tracers:
    """Two tracers of one run (the trace and the timeline), as the machine's one tracer."""

    def __init__(self, tracers):
        self.tracers = tracers

    def snapshot(self, machine) -> tuple:
        return tuple(t.snapshot(machine) for t in self.tracers)

    def instruction(self, machine, before: tuple, pc: int, word) -> None:
        for tracer, snap in zip(self.tracers, before):
            tracer.instruction(machine, snap, pc, word)

    def trap(self, machine, cause: int, tval: int) -> None:
        for tracer in self.tracers:
            tracer.trap(machine, cause, tval)
