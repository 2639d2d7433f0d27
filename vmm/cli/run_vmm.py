"""``toyvm run --vmm``: the monitor's part of the command line.

    toyvm run --vmm IMAGE [--module M ...] [--mem 2M] [--input F]       one guest
    toyvm run --vmm --guest "IMAGE --module M --mem 2M --input F" ...   several (--guest repeats)
    toyvm run --vmm vms.toml                                            guests described in a file
    --guest-output DIR    each guest's console output in DIR/NAME.out (NAME: the guest's --name, else
                          its image's file name without extension; guests that would share a file
                          get NAME-K.out, K the guest's number)
    --results FILE        how each guest ended (name, image, how, status, instructions, statistics) as JSON
    --stats               the trap panel, per guest (stderr)
    --strategy S          trap (default), bt, hw or para: how rdpsw/wrpsw are handled (monitor/strategies/),
                          or FILE.py:CLASS, a strategy of one's own (strategies/plugin.py, docs/api.md)
    --dump-maps           each guest's machine map and shadow maps at the end (stderr)

With one guest and no --guest-output its console is the terminal, byte for byte as on the bare
machine, and its input is --input or standard input. With several, output lines are prefixed
with the guest's name (a line longer than MAX_LINE = 4096 bytes goes out in pieces of 4096, each
a prefixed line of its own); a guest's input is the --input of its own --guest string or table
(none: no input).

vms.toml: an array of tables ``[[guest]]`` with ``image``, and optionally ``name``, ``modules`` (a list),
``mem`` ("2M" or a number of bytes), ``input``, ``max_instructions``; paths are relative to the
file. A top-level ``slice`` sets the time slice (instructions), ``strategy`` the --strategy.
``--max-instructions`` applies to every guest that does not set its own. Every key and value is
checked (an unknown key, a value of the wrong type or out of range is a usage error naming the
file, the guest and the key).

Exit status: with one guest, exactly the bare machine's (its POWER_OFF value, 0 after halt, 124
past --max-instructions, 125 when it crashed). With several: 0 when every guest halted cleanly
(``halt``, or POWER_OFF with 0); otherwise bit k-1 is set for each guest k (k <= 7) that did not,
and bit 7 when any guest after the seventh did not. The mask is a summary: a line per guest on
stderr says how it ended with its own status, and --results writes them all as JSON. Also 1 when an image does not load, 2 for
bad options, 70 on an internal error, and as on the bare machine (vmm/cli/run_bare.py): 130 after Ctrl-C
(every guest's state -- a crash report of the ones still running, how the others ended -- and
the --stats panel are printed first), 141 when the reader of the console output went away (the
whole run ends, quietly), 74 when a console output failed otherwise.
"""
from __future__ import annotations

import os
import shlex
from pathlib import Path

import click

from isa.machine import DEFAULT_RAM_SIZE, PAGE_SIZE

from ..machine import EXIT_LOAD_ERROR, ConsoleInput, ConsoleOutput, LoadError, Stop
from ..machine.devices import ConsoleClosed
from ..monitor.config import PAGING, GuestConfig
from ..monitor.scheduler import DEFAULT_SLICE
from .host import (EXIT_INTERNAL, EXIT_INTERRUPTED, SizeType, console_input, ctrl_c_interrupts, output_failed,
                   stdout_bytes)


