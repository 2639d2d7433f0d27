"""``toyvm run --vmm``: the monitor's part of the command line.

    toyvm run --vmm IMAGE [--module M ...] [--mem 2M] [--input F]       one guest
    toyvm run --vmm --guest "IMAGE --module M --mem 2M --input F" ...   several (--guest repeats)
    toyvm run --vmm vms.toml                                            guests described in a file
    --guest-output DIR    each guest's console output in DIR/guest1.out, DIR/guest2.out, ...
    --stats               the trap panel, per guest (stderr)
    --strategy S          trap (default), bt, hw or para: how rdpsw/wrpsw are handled (strategy.py)
    --dump-maps           each guest's machine map and shadow maps at the end (stderr)

With one guest and no --guest-output its console is the terminal, byte for byte as on the bare
machine, and its input is --input or standard input. With several, output lines are prefixed
with the guest's name; a guest's input is the --input of its own --guest string or table (none:
no input).

vms.toml: an array of tables ``[[guest]]`` with ``image``, and optionally ``modules`` (a list),
``mem`` ("2M" or a number of bytes), ``input``, ``max_instructions``; paths are relative to the
file. A top-level ``slice`` sets the time slice (instructions), ``strategy`` the --strategy. ``--max-instructions`` applies to
every guest that does not set its own.

Exit status: with one guest, exactly the bare machine's (its POWER_OFF value, 0 after halt, 124
past --max-instructions, 125 when it crashed). With several: 0 when every guest halted cleanly
(``halt``, or POWER_OFF with 0); otherwise bit k-1 is set for each guest k (k <= 7) that did not,
and bit 7 when any guest after the seventh did not. Also 1 when an image does not load, 2 for
bad options, 70 on an internal error.
"""
from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click

from isa.machine import DEFAULT_RAM_SIZE

from ..machine import EXIT_LOAD_ERROR, ConsoleInput, ConsoleOutput, LoadError, Stop
from .dump import maps_report
from .guest import GuestConfig
from .monitor import Monitor
from .scheduler import DEFAULT_SLICE
from .strategy import STRATEGY_NAMES

try:
    import tomllib
except ModuleNotFoundError:   # Python 3.10
    import tomli as tomllib

EXIT_INTERNAL = 70



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
                     help="Write guest k's console output to DIR/guestk.out."),
        click.option("--slice", "slice_instructions", type=click.IntRange(min=1),
                     help=f"Time slice per guest, in instructions (default {DEFAULT_SLICE})."),
        click.option("--strategy", type=click.Choice(STRATEGY_NAMES),
                     help="How the monitor handles the sensitive-unprivileged rdpsw/wrpsw: trap (pure "
                          "trap-and-emulate, the default: they misbehave), bt (binary translation), hw "
                          "(hardware assist), para (paravirtual guests' hypercalls)."),
        click.option("--dump-maps", is_flag=True,
                     help="Print each guest's machine map and shadow maps at the end (stderr)."),
    ]):
        command = option(command)
    return command


def wants_monitor(options: dict) -> bool:
    return bool(options["vmm"] or options["guests"] or options["strategy"])


def run_monitor(program: str | None, *, modules, mem, input_path, max_instructions, stats,
                bare_options: dict, vmm, guests, guest_output, slice_instructions, strategy, dump_maps) -> int:
    """``toyvm run --vmm ...`` from its parsed options; the exit status."""
    for name, value in bare_options.items():
        if value:
            raise click.UsageError(f"--{name.replace('_', '-')} cannot be used with --vmm")
    configs: list[GuestConfig] = []
    if program is not None and program.endswith(".toml"):
        configs, settings = read_vms_toml(program)
        slice_instructions = slice_instructions or settings.get("slice")
        strategy = strategy or settings.get("strategy")
        if strategy not in (None, *STRATEGY_NAMES):
            raise click.BadParameter(f"{program}: strategy must be one of {', '.join(STRATEGY_NAMES)}",
                                     param_hint="PROGRAM")
    elif program is not None:
        configs.append(GuestConfig(program, list(modules), mem, input_path, max_instructions))
    elif modules:
        raise click.UsageError("--module needs a guest image (PROGRAM)")
    configs += [parse_guest(spec) for spec in guests]
    for config in configs:          # --max-instructions: for every guest that names no limit
        if config.max_instructions is None:
            config.max_instructions = max_instructions
    if not configs:
        raise click.UsageError("--vmm needs a guest: PROGRAM, --guest or a vms.toml file")
    consoles, closers = guest_consoles(configs, guest_output, stdin_allowed=program is not None
                                       and not program.endswith(".toml") and not guests)
    try:
        monitor = Monitor(configs, consoles, slice_instructions=slice_instructions or DEFAULT_SLICE,
                          strategy=strategy or "trap")
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--mem") from None
    try:
        monitor.boot()
    except LoadError as e:
        click.echo(f"toyvm: error: {e}", err=True)
        return EXIT_LOAD_ERROR
    try:
        stops = monitor.run()
    except KeyboardInterrupt:
        click.echo("toyvm: interrupted", err=True)
        return 130
    except Exception as e:   # a monitor bug outside any guest: still a message, not a traceback
        click.echo(f"toyvm: internal error of the monitor: {type(e).__name__}: {e}", err=True)
        return EXIT_INTERNAL
    finally:
        for close in closers:
            close()
    if stats:
        sys.stderr.write(monitor.panel())
    if dump_maps:
        sys.stderr.write(maps_report(monitor))
    return report_ends(monitor, stops)


