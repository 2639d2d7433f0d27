"""The Popek-Goldberg lab commands: ``toyvm classify`` and ``toyvm compare`` (the tools are in
vmm/lab/, imported when the command runs)."""
from __future__ import annotations

import json
import sys

import click

from isa.machine import DEFAULT_RAM_SIZE

from ..lab.compare import DEFAULT_SEARCH
from ..machine import EXIT_LOAD_ERROR, LoadError
from ..monitor.config import CONFIGURATIONS
from .host import SizeType


@click.command("classify")
@click.option("--json", "as_json", is_flag=True, help="Print the classification as JSON.")
@click.option("--hw-assist", is_flag=True, help="Only the machine with hardware assist on.")
@click.option("--states", type=click.IntRange(min=1), default=8, show_default=True,
              help="Random starting states per instruction.")
def classify_command(as_json, hw_assist, states):
    """Popek-Goldberg analysis of the instruction set, derived by running every instruction in kernel
    and user mode (docs/virtualizability.md)."""
    from ..lab.classify.render import command_output
    click.echo(command_output(as_json, hw_assist, states))


@click.command("compare")
@click.argument("image", type=click.Path(exists=True, dir_okay=False))
@click.option("--module", "modules", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Give the kernel this ELF program (repeatable), as with toyvm run.")
@click.option("--mem", type=SizeType(), default=DEFAULT_RAM_SIZE, show_default="16M", help="Guest RAM size.")
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False),
              help="Console input, the same bytes for every run.")
@click.option("--max-instructions", type=click.IntRange(min=1), default=50_000_000, show_default=True,
              help="Stop each run after this many instructions.")
@click.option("--strategy", "strategies", multiple=True, type=click.Choice(list(CONFIGURATIONS)),
              help="Compare only these (repeatable; default: all): a strategy, or hw+nested (hw with "
                   "nested paging), vt+shadow (vt with shadow maps).")
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
    from ..lab.compare.report import compare, render, to_json
    from ..lab.compare.runs import load_guest

    guest = load_guest(image, modules, mem, input_path, max_instructions, para_image)
    order = [s for s in CONFIGURATIONS if s in strategies] if strategies else list(CONFIGURATIONS)
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
