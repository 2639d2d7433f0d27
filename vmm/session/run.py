"""``run`` and ``run_guests``: one program bare or under the monitor, or several guests, to a
``Result``. Nothing is printed and no process-wide state is touched: the wall-clock bound is a
timer thread that asks the machine to stop (``Machine.request_interrupt``, honoured within
INTERRUPT_POLL instructions, about 10 ms), never a signal handler."""
from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from isa.machine import DEFAULT_RAM_SIZE
from isa.privileged import DEFAULT_REPEAT_LIMIT

from ..machine import ConsoleInput, ConsoleOutput, Machine, crash_report
from ..machine import LoadError as MachineLoadError
from ..machine.boot import boot
from .errors import LoadError, UsageError
from .images import Image
from .result import STATUS_OF, GuestResult, Result, several_status
from .stats import bare_stats, monitor_stats

# A run with no bound of its own stops here: about 5 s of a CPU-bound program on the bare
# machine (20 MIPS), longer under the monitor; so a kernel that never ends cannot hang a caller.
DEFAULT_MAX_INSTRUCTIONS = 100_000_000
DEFAULT_MAX_OUTPUT = 1 << 20      # console bytes kept per guest (the rest is counted as truncated)
EXIT_INTERNAL = 70


@dataclass
class Guest:
    """One guest of ``run_guests``: an image (an Image, or an ELF file's path), its modules,
    console input, RAM, its own instruction bound (None: the run's) and a name (None: guestK)."""
    image: object
    modules: tuple = ()
    input: bytes = b""
    mem: int = DEFAULT_RAM_SIZE
    max_instructions: int | None = None
    name: str | None = None


class _Capped:
    """A console sink keeping the first ``limit`` bytes."""

    def __init__(self, limit: int):
        self.data = bytearray()
        self.limit = limit
        self.truncated = False

    def write(self, data: bytes) -> int:
        room = self.limit - len(self.data)
        if len(data) > room:
            self.truncated = True
            data = data[:max(room, 0)]
        self.data += data
        return len(data)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class _Files:
    """In-memory images written to files named as the kernel will call them, in a private
    temporary directory (one subdirectory per image, so two images of one name do not clash)."""

    def __init__(self):
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._n = 0

    def path(self, image) -> tuple[str, str]:
        """(a file to load, the image's name)."""
        if isinstance(image, Image):
            if self._tmp is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="toyvm-")
            self._n += 1
            folder = Path(self._tmp.name, str(self._n))
            folder.mkdir()
            return str(image.save(folder / f"{image.name}.elf")), image.name
        if isinstance(image, (str, os.PathLike)):
            return os.fspath(image), Path(image).stem
        raise UsageError(f"an image is an Image or a file name, not {type(image).__name__}")

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def _input(data) -> bytes:
    if data is None:
        return b""
    if isinstance(data, str):
        return data.encode()
    return bytes(data)


def _bound(value, what: str) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise UsageError(f"{what} must be a whole number >= 0 or None, not {value!r}")
    return value


class _Timer:
    """Ask ``machine`` to stop after ``seconds`` of wall-clock time (None: never)."""

    def __init__(self, machine, seconds: float | None):
        self.fired = False
        self._timer = None
        if seconds is not None:
            if not isinstance(seconds, (int, float)) or seconds <= 0:
                raise UsageError(f"timeout must be a positive number of seconds or None, not {seconds!r}")

            def fire():
                self.fired = True
                machine.request_interrupt()
            self._timer = threading.Timer(seconds, fire)
            self._timer.daemon = True

    def __enter__(self):
        if self._timer is not None:
            self._timer.start()
        return self

    def __exit__(self, *exc):
        if self._timer is not None:
            self._timer.cancel()