def report_ends(monitor: Monitor, stops: list[Stop]) -> int:
    """Print how each guest ended; the exit status (module doc)."""
    for guest, stop in zip(monitor.guests, stops):
        if stop.message:
            click.echo(stop.message, err=True)
    if len(stops) == 1:
        return stops[0].exit_status
    status = 0
    for i, (guest, stop) in enumerate(zip(monitor.guests, stops)):
        clean = stop.kind in ("halt", "power_off") and stop.exit_status == 0
        how = {"halt": "halted", "power_off": f"powered off with status {stop.exit_status}",
               "crash": "crashed", "limit": "ran out of instructions"}.get(stop.kind, stop.kind)
        click.echo(f"toyvm: {guest.name} ({guest.config.image}): {how}", err=True)
        if not clean:
            status |= 1 << min(i, 7)
    return status


def parse_guest(spec: str) -> GuestConfig:
    """``--guest "IMAGE --module M --mem 2M --input F --max-instructions N"``."""
    from ..cli import SizeType

    @click.command(add_help_option=False)
    @click.argument("image", type=click.Path(dir_okay=False))
    @click.option("--module", "modules", multiple=True, type=click.Path(dir_okay=False))
    @click.option("--mem", type=SizeType(), default=DEFAULT_RAM_SIZE)
    @click.option("--input", "input_path", type=click.Path(dir_okay=False))
    @click.option("--max-instructions", type=click.IntRange(min=0))
    def guest(image, modules, mem, input_path, max_instructions):
        return GuestConfig(image, list(modules), mem, input_path, max_instructions)

    try:
        args = shlex.split(spec)
        with guest.make_context("--guest", args) as ctx:
            return guest.invoke(ctx)
    except (click.UsageError, click.BadParameter, ValueError) as e:
        raise click.BadParameter(f"{spec!r}: {e}", param_hint="--guest") from None


def read_vms_toml(path: str) -> tuple[list[GuestConfig], dict]:
    from ..cli import SizeType

    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except OSError as e:
        raise click.BadParameter(f"{path}: {e.strerror}", param_hint="PROGRAM") from None
    except tomllib.TOMLDecodeError as e:
        raise click.BadParameter(f"{path}: {e}", param_hint="PROGRAM") from None
    base = Path(path).parent
    configs = []
    for i, entry in enumerate(table.get("guest", [])):
        where = f"{path}: guest {i + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("image"), str):
            raise click.BadParameter(f"{where}: needs image = \"FILE\"", param_hint="PROGRAM")
        unknown = set(entry) - {"image", "modules", "mem", "input", "max_instructions"}
        if unknown:
            raise click.BadParameter(f"{where}: unknown keys {sorted(unknown)}", param_hint="PROGRAM")
        mem = SizeType().convert(entry.get("mem", DEFAULT_RAM_SIZE), None, None)
        modules = entry.get("modules", [])
        if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
            raise click.BadParameter(f"{where}: modules must be a list of files", param_hint="PROGRAM")
        configs.append(GuestConfig(str(base / entry["image"]), [str(base / m) for m in modules], mem,
                                   str(base / entry["input"]) if "input" in entry else None,
                                   entry.get("max_instructions")))
    if not configs:
        raise click.BadParameter(f"{path}: no [[guest]] table", param_hint="PROGRAM")
    return configs, {k: v for k, v in table.items() if k != "guest"}


class PrefixedLines:
    """A guest's console on a shared terminal: whole lines, each prefixed with the guest's name."""

    def __init__(self, name: str, stream):
        self.prefix = f"{name}| ".encode()
        self.stream = stream
        self.partial = bytearray()

    def write(self, data: bytes) -> None:
        self.partial += data
        *lines, self.partial[:] = self.partial.split(b"\n")
        for line in lines:
            self.stream.write(self.prefix + line + b"\n")

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        if self.partial:
            self.write(b"\n")
        self.flush()


def guest_consoles(configs: list[GuestConfig], output_dir: str | None, stdin_allowed: bool):
    """Each guest's (input, output), and what to close at the end."""
    from ..cli import console_input

    consoles, closers = [], []
    if output_dir is not None:
        os.makedirs(output_dir, exist_ok=True)
    for i, config in enumerate(configs):
        if config.input is not None or stdin_allowed:
            cin = console_input(config.input)
        else:
            cin = ConsoleInput(None)
        if output_dir is not None:
            stream = open(os.path.join(output_dir, f"guest{i + 1}.out"), "wb")
            closers.append(stream.close)
        elif len(configs) == 1:
            stream = sys.stdout.buffer
        else:
            stream = PrefixedLines(f"guest{i + 1}", sys.stdout.buffer)
            closers.append(stream.close)
        out = ConsoleOutput(stream)
        closers.insert(0, out.flush)
        consoles.append((cin, out))
    return consoles, closers
