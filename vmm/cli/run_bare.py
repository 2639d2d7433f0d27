"""``toyvm run``: load a program into a fresh machine and run it on the bare machine (the
monitor's options hand the run to run_vmm.py), then report how it ended."""
from __future__ import annotations

import sys

import click

from isa.machine import DEFAULT_RAM_SIZE
from isa.privileged import DEFAULT_REPEAT_LIMIT

from ..machine import (EXIT_LIMIT, EXIT_LOAD_ERROR, ConsoleOutput, Image, LinuxSyscalls, LoadError, Machine,
                       Stop, Tracer, crash_report, load_executable)
from ..machine.boot import boot
from ..machine.devices import ConsoleClosed
from .host import (EXIT_INTERNAL, EXIT_INTERRUPTED, AddressType, ClosedStream, SizeType, console_input,
                   ctrl_c_interrupts, output_failed, stdout_bytes)
from .gdb import gdb_option
from .run_vmm import run_monitor, vmm_options, wants_monitor
from .trace_options import RunCommand, observe_options, take_observe


def build_machine(mem: int, hw_assist: bool, input_path: str | None, repeat_limit: int) -> Machine:
    try:
        return Machine(mem, hw_assist=hw_assist, repeat_limit=repeat_limit, console_in=console_input(input_path),
                       console_out=ConsoleOutput(stdout_bytes()))
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--mem")


@click.command(cls=RunCommand)
@click.argument("program", required=False, type=click.Path(dir_okay=False))
@observe_options
@click.option("--stats", is_flag=True, help="Print run statistics on stderr at the end.")
@click.option("--max-instructions", type=click.IntRange(min=0),
              help="Stop (exit status 124) after this many instructions.")
@click.option("--max-repeated-faults", "repeat_limit", type=click.IntRange(min=0),
              default=DEFAULT_REPEAT_LIMIT, show_default=True,
              help="Stop a kernel that takes the same fault at the same pc this many times in a row "
                   "without getting past it (0: never; docs/spec.md §4).")
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
@gdb_option
def run(program, stats, max_instructions, repeat_limit, input_path, syscalls, mem, base,
        hw_assist, modules, gdb, **vmm):
    """Run PROGRAM (ELF, or a flat binary with --base) on a fresh TOY32 machine, or with --vmm
    as a guest of the virtual machine monitor (docs/vmm.md)."""
    observe = take_observe(vmm, stats)
    if wants_monitor(vmm):
        bare_options = dict(syscalls=syscalls, base=base, hw_assist=hw_assist)
        sys.exit(run_monitor(program, modules=modules, mem=mem, input_path=input_path,
                             max_instructions=max_instructions, repeat_limit=repeat_limit, stats=observe.stats,
                             bare_options=bare_options, observe=observe, gdb=gdb, **vmm))
    if program is None:
        raise click.UsageError("Missing argument 'PROGRAM'.")
    if modules and syscalls == "linux":
        raise click.UsageError("--module gives a kernel its programs; --syscalls linux runs a user program")
    machine = build_machine(mem, hw_assist, input_path, repeat_limit)
    image = load_program(machine, program, base, syscalls, modules)
    if gdb is not None:
        if observe.watching or syscalls:
            raise click.UsageError("--gdb cannot be used with " + ("--syscalls" if syscalls else "--trace/--timeline"))
        from .gdb import bare_runner
        sys.exit(run_machine(machine, False, None, observe.stats, max_instructions, run=bare_runner(machine, gdb)))
    if observe.watching:
        from ..trace.bare import run_observed    # only when the run is watched
        sys.exit(run_observed(machine, program, image, observe, max_instructions, run_machine))
    sys.exit(run_machine(machine, False, None, observe.stats, max_instructions))


def load_program(machine: Machine, program: str, base: int | None, syscalls: str | None,
                 modules=()) -> Image:
    """The load step: the kernel booted with its modules (vmm/machine/boot.py, docs/boot.md), or
    with --syscalls linux the executable as a user process, the machine ready at its entry point.
    An executable or module that does not load ends the command."""
    try:
        if syscalls != "linux":
            return boot(machine, program, modules, base=base)
        image = load_executable(machine, program, base, use_vaddr=True)
    except LoadError as e:
        click.echo(f"toyvm: error: {e}", err=True)
        sys.exit(EXIT_LOAD_ERROR)
    LinuxSyscalls(machine, image, stderr=sys.stderr.buffer if sys.stderr is not None
                  else ClosedStream("standard error"))
    return image


def run_machine(machine: Machine, trace: bool, trace_file: str | None, stats,
                max_instructions: int | None, run=None) -> int:
    """Run to the end, print the report the end calls for; the exit status. ``stats``: print
    the panel, or a function (machine, stop) that shows the statistics; ``run``: a function
    (machine, max_instructions) -> Stop that runs it, pausing on the way (vmm/trace/bare.py)."""
    if stats is True:
        def stats(machine, stop):
            click.echo(machine.stats.report(machine), err=True, nl=False)
    trace_out = None
    if trace:
        try:
            trace_out = open(trace_file, "w") if trace_file else sys.stderr or ClosedStream("standard error")
        except OSError as e:
            raise click.BadParameter(f"{trace_file}: {e.strerror}", param_hint="--trace-file")
        machine.tracer = Tracer(trace_out)
    console = machine.devices.console_out
    try:
        with ctrl_c_interrupts(machine):
            stop = machine.run(max_instructions) if run is None else run(machine, max_instructions)
    except KeyboardInterrupt:    # a second Ctrl-C: the state is as far as the last region got
        stop = Stop("interrupted")
    except ConsoleClosed as e:
        if stats:
            stats(machine, None)
        return output_failed(e.error)
    except OSError as e:     # the host refused other output (--syscalls linux's stderr, the trace)
        return output_failed(e, "output")
    except Exception as e:   # a machine bug: still a report, not a traceback
        click.echo(crash_report(machine, f"internal error: {type(e).__name__}: {e}"), err=True)
        return EXIT_INTERNAL
    finally:
        if trace_file and trace_out is not None:
            trace_out.close()
    if stop.kind == "interrupted":
        click.echo(crash_report(machine, "interrupted"), err=True)
    if stats:
        stats(machine, stop)
    if stop.kind == "interrupted":
        return EXIT_INTERRUPTED
    if stop.kind == "limit":
        click.echo(crash_report(machine, f"stopped: --max-instructions {max_instructions} reached"), err=True)
        status = EXIT_LIMIT
    else:
        if stop.message:
            click.echo(stop.message, err=True)
        status = stop.exit_status
    # the output went away after the guest's last write (seen at the final flush): its output is lost
    return status if console.error is None else output_failed(console.error)


