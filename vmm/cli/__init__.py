"""The ``toyvm`` command line.

Exit status of ``toyvm run``: the value written to POWER_OFF (low 8 bits), 0 after ``halt``,
the program's own status with ``--syscalls linux`` (128 + signal when a fault kills it),
124 when --max-instructions ran out, 125 when the bare machine crashed (a trap loop),
1 when the executable does not load or the host has no memory for the machine (--mem past a
ulimit), 2 for bad options, 70 on an internal error of toyvm,
130 after Ctrl-C (the machine's state and the --stats panel are printed first), 141 when the
reader of the console output went away (``toyvm run ... | head``: the run ends at once and
quietly, as a Unix tool killed by SIGPIPE; only the --stats panel is still printed if asked
for), 74 when the console output failed otherwise (e.g. a full disk; a message says why).
Under ``--vmm`` see vmm/cli/run_vmm.py (one guest: as on the bare machine; several: which
guests did not halt cleanly, as a bit mask).
"""
from __future__ import annotations

import importlib
import sys

import click

from ..machine import EXIT_LOAD_ERROR
from .host import EXIT_BROKEN_PIPE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OUTPUT_ERROR, stdout_to_devnull

# Each command's module is imported when the command runs (or --help lists it): a `toyvm run`
# should not pay for importing the grader, the lab tools or matplotlib's command.
COMMANDS = {
    "run": ("run_bare", "run"),
    "classify": ("lab", "classify_command"),
    "compare": ("lab", "compare_command"),
    "timeline-plot": ("timeline_plot", "timeline_plot_command"),
    "grade": ("grade", "grade_command"),
    "lab": ("grade", "lab_command"),
}


class Toyvm(click.Group):
    """The command group, ending two host events the same way in every command: a pipe that
    closes under a message (stdout or stderr: exit 141, quietly) and Ctrl-C outside a run (exit
    130 with ``toyvm: interrupted``; within a run, ``toyvm run`` reports the state first)."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name]
        return getattr(importlib.import_module(f".{module}", __name__), attribute)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            stdout_to_devnull(sys.stdout, sys.stderr)
            ctx.exit(EXIT_BROKEN_PIPE)
        except KeyboardInterrupt:
            try:
                click.echo("toyvm: interrupted", err=True)
            except OSError:
                pass
            ctx.exit(EXIT_INTERRUPTED)
        except MemoryError as e:     # e.g. the machine's RAM past the process's address-space limit
            click.echo(f"toyvm: error: out of memory{': ' if str(e) else ''}{e}", err=True)
            ctx.exit(EXIT_LOAD_ERROR)


@click.group(cls=Toyvm)
def main():
    """toyvm: the TOY32 machine."""



__all__ = ["main", "EXIT_BROKEN_PIPE", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OUTPUT_ERROR"]