def vmm_options(command):
    """The monitor's options of ``toyvm run``."""
    for option in reversed([
        click.option("--vmm", is_flag=True,
                     help="Run under the virtual machine monitor: PROGRAM (with --module/--mem/--input) "
                          "is the guest, or a vms.toml file describing the guests."),
        click.option("--guest", "guests", multiple=True, metavar='"IMAGE [OPTIONS]"',
                     help="Add a guest (implies --vmm, repeatable): an image and its own --module, "
                          "--mem, --input, --max-instructions."),
        click.option("--guest-output", type=click.Path(file_okay=False),
                     help="Write each guest's console output to DIR/NAME.out (its --name, else its image's "
                          "name; NAME-K.out for guests that would share a file)."),
        click.option("--results", "results_path", type=click.Path(dir_okay=False),
                     help="Write how each guest ended (name, image, how, status, instructions, statistics) "
                          "to this file as JSON."),
        click.option("--slice", "slice_instructions", type=click.IntRange(min=1),
                     help=f"Time slice per guest, in instructions (default {DEFAULT_SLICE})."),
        click.option("--strategy", type=StrategyType(),
                     help="How the monitor handles the sensitive-unprivileged rdpsw/wrpsw: trap (pure "
                          "trap-and-emulate, the default: they misbehave), bt (binary translation), hw "
                          "(hardware assist), para (paravirtual guests' hypercalls), vt (the hardware "
                          "guest mode); or FILE.py:CLASS, a strategy class of one's own (docs/api.md)."),
        click.option("--paging", type=click.Choice(PAGING),
                     help="How guest page maps reach the processor: shadow maps built by the monitor (the "
                          "default, and vt's --paging shadow) or nested paging, the machine map walked "
                          "by the processor (vt's default; docs/hardware-assist.md)."),
        click.option("--dump-maps", is_flag=True,
                     help="Print each guest's machine map and shadow maps at the end (stderr)."),
    ]):
        command = option(command)
    return command


def strategy_names() -> tuple[str, ...]:
    """The monitor's strategies by name: imported only when a command needs them (they bring the
    whole monitor, which a bare run never loads)."""
    from ..monitor.strategies import STRATEGY_NAMES
    return STRATEGY_NAMES