def run(image, modules=(), *, input=b"", vmm: bool = False, strategy=None, mem: int = DEFAULT_RAM_SIZE,
        max_instructions: int | None = DEFAULT_MAX_INSTRUCTIONS, timeout: float | None = None,
        max_output: int = DEFAULT_MAX_OUTPUT, hw_assist: bool = False,
        repeat_limit: int = DEFAULT_REPEAT_LIMIT) -> Result:
    """Boot ``image`` with ``modules`` and run it to its end: on the bare machine, or with
    ``vmm`` (or a ``strategy``) as the one guest of the monitor. As ``toyvm run [--vmm]``."""
    if vmm or strategy is not None:
        if hw_assist:
            raise UsageError("--hw-assist cannot be used with --vmm")
        return run_guests([Guest(image, tuple(modules), _input(input), mem)], strategy=strategy or "trap",
                          max_instructions=max_instructions, timeout=timeout, max_output=max_output,
                          repeat_limit=repeat_limit)
    max_instructions = _bound(max_instructions, "max_instructions")
    sink = _Capped(max_output)
    try:
        machine = Machine(mem, hw_assist=hw_assist, repeat_limit=repeat_limit,
                          console_in=ConsoleInput.from_bytes(_input(input)), console_out=ConsoleOutput(sink))
    except ValueError as e:
        raise UsageError(str(e)) from None
    files = _Files()
    try:
        path, name = files.path(image)
        module_paths = [files.path(m)[0] for m in modules]
        try:
            boot(machine, path, module_paths)
        except MachineLoadError as e:
            raise LoadError(str(e)) from None
        with _Timer(machine, timeout) as timer:
            try:
                stop = machine.run(max_instructions)
                stopped, status, report = stop.kind, stop.exit_status, stop.message
            except Exception as e:       # a machine bug: a report, as toyvm run gives
                stopped, status = "internal_error", EXIT_INTERNAL
                report = crash_report(machine, f"internal error: {type(e).__name__}: {e}")
    finally:
        files.close()
    if stopped == "interrupted" and timer.fired:
        stopped, report = "timeout", crash_report(machine, f"stopped: timeout after {timeout} s")
    elif stopped == "limit":
        report = crash_report(machine, f"stopped: --max-instructions {max_instructions} reached")
    status = STATUS_OF.get(stopped, status)
    stats = bare_stats(machine, stopped, status)
    result = GuestResult(name, name, bytes(sink.data), stopped, status, report, machine.count, stats,
                         sink.truncated)
    return Result("bare", None, [result], status, stats)


def run_guests(guests, *, strategy="trap", slice_instructions: int | None = None,
               max_instructions: int | None = DEFAULT_MAX_INSTRUCTIONS, timeout: float | None = None,
               max_output: int = DEFAULT_MAX_OUTPUT, repeat_limit: int = DEFAULT_REPEAT_LIMIT) -> Result:
    """Run ``guests`` (Guest objects, or images) side by side under the monitor, each in its own
    memory, with ``strategy`` (a name, ``file.py:Class``, or a strategy class;
    vmm/monitor/strategies/). ``max_instructions`` bounds each guest that sets no bound of its
    own; ``timeout`` the whole run. As ``toyvm run --vmm --guest ... --guest ...``."""
    from ..monitor import GuestConfig, Monitor
    from ..monitor.scheduler import DEFAULT_SLICE
    from ..monitor.strategies.plugin import load_strategy

    guests = [g if isinstance(g, Guest) else Guest(g) for g in guests]
    if not guests:
        raise UsageError("run_guests needs at least one guest")
    max_instructions = _bound(max_instructions, "max_instructions")
    try:
        strategy_class = load_strategy(strategy)
    except ValueError as e:
        raise UsageError(str(e)) from None
    files = _Files()
    sinks = [_Capped(max_output) for _ in guests]
    try:
        configs, names = [], []
        for i, g in enumerate(guests):
            path, image_name = files.path(g.image)
            limit = _bound(g.max_instructions, "max_instructions")
            configs.append(GuestConfig(path, [files.path(m)[0] for m in g.modules], g.mem, None,
                                       max_instructions if limit is None else limit, repeat_limit))
            names.append((g.name or f"guest{i + 1}", image_name))
        consoles = [(ConsoleInput.from_bytes(_input(g.input)), ConsoleOutput(sink)) for g, sink in zip(guests, sinks)]
        try:
            monitor = Monitor(configs, consoles, slice_instructions=slice_instructions or DEFAULT_SLICE,
                              strategy=strategy_class)
        except ValueError as e:
            raise UsageError(str(e)) from None
        try:
            monitor.boot()
        except MachineLoadError as e:
            raise LoadError(str(e)) from None
        internal = None
        with _Timer(monitor.machine, timeout) as timer:
            try:
                monitor.run()
            except Exception as e:       # a monitor bug outside any guest
                internal = f"internal error of the monitor: {type(e).__name__}: {e}"
    finally:
        files.close()
    results = []
    stats = monitor_stats(monitor)
    for guest, sink, (name, image_name), guest_stats in zip(monitor.guests, sinks, names, stats["guests"]):
        stop = guest.exit
        if stop is not None:
            stopped, status, report = stop.kind, stop.exit_status, stop.message
        elif internal is not None:
            stopped, status, report = "internal_error", EXIT_INTERNAL, internal
        else:                            # still running when the clock ran out (or Ctrl-C)
            guest.vcpu.account()
            stopped = "timeout" if timer.fired else "interrupted"
            report = guest.report(f"stopped: timeout after {timeout} s" if timer.fired else "interrupted")
            status = 0
        status = STATUS_OF.get(stopped, status)
        results.append(GuestResult(name, image_name, bytes(sink.data), stopped, status, report, guest.vcpu.count,
                                   guest_stats, sink.truncated))
    status = results[0].status if len(results) == 1 else several_status(results)
    return Result("monitor", getattr(strategy_class, "name", strategy_class.__name__), results, status, stats)
