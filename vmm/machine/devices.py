"""The device page of SPEC §6: console, instruction-counting timer, power-off.

The devices know nothing of the CPU: each access is given the count of instructions completed
so far, which is all the timer needs. Reads of write-only registers return 0 (CONSOLE_CTRL
returns its setting), writes to read-only registers are ignored, and an address in the device
page that names no register answers ``None`` so the CPU raises BUS_ERROR.
"""
from __future__ import annotations

import os
import select
import sys
from typing import BinaryIO

from isa.machine import DEVICE_BITS, DEVICE_BY_NAME

CONSOLE_TX = DEVICE_BY_NAME["CONSOLE_TX"]
CONSOLE_STATUS = DEVICE_BY_NAME["CONSOLE_STATUS"]
CONSOLE_RX = DEVICE_BY_NAME["CONSOLE_RX"]
CONSOLE_CTRL = DEVICE_BY_NAME["CONSOLE_CTRL"]
TIMER_LOAD = DEVICE_BY_NAME["TIMER_LOAD"]
TIMER_NOW = DEVICE_BY_NAME["TIMER_NOW"]
POWER_OFF = DEVICE_BY_NAME["POWER_OFF"]
RX_READY = DEVICE_BITS["CONSOLE_RX_READY"][0]
RX_EOF = DEVICE_BITS["CONSOLE_EOF"][0]
RX_IRQ = DEVICE_BITS["CONSOLE_RX_IRQ"][0]
MASK32 = 0xFFFFFFFF


class ConsoleInput:
    """Bytes for CONSOLE_RX and the read syscall, read lazily from a file descriptor.

    A file or a pipe is read with blocking reads when the machine asks whether a byte waits, so
    a byte "waits" whenever the input has one left: the same input gives the same run. A
    terminal is polled instead (interactive, hence not reproducible).
    """

    def __init__(self, fd: int | None, interactive: bool = False):
        self.fd = fd
        self.interactive = interactive
        self.buffer = bytearray()
        self.eof = fd is None
        self.before_blocking = lambda: None  # the console output flushes here

    @classmethod
    def from_bytes(cls, data: bytes) -> "ConsoleInput":
        console = cls(None)
        console.buffer += data
        return console

    def _fill(self, wait: bool) -> None:
        if self.buffer or self.eof:
            return
        if self.interactive and not wait:
            try:
                if not select.select([self.fd], [], [], 0)[0]:
                    return
            except (OSError, ValueError):
                self.eof = True
                return
        self.before_blocking()
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:
            chunk = b""
        if chunk:
            self.buffer += chunk
        else:
            self.eof = True

    def ready(self, wait: bool = False) -> bool:
        """True when an input byte waits (for a file or pipe this reads ahead, blocking)."""
        self._fill(wait)
        return bool(self.buffer)

    def at_eof(self) -> bool:
        return not self.buffer and self.eof

    def read(self, n: int) -> bytes:
        """Up to n bytes, waiting for at least one unless input has ended (the read syscall)."""
        self._fill(True)
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data


class ConsoleClosed(BaseException):
    """The console's output stream failed: its reader went away (a closed pipe, ``toyvm run ... |
    head``) or the host refused the bytes (a full disk). The run cannot go on without losing
    output, so ``ConsoleOutput.write`` raises this from inside ``Machine.run`` and it ends the run
    (and a monitor's run of every guest) on the spot; the command line catches it.

    It derives from BaseException, as KeyboardInterrupt does, because it is not a fault of the
    machine or of the monitor: handlers that turn an ``Exception`` into a guest's crash report
    must let it pass. ``error`` is the OSError; ``broken_pipe`` tells a closed pipe (end quietly,
    as Unix tools do) from other failures (report them)."""

    def __init__(self, error: OSError):
        super().__init__(error)
        self.error = error

    @property
    def broken_pipe(self) -> bool:
        return isinstance(self.error, BrokenPipeError)


class ConsoleOutput:
    """The console's byte sink: flushed at the end of a run, before input is awaited, and at
    each newline when it is a terminal.

    The first OSError of the stream is remembered in ``error``: ``write`` raises ConsoleClosed
    then and at every later write (whatever the stream would do), ``flush`` only remembers (it
    runs in cleanups, where raising would hide the first failure)."""

    def __init__(self, stream: BinaryIO | None = None):
        self.stream = stream if stream is not None else sys.stdout.buffer
        self.error: OSError | None = None
        try:
            self.line_flush = self.stream.isatty()
        except (AttributeError, ValueError):
            self.line_flush = False

    def write(self, data: bytes) -> None:
        if self.error is not None:
            raise ConsoleClosed(self.error)
        try:
            self.stream.write(data)
            if self.line_flush and b"\n" in data:
                self.stream.flush()
        except OSError as e:
            self.error = e
            raise ConsoleClosed(e) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as e:
            if self.error is None:
                self.error = e
        except ValueError:   # already closed
            pass


class Devices:
    """Register state of the device page. The CPU owns the instruction count and passes it in."""

    def __init__(self, console_in: ConsoleInput, console_out: ConsoleOutput):
        self.console_in = console_in
        self.console_out = console_out
        console_in.before_blocking = console_out.flush
        self.console_ctrl = 0
        self.timer_deadline: int | None = None   # instruction count at which TIMER comes due
        self.timer_pending = False
        self.power_off: int | None = None          # set by a POWER_OFF write

    # --- interrupt lines -------------------------------------------------------------------
    def console_irq(self, wait: bool) -> bool:
        return bool(self.console_ctrl & RX_IRQ) and self.console_in.ready(wait)

    def timer_tick(self, count: int) -> None:
        """Called when the count reaches the deadline: TIMER becomes pending (one-shot)."""
        if self.timer_deadline is not None and count >= self.timer_deadline:
            self.timer_deadline = None
            self.timer_pending = True

    # --- register access (aligned words only; the CPU checks width and alignment) ----------
    def read(self, addr: int, count: int) -> int | None:
        if addr == CONSOLE_STATUS:
            cin = self.console_in
            return (RX_READY if cin.ready(wait=not cin.interactive) else 0) | (RX_EOF if cin.at_eof() else 0)
        if addr == CONSOLE_RX:
            data = self.console_in.read(1) if self.console_in.ready(wait=True) else b""
            return data[0] if data else 0
        if addr == TIMER_NOW:
            return count & MASK32
        if addr == CONSOLE_CTRL:
            return self.console_ctrl
        if addr in (CONSOLE_TX, TIMER_LOAD, POWER_OFF):
            return 0
        return None

    def write(self, addr: int, value: int, count: int) -> bool:
        """Perform a store; False when no register lives at addr. ``count`` includes the store."""
        if addr == CONSOLE_TX:
            self.console_out.write(bytes((value & 0xFF,)))
        elif addr == TIMER_LOAD:
            self.timer_pending = False
            self.timer_deadline = count + value if value else None
        elif addr == POWER_OFF:
            self.power_off = value
        elif addr == CONSOLE_CTRL:
            self.console_ctrl = value & RX_IRQ
        elif addr not in (CONSOLE_STATUS, CONSOLE_RX, TIMER_NOW):
            return False
        return True