class StrategyType(click.ParamType):
    """A strategy's name, or FILE.py:CLASS loaded from the user's file (a usage error says why
    it does not load)."""
    name = "strategy"

    def get_metavar(self, param, ctx=None):      # (click 8.2 added ctx)
        return "[" + "|".join(strategy_names()) + "|FILE.py:CLASS]"

    def convert(self, value, param, ctx):
        if not isinstance(value, str) or value in strategy_names():
            return value
        from ..monitor.strategies.plugin import load_strategy
        try:
            return load_strategy(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


def wants_monitor(options: dict) -> bool:
    return bool(options["vmm"] or options["guests"] or options["strategy"] or options.get("paging"))


def run_monitor(program: str | None, *, modules, mem, input_path, max_instructions, repeat_limit, stats,
                bare_options: dict, vmm, guests, guest_output, results_path, slice_instructions, strategy,
                dump_maps, observe=None, gdb=None, paging=None) -> int:
    """``toyvm run --vmm ...`` from its parsed options; the exit status. ``observe``: what to
    watch of the run (vmm/cli/trace_options.py: the trace, timeline, maps, statistics)."""
    for name, value in bare_options.items():
        if value:
            raise click.UsageError(f"--{name.replace('_', '-')} cannot be used with --vmm")
    configs: list[GuestConfig] = []
    if program is not None and program.endswith(".toml"):
        configs, settings = read_vms_toml(program)
        slice_instructions = slice_instructions or settings.get("slice")
        strategy = strategy or settings.get("strategy")
        paging = paging or settings.get("paging")
    elif program is not None:
        configs.append(GuestConfig(program, list(modules), mem, input_path, max_instructions))
    elif modules:
        raise click.UsageError("--module needs a guest image (PROGRAM)")
    configs += [parse_guest(spec) for spec in guests]
    for config in configs:          # --max-instructions: for every guest that names no limit
        if config.max_instructions is None:
            config.max_instructions = max_instructions
        config.repeat_limit = repeat_limit
    if not configs:
        raise click.UsageError("--vmm needs a guest: PROGRAM, --guest or a vms.toml file")
    names = [config.name or f"guest{i + 1}" for i, config in enumerate(configs)]
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise click.UsageError(f"two guests are named {duplicate!r}: each --name must be different")
    consoles, closers = guest_consoles(configs, guest_output, stdin_allowed=program is not None
                                       and not program.endswith(".toml") and not guests)
    outputs = [out for _, out in consoles]
    from ..monitor import Monitor  # the whole monitor, only when it runs

    if paging is not None:          # a strategy that cannot page that way is a usage error
        from ..monitor.nested import with_paging
        from ..monitor.strategies.plugin import load_strategy
        try:
            with_paging(load_strategy(strategy or "trap"), paging)
        except ValueError as e:
            raise click.UsageError(str(e)) from None
    try:
        monitor = Monitor(configs, consoles, slice_instructions=slice_instructions or DEFAULT_SLICE,
                          strategy=strategy or "trap", paging=paging)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--mem") from None
    try:
        monitor.boot()
    except LoadError as e:
        click.echo(f"toyvm: error: {e}", err=True)
        return EXIT_LOAD_ERROR
    watch = None
    if gdb is not None:
        if observe is not None and observe.watching:
            raise click.UsageError("--gdb cannot be used with --trace/--timeline")
        from .gdb import attach_to_monitor
        attach_to_monitor(monitor, gdb)
    if observe is not None and observe.watching:
        from ..trace.monitor_run import Watch      # only when the run is watched
        watch = Watch(monitor, observe)
    try:
        with ctrl_c_interrupts(monitor.machine):
            try:
                stops = monitor.run()
            finally:
                if watch is not None:
                    watch.finish()
    except KeyboardInterrupt:    # a second Ctrl-C: the state is as far as the last region got
        monitor.machine.request_interrupt()
    except ConsoleClosed as e:
        _close(closers, outputs)
        _epilogue(monitor, stats, dump_maps, watch)
        return output_failed(e.error)
    except Exception as e:   # a monitor bug outside any guest: still a message, not a traceback
        _close(closers, outputs)
        click.echo(f"toyvm: internal error of the monitor: {type(e).__name__}: {e}", err=True)
        return EXIT_INTERNAL
    _close(closers, outputs)
    if monitor.machine.interrupt_requested:
        report_interrupted(monitor)
        _epilogue(monitor, stats, dump_maps, watch)
        return EXIT_INTERRUPTED
    _epilogue(monitor, stats, dump_maps, watch)
    status = report_ends(monitor, stops)
    if gdb is not None:
        from .gdb import tell_end
        tell_end(monitor.machine, status)
    if results_path is not None:
        write_results(results_path, monitor, stops, status, guest_output)
    failed = next((out.error for out in outputs if out.error is not None), None)
    # the output went away after the last write (seen at a flush): the run is over, its output lost
    return status if failed is None else output_failed(failed)


def _close(closers, outputs) -> None:
    """Flush and close the consoles, once; a failure is remembered as the console's ``error``."""
    while closers:
        close = closers.pop(0)
        try:
            close()
        except OSError as e:
            for out in outputs:
                if out.error is None:
                    out.error = e
                    break


def _epilogue(monitor, stats: bool, dump_maps: bool, watch=None) -> None:
    if watch is not None:       # statistics as JSON or to a file, maps as text or drawn
        return watch.epilogue()
    if stats:
        click.echo(monitor.panel(), err=True, nl=False)
    if dump_maps:
        from ..monitor.dump import maps_report
        click.echo(maps_report(monitor), err=True, nl=False)


def _how(stop: Stop) -> str:
    from ..session.result import how
    return how(stop.kind, stop.exit_status)


def report_interrupted(monitor) -> None:
    """Ctrl-C: the state of every guest still running (as a crash report), how the others ended."""
    for guest in monitor.guests:
        if guest.exit is not None:
            if guest.exit.message:
                click.echo(guest.exit.message, err=True)
            click.echo(f"toyvm: {guest.name} ({guest.config.image}): {_how(guest.exit)} before the interrupt",
                       err=True)
            continue
        try:
            guest.vcpu.account()
            text = guest.report("interrupted")
        except Exception as e:   # caught in the middle of a change of state: say so, no traceback
            text = f"toyvm: {guest.name}: interrupted (its state cannot be shown: {type(e).__name__}: {e})"
        click.echo(text, err=True)


def report_ends(monitor, stops: list[Stop]) -> int:
    """Print how each guest ended; the exit status (module doc)."""
    for guest, stop in zip(monitor.guests, stops):
        if stop.message:
            click.echo(stop.message, err=True)
    if len(stops) == 1:
        return stops[0].exit_status
    status = 0
    for i, (guest, stop) in enumerate(zip(monitor.guests, stops)):
        clean = stop.kind in ("halt", "power_off") and stop.exit_status == 0
        click.echo(f"toyvm: {guest.config.name or guest.name} ({guest.config.image}): {_how(stop)}", err=True)
        if not clean:
            status |= 1 << min(i, 7)
    return status


def write_results(path: str, monitor, stops: list[Stop], status: int, output_dir: str | None) -> None:
    """--results: the run's exit status and, per guest, how it ended (vmm/session/result.py's
    GuestResult without the output, which is on the console or in its --guest-output file)."""
    from ..session.result import GuestResult
    from ..session.stats import guest_stats

    files = output_names([guest.config for guest in monitor.guests])
    guests = []
    for guest, stop, file in zip(monitor.guests, stops, files):
        result = GuestResult(guest.config.name or guest.name, Path(guest.config.image).stem, b"", stop.kind,
                             stop.exit_status, stop.message, guest.vcpu.count, guest_stats(guest))
        entry = result.to_dict(output=False)
        entry["image_file"] = guest.config.image
        if output_dir is not None:
            entry["output_file"] = os.path.join(output_dir, file)
        guests.append(entry)
    import json     # here, not at the top: a run without --results does not pay for the import
    try:
        with open(path, "w") as f:
            json.dump({"status": status, "strategy": monitor.strategy.name, "guests": guests}, f, indent=2)
            f.write("\n")
    except OSError as e:
        raise click.BadParameter(f"{path}: {e.strerror}", param_hint="--results") from None


def output_names(configs: list[GuestConfig]) -> list[str]:
    """Each guest's --guest-output file: NAME.out, NAME its --name or its image's name without
    extension; guests that would share a name get NAME-K.out (K: the guest's number)."""
    names = [config.name or Path(config.image).stem or f"guest{i + 1}" for i, config in enumerate(configs)]
    return [f"{name}-{i + 1}.out" if names.count(name) > 1 else f"{name}.out" for i, name in enumerate(names)]


def parse_guest(spec: str) -> GuestConfig:
    """``--guest "IMAGE --module M --mem 2M --input F --max-instructions N --name NAME"``."""
    @click.command(add_help_option=False)
    @click.argument("image", type=click.Path(dir_okay=False))
    @click.option("--module", "modules", multiple=True, type=click.Path(dir_okay=False))
    @click.option("--mem", type=SizeType(), default=DEFAULT_RAM_SIZE)
    @click.option("--input", "input_path", type=click.Path(dir_okay=False))
    @click.option("--max-instructions", type=click.IntRange(min=0))
    @click.option("--name")
    def guest(image, modules, mem, input_path, max_instructions, name):
        if name is not None:
            why = _bad_name(name)
            if why:
                raise click.BadParameter(f"--name {why}")
        return GuestConfig(image, list(modules), mem, input_path, max_instructions, name=name)

    try:
        args = shlex.split(spec)
        with guest.make_context("--guest", args) as ctx:
            return guest.invoke(ctx)
    except (click.UsageError, click.BadParameter, ValueError) as e:
        raise click.BadParameter(f"{spec!r}: {e}", param_hint="--guest") from None


TOP_KEYS = ("guest", "slice", "strategy", "paging")
GUEST_KEYS = ("image", "name", "modules", "mem", "input", "max_instructions")
MAX_MEM = 0xF0000000            # RAM ends below the device page (SPEC)


def read_vms_toml(path: str) -> tuple[list[GuestConfig], dict]:
    """The guests and the settings (``slice``, ``strategy``, ``paging``) of a vms.toml file. Every key and
    every value is checked: a mistake is a usage error (exit 2) naming the file, the guest and
    the key."""
    try:            # imported here: only a run of a vms.toml file pays for it
        import tomllib
    except ModuleNotFoundError:   # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except OSError as e:
        raise click.BadParameter(f"{path}: {e.strerror}", param_hint="PROGRAM") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError) as e:
        raise click.BadParameter(f"{path}: {e}", param_hint="PROGRAM") from None

    def fail(where: str, why: str):
        raise click.BadParameter(f"{where}: {why}", param_hint="PROGRAM")

    for key in table:
        if key not in TOP_KEYS:
            fail(path, f"unknown key {key!r} (a vms.toml has {', '.join(TOP_KEYS)})")
    settings = {}
    if "slice" in table:
        settings["slice"] = _count(table["slice"], 1, lambda why: fail(path, f"slice {why}"))
    if "strategy" in table:
        if table["strategy"] not in strategy_names():
            fail(path, f"strategy must be one of {', '.join(strategy_names())}, not {_show(table['strategy'])}")
        settings["strategy"] = table["strategy"]
    if "paging" in table:
        if table["paging"] not in PAGING:
            fail(path, f"paging must be one of {', '.join(PAGING)}, not {_show(table['paging'])}")
        settings["paging"] = table["paging"]
    entries = table.get("guest")
    if entries is None:
        fail(path, "no [[guest]] table")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        fail(path, "guest must be an array of tables: [[guest]] then image = \"FILE\" ...")
    if not entries:
        fail(path, "no [[guest]] table")
    base = Path(path).parent
    configs = []
    for i, entry in enumerate(entries):
        where = f"{path}: guest {i + 1}"
        for key in entry:
            if key not in GUEST_KEYS:
                fail(where, f"unknown key {key!r} (a [[guest]] has {', '.join(GUEST_KEYS)})")
        if "image" not in entry:
            fail(where, "needs image = \"FILE\"")
        image = _file(entry["image"], lambda why: fail(where, f"image {why}"))
        modules = entry.get("modules", [])
        if not isinstance(modules, list):
            fail(where, f"modules must be a list of files, not {_show(modules)}")
        modules = [_file(m, lambda why, j=j: fail(where, f"modules[{j}] {why}")) for j, m in enumerate(modules)]
        mem = _mem(entry.get("mem", DEFAULT_RAM_SIZE), lambda why: fail(where, f"mem {why}"))
        input_path = None
        if "input" in entry:
            input_path = str(base / _file(entry["input"], lambda why: fail(where, f"input {why}")))
        limit = None
        if "max_instructions" in entry:
            limit = _count(entry["max_instructions"], 0, lambda why: fail(where, f"max_instructions {why}"))
        name = None
        if "name" in entry:
            name = entry["name"]
            why = _bad_name(name)
            if why:
                fail(where, f"name {why}")
        configs.append(GuestConfig(str(base / image), [str(base / m) for m in modules], mem, input_path, limit,
                                   name=name))
    return configs, settings


