"""A GDB remote stub for toyvm (``toyvm run --gdb [HOST:]PORT``; docs/debugging.md).

protocol.py frames packets; target.py is the register file and target description; threads.py
what gdb calls a thread (the bare processor, or one guest's virtual CPU); points.py breakpoints,
watchpoints and trap stops; stub.py the session (the machine's debugger hook and the commands);
commands.py the ``monitor`` commands; reverse.py snapshots and replay; server.py the socket.

``attach_bare(machine, server)`` / ``attach_monitor(monitor, server)`` wait for gdb and attach the
session to the machine, stopped before its first instruction; ``run_bare(machine, n)`` runs the
machine as ``Machine.run(n)`` does, and again whenever gdb goes back in time from the end of the
run; ``finish(machine, stop, status)`` tells gdb how the run ended.
"""
from __future__ import annotations

from .reverse import History
from .server import Server, parse_address
from .stub import Debugger
from .threads import BareThread, GuestThread

__all__ = ["Server", "parse_address", "attach_bare", "attach_monitor", "run_bare", "finish"]


def attach_bare(machine, server: Server) -> Debugger:
    conn = server.accept()
    history = History(machine)
    debugger = Debugger(conn, machine, [BareThread(machine)], history=history, server=server)
    machine.debugger = debugger
    return debugger


def attach_monitor(monitor, server: Server) -> Debugger:
    from .monitor_replay import MonitorHistory, ReplayableScheduler
    conn = server.accept()
    threads = [GuestThread(guest) for guest in monitor.guests]
    monitor.scheduler = ReplayableScheduler.replacing(monitor.scheduler)
    history = monitor.scheduler.history = MonitorHistory(monitor)
    debugger = Debugger(conn, monitor.machine, threads, monitor=monitor, history=history, server=server)
    monitor.machine.debugger = debugger
    return debugger


def run_bare(machine, max_instructions: int | None, status_of):
    """``machine.run(max_instructions)``, with gdb told how it ended; run again when gdb goes back
    from the end. ``status_of(stop)``: the exit status the command would give."""
    bound = None if max_instructions is None else machine.count + max_instructions
    while True:
        stop = machine.run(None if bound is None else max(bound - machine.count, 0))
        debugger = machine.debugger
        if debugger is None or not debugger.after_run(stop, status_of(stop)):
            return stop


def finish(machine, stop, status: int) -> None:
    debugger = machine.debugger
    if debugger is not None:
        debugger.after_run(stop, status)
