"""The ``toyvm`` command line.

Exit status of ``toyvm run``: the value written to POWER_OFF (low 8 bits), 0 after ``halt``,
the program's own status with ``--syscalls linux`` (128 + signal when a fault kills it),
124 when --max-instructions ran out, 125 when the bare machine crashed (a trap loop),
1 when the executable does not load, 2 for bad options, 70 on an internal error of toyvm,
130 after Ctrl-C (the machine's state and the --stats panel are printed first), 141 when the
reader of the console output went away (``toyvm run ... | head``: the run ends at once and
quietly, as a Unix tool killed by SIGPIPE; only the --stats panel is still printed if asked
for), 74 when the console output failed otherwise (e.g. a full disk; a message says why).
Under ``--vmm`` see vmm/monitor/cli_options.py (one guest: as on the bare machine; several: which
guests did not halt cleanly, as a bit mask).
"""
from __future__ import annotations

import errno
import json
import os
import stat
import sys

import click

from isa.machine import DEFAULT_RAM_SIZE, REGISTERS

from .machine import (EXIT_LIMIT, EXIT_LOAD_ERROR, ConsoleInput, ConsoleOutput, Image, LinuxSyscalls,
                      LoadError, Machine, Tracer, crash_report, load_executable)
from .machine.boot import load_modules
from .machine.devices import ConsoleClosed
from .monitor.cli_options import run_monitor, vmm_options, wants_monitor
from .compare import DEFAULT_SEARCH
from .monitor.strategy import STRATEGY_NAMES

EXIT_INTERNAL = 70
EXIT_OUTPUT_ERROR = 74      # EX_IOERR of sysexits.h
EXIT_INTERRUPTED = 130      # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
EXIT_BROKEN_PIPE = 141      # 128 + SIGPIPE, as a shell reports `yes | head`
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


class SizeType(click.ParamType):
    """A byte count: 16M, 512K, 65536 or 0x10000."""
    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B").removesuffix("I")
        unit = text[-1:] if text[-1:] in _UNITS else ""
        try:
            return int(text[: len(text) - len(unit)], 0) * _UNITS[unit]
        except ValueError:
            self.fail(f"{value!r} is not a size (e.g. 16M, 512K, 65536)", param, ctx)


class AddressType(click.ParamType):
    name = "address"

    def convert(self, value, param, ctx):
        try:
            return int(str(value), 0) & 0xFFFFFFFF
        except ValueError:
            self.fail(f"{value!r} is not an address (e.g. 0x10000)", param, ctx)


def output_failed(error: OSError, what: str = "console output") -> int:
    """The console output failed (ConsoleOutput raised ConsoleClosed or remembered an error); the
    exit status. A closed pipe ends the command quietly: standard output is pointed at /dev/null
    so that the interpreter's last flush of what is still buffered for the closed pipe does not
    fail at exit (Python's documented way, docs.python.org/3/library/signal.html, "Note on
    SIGPIPE"; the one change to the process this makes, right before it exits). Any other error
    is reported."""
    if isinstance(error, BrokenPipeError):
        _stdout_to_devnull()
        return EXIT_BROKEN_PIPE
    try:
        click.echo(f"toyvm: error: {what}: {error.strerror or error}", err=True)
    except OSError:
        pass
    return EXIT_OUTPUT_ERROR


def _stdout_to_devnull(*streams) -> None:
    for stream in streams or (sys.stdout,):
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):   # not a real file (e.g. click's test runner)
            continue
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)