def _show(value) -> str:
    """A TOML value as the file spells it (true, "x", [1, 2]), for messages."""
    import json
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _count(value, least: int, fail) -> int:
    """A whole number >= least (not a bool, a float or a string)."""
    if isinstance(value, bool) or not isinstance(value, int):
        fail(f"must be a whole number, not {_show(value)}")
    if value < least:
        fail(f"must be at least {least}, not {value}")
    return value


def _bad_name(value) -> str | None:
    """Why ``value`` cannot name a guest (it names its --guest-output file), or None."""
    if not isinstance(value, str):
        return f"must be a name in quotes, not {_show(value)}"
    if not value or value in (".", "..") or any(c in value for c in "/\\\0") or not value.isprintable():
        return f"must be a name without /, \\ or control characters, not {_show(value)}"
    return None


def _file(value, fail) -> str:
    """A file name: a non-empty string without NUL."""
    if not isinstance(value, str):
        fail(f"must be a file name in quotes, not {_show(value)}")
    if not value or "\0" in value:
        fail(f"must be a file name, not {_show(value)}")
    return value


def _mem(value, fail) -> int:
    """A RAM size: a number of bytes or a string like "2M"; a positive multiple of the page size."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        fail(f"must be a size (\"2M\" or a number of bytes), not {_show(value)}")
    try:
        size = SizeType().convert(value, None, None)
    except click.BadParameter:
        fail(f"must be a size (\"2M\" or a number of bytes), not {_show(value)}")
    if size <= 0 or size % PAGE_SIZE or size > MAX_MEM:
        fail(f"must be a positive multiple of {PAGE_SIZE} up to {MAX_MEM:#x}, not {_show(value)}")
    return size


MAX_LINE = 4096                 # bytes of one prefixed line (a longer line is split)


class PrefixedLines:
    """A guest's console on a shared terminal: whole lines, each prefixed with the guest's name.

    A line longer than MAX_LINE bytes is split: every MAX_LINE bytes without a newline go out as
    a line of their own (with the prefix and a newline added), so what is held back for one guest
    is bounded and the work is linear in the output, however long the guest's lines."""

    def __init__(self, name: str, stream):
        self.prefix = f"{name}| ".encode()
        self.stream = stream
        self.partial = bytearray()

    def write(self, data: bytes) -> None:
        partial = self.partial
        partial += data
        if len(partial) <= MAX_LINE and b"\n" not in data:
            return              # the usual case, a byte at a time: nothing to cut yet
        lines, start, end = [], 0, len(partial)
        while start < end:
            newline = partial.find(b"\n", start, start + MAX_LINE + 1)
            if newline >= 0:
                lines.append(self.prefix + partial[start:newline + 1])
                start = newline + 1
            elif end - start > MAX_LINE:
                lines.append(self.prefix + partial[start:start + MAX_LINE] + b"\n")
                start += MAX_LINE
            else:
                break
        del partial[:start]
        self.stream.write(b"".join(lines))

    def isatty(self) -> bool:
        return self.stream.isatty()

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        if self.partial:
            self.write(b"\n")
        self.flush()


def guest_consoles(configs: list[GuestConfig], output_dir: str | None, stdin_allowed: bool):
    """Each guest's (input, output), and what to close at the end."""
    consoles, closers = [], []
    files = output_names(configs)
    try:
        if output_dir is not None:
            os.makedirs(output_dir, exist_ok=True)
    except OSError as e:
        raise click.BadParameter(f"{output_dir}: {e.strerror}", param_hint="--guest-output") from None
    for i, config in enumerate(configs):
        if config.input is not None or stdin_allowed:
            cin = console_input(config.input)
        else:
            cin = ConsoleInput(None)
        if output_dir is not None:
            name = os.path.join(output_dir, files[i])
            try:
                stream = open(name, "wb")
            except OSError as e:
                raise click.BadParameter(f"{name}: {e.strerror}", param_hint="--guest-output") from None
            closers.append(stream.close)
        elif len(configs) == 1:
            stream = stdout_bytes()
        else:
            stream = PrefixedLines(config.name or f"guest{i + 1}", stdout_bytes())
            closers.append(stream.close)
        out = ConsoleOutput(stream)
        closers.insert(0, out.flush)
        consoles.append((cin, out))
    return consoles, closers
