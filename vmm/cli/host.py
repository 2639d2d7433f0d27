"""What the command line needs from the host: exit statuses, the standard streams (a closed
pipe, a full disk, a stream closed at start), console input, Ctrl-C during a run, and the
parameter types every command shares."""
from __future__ import annotations

import errno
import os
import signal
import stat
import sys
import threading
from contextlib import contextmanager

import click

from ..machine import ConsoleInput

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
        stdout_to_devnull()
        return EXIT_BROKEN_PIPE
    try:
        click.echo(f"toyvm: error: {what}: {error.strerror or error}", err=True)
    except OSError:
        pass
    return EXIT_OUTPUT_ERROR


def stdout_to_devnull(*streams) -> None:
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


@contextmanager
def ctrl_c_interrupts(machine):
    """While a run is in progress, the first Ctrl-C asks the machine to stop at the next
    instruction boundary (``request_interrupt``), so that the report shows its exact state; a
    second one interrupts at once (KeyboardInterrupt), for a guest blocked waiting for console
    input. The previous handler is put back afterwards: this is the command's own process, and
    the handler lives only as long as the run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_ctrl_c(signum, frame):
        if machine.interrupt_requested:
            raise KeyboardInterrupt
        machine.request_interrupt()

    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