class Toyvm(click.Group):
    """The command group, ending two host events the same way in every command: a pipe that
    closes under a message (stdout or stderr: exit 141, quietly) and Ctrl-C outside a run (exit
    130 with ``toyvm: interrupted``; within a run, ``toyvm run`` reports the state first)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _stdout_to_devnull(sys.stdout, sys.stderr)
            ctx.exit(EXIT_BROKEN_PIPE)
        except KeyboardInterrupt:
            try:
                click.echo("toyvm: interrupted", err=True)
            except OSError:
                pass
            ctx.exit(EXIT_INTERRUPTED)


class ClosedStream:
    """Stands for a standard stream that was closed when toyvm started (Python has None then):
    writing to it fails as writing to a closed descriptor does."""

    def __init__(self, name: str):
        self.name = name

    def write(self, data) -> int:
        raise OSError(errno.EBADF, f"{self.name} is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def stdout_bytes():
    """Standard output, for bytes (the console)."""
    return sys.stdout.buffer if sys.stdout is not None else ClosedStream("standard output")


def console_input(path: str | None) -> ConsoleInput:
    """--input FILE, else standard input when it is a terminal, a pipe or a file."""
    if path is not None:
        try:
            return ConsoleInput(os.open(path, os.O_RDONLY))
        except OSError as e:
            raise click.BadParameter(f"{path}: {e.strerror}", param_hint="--input") from None
        except ValueError as e:     # a NUL in a name from vms.toml
            raise click.BadParameter(f"{path!r}: {e}", param_hint="--input") from None
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return ConsoleInput(None)
    if os.isatty(0):
        return ConsoleInput(0, interactive=True)
    if stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode):
        return ConsoleInput(0)
    return ConsoleInput(None)


def build_machine(mem: int, hw_assist: bool, input_path: str | None) -> Machine:
    try:
        return Machine(mem, hw_assist=hw_assist, console_in=console_input(input_path),
                       console_out=ConsoleOutput(stdout_bytes()))
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--mem")


@click.group(cls=Toyvm)
def main():
    """toyvm: the TOY32 machine."""


@main.command()
@click.argument("program", required=False, type=click.Path(dir_okay=False))
@click.option("--trace", is_flag=True, help="Print one line per instruction and per trap (stderr).")
@click.option("--trace-file", type=click.Path(dir_okay=False, writable=True),
              help="Write the trace to this file instead of stderr (implies --trace).")
@click.option("--stats", is_flag=True, help="Print run statistics on stderr at the end.")
@click.option("--max-instructions", type=click.IntRange(min=0),
              help="Stop (exit status 124) after this many instructions.")
@click.option("--input", "input_path", type=click.Path(dir_okay=False),
              help="Console input from this file (default: standard input).")
@click.option("--syscalls", type=click.Choice(["linux"]),
              help="Run a user-mode program with Linux system calls served by the host.")
@click.option("--mem", type=SizeType(), default=DEFAULT_RAM_SIZE, show_default="16M", help="RAM size.")
@click.option("--base", type=AddressType(), help="Load a flat binary at this physical address.")
@click.option("--hw-assist", is_flag=True, help="rdpsw/wrpsw raise VIRTUALIZATION_TRAP in user mode.")
@click.option("--module", "modules", multiple=True, type=click.Path(dir_okay=False),
              help="Give the kernel this ELF program (repeatable): placed in RAM after the kernel, "
                   "listed in the boot-info table whose address is in a0 (docs/boot.md).")
@vmm_options
def run(program, trace, trace_file, stats, max_instructions, input_path, syscalls, mem, base, hw_assist,
        modules, **vmm):
    """Run PROGRAM (ELF, or a flat binary with --base) on a fresh TOY32 machine, or with --vmm
    as a guest of the virtual machine monitor (docs/vmm.md)."""
    if wants_monitor(vmm):
        bare_options = dict(trace=trace, trace_file=trace_file, syscalls=syscalls, base=base, hw_assist=hw_assist)
        sys.exit(run_monitor(program, modules=modules, mem=mem, input_path=input_path,
                             max_instructions=max_instructions, stats=stats, bare_options=bare_options, **vmm))
    if program is None:
        raise click.UsageError("Missing argument 'PROGRAM'.")
    machine = build_machine(mem, hw_assist, input_path)
    image = load_program(machine, program, base, syscalls)
    if modules:
        try:
            machine.regs[REGISTERS["a0"]] = load_modules(machine, list(modules), image.end)
        except LoadError as e:
            click.echo(f"toyvm: error: {e}", err=True)
            sys.exit(EXIT_LOAD_ERROR)
    sys.exit(run_machine(machine, trace or trace_file, trace_file, stats, max_instructions))


def load_program(machine: Machine, program: str, base: int | None, syscalls: str | None) -> Image:
    """The load step: the executable into RAM and the machine ready at its entry point (with
    --syscalls linux, as a user process). An executable that does not load ends the command."""
    try:
        image = load_executable(machine, program, base, use_vaddr=syscalls == "linux")
    except LoadError as e:
        click.echo(f"toyvm: error: {e}", err=True)
        sys.exit(EXIT_LOAD_ERROR)
    if syscalls == "linux":
        LinuxSyscalls(machine, image, stderr=sys.stderr.buffer if sys.stderr is not None
                      else ClosedStream("standard error"))
    else:
        machine.pc = image.entry
    return image


def run_machine(machine: Machine, trace: bool, trace_file: str | None, stats: bool,
                max_instructions: int | None) -> int:
    """Run to the end, print the report the end calls for; the exit status."""
    trace_out = None
    if trace:
        try:
            trace_out = open(trace_file, "w") if trace_file else sys.stderr or ClosedStream("standard error")
        except OSError as e:
            raise click.BadParameter(f"{trace_file}: {e.strerror}", param_hint="--trace-file")
        machine.tracer = Tracer(trace_out)
    console = machine.devices.console_out
    try:
        stop = machine.run(max_instructions)
    except KeyboardInterrupt:
        click.echo(crash_report(machine, "interrupted"), err=True)
        if stats:
            click.echo(machine.stats.report(machine), err=True, nl=False)
        return EXIT_INTERRUPTED
    except ConsoleClosed as e:
        if stats:
            click.echo(machine.stats.report(machine), err=True, nl=False)
        return output_failed(e.error)
    except OSError as e:     # the host refused other output (--syscalls linux's stderr, the trace)
        return output_failed(e, "output")
    except Exception as e:   # a machine bug: still a report, not a traceback
        click.echo(crash_report(machine, f"internal error: {type(e).__name__}: {e}"), err=True)
        return EXIT_INTERNAL
    finally:
        if trace_file and trace_out is not None:
            trace_out.close()
    if stats:
        click.echo(machine.stats.report(machine), err=True, nl=False)
    if stop.kind == "limit":
        click.echo(crash_report(machine, f"stopped: --max-instructions {max_instructions} reached"), err=True)
        status = EXIT_LIMIT
    else:
        if stop.message:
            click.echo(stop.message, err=True)
        status = stop.exit_status
    # the output went away after the guest's last write (seen at the final flush): its output is lost
    return status if console.error is None else output_failed(console.error)


@main.command("classify")
@click.option("--json", "as_json", is_flag=True, help="Print the classification as JSON.")
@click.option("--hw-assist", is_flag=True, help="Only the machine with hardware assist on.")
@click.option("--states", type=click.IntRange(min=1), default=8, show_default=True,
              help="Random starting states per instruction.")
def classify_command(as_json, hw_assist, states):
    """Popek-Goldberg analysis of the instruction set, derived by running every instruction in kernel
    and user mode (docs/virtualizability.md)."""
    from .classify import command_output
    click.echo(command_output(as_json, hw_assist, states))


@main.command("compare")
@click.argument("image", type=click.Path(exists=True, dir_okay=False))
@click.option("--module", "modules", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Give the kernel this ELF program (repeatable), as with toyvm run.")
@click.option("--mem", type=SizeType(), default=DEFAULT_RAM_SIZE, show_default="16M", help="Guest RAM size.")
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False),
              help="Console input, the same bytes for every run.")
@click.option("--max-instructions", type=click.IntRange(min=1), default=50_000_000, show_default=True,
              help="Stop each run after this many instructions.")
@click.option("--strategy", "strategies", multiple=True, type=click.Choice(STRATEGY_NAMES),
              help="Compare only these strategies (repeatable; default: all).")
@click.option("--search", type=click.IntRange(min=1), default=DEFAULT_SEARCH, show_default=True,
              help="Instructions recorded when looking for the first divergence.")
@click.option("--para-image", type=click.Path(exists=True, dir_okay=False),
              help="Run this image under para instead (the kernel built for it: guestos-para.elf, "
                   "popf-para.elf); output and status are compared with the bare run of IMAGE.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def compare_command(image, modules, mem, input_path, max_instructions, strategies, search, para_image,
                    as_json):
    """Run IMAGE on the bare machine and under each monitor strategy, side by side: output,
    exit status, instructions, monitor entries by reason, overhead, and for any run that differs
    from bare, the first instruction where the guest sees a difference (docs/virtualizability.md)."""
    from .compare import compare, load_guest, render, to_json

    guest = load_guest(image, modules, mem, input_path, max_instructions, para_image)
    order = [s for s in STRATEGY_NAMES if s in strategies] if strategies else list(STRATEGY_NAMES)
    try:
        result = compare(guest, order, search)
    except LoadError as e:
        click.echo(f"toyvm: error: {e}", err=True)
        sys.exit(EXIT_LOAD_ERROR)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--mem")
    if as_json:
        click.echo(json.dumps(to_json(result), indent=2))
    else:
        click.echo(render(result), nl=False)


if __name__ == "__main__":
    main()
