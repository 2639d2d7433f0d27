"""``toyvm run --gdb [HOST:]PORT``: serve the GDB remote protocol (vmm/debug/, docs/debugging.md).

The machine starts stopped before its first instruction; toyvm says on standard error where it
listens (``toyvm: gdb: waiting on localhost:PORT``; with port 0 a free port is picked and named)
and waits for gdb. Console output still goes to the terminal."""
from __future__ import annotations

import sys

import click

gdb_option = click.option(
    "--gdb", metavar="[HOST:]PORT",
    help="Wait for gdb on this port (localhost unless HOST is given; 0 picks a free port) and run "
         "under its control, stopped before the first instruction (docs/debugging.md).")


def listen(address: str):
    """The listening server, announced on stderr; a usage error when the address is bad."""
    from ..debug import Server, parse_address
    try:
        host, port = parse_address(address)
        server = Server(host, port)
    except (ValueError, OSError) as e:
        raise click.BadParameter(str(e), param_hint="--gdb") from None
    click.echo(f"toyvm: gdb: waiting on {server.host}:{server.port}", err=True)
    sys.stderr.flush()
    return server


def bare_runner(machine, address: str):
    """Wait for gdb, attach it; the ``run`` function for run_bare.run_machine."""
    from ..debug import attach_bare, run_bare
    server = listen(address)
    attach_bare(machine, server)
    return lambda machine, max_instructions: run_bare(machine, max_instructions, lambda stop: stop.exit_status)


def attach_to_monitor(monitor, address: str):
    from ..debug import attach_monitor
    attach_monitor(monitor, listen(address))


def tell_end(machine, status: int) -> None:
    """The monitor's run ended with ``status``: gdb hears that the program exited."""
    from ..debug import finish
    from ..machine import Stop
    finish(machine, Stop("exit", status), status)
