"""The TOY32 machine: a fast, exact, deterministic interpreter with paging, traps and devices.

``Machine`` (cpu.py) is the processor with its RAM, MMU and devices; ``load_executable`` puts a
program into it; ``LinuxSyscalls`` makes it a qemu-user-like environment; ``Tracer`` prints
``--trace`` lines. The monitor interface is described in cpu.py.
"""
from .cpu import Machine
from .devices import ConsoleInput, ConsoleOutput, Devices
from .errors import EXIT_CRASH, EXIT_LIMIT, EXIT_LOAD_ERROR, LoadError, Stop, crash_report
from .linux import LinuxSyscalls
from .loader import Image, load_executable
from .trace import Tracer
from .translate import RegionExit

__all__ = ["Machine", "ConsoleInput", "ConsoleOutput", "Devices", "LoadError", "Stop", "crash_report",
           "EXIT_CRASH", "EXIT_LIMIT", "EXIT_LOAD_ERROR", "LinuxSyscalls", "Image", "load_executable",
           "Tracer", "RegionExit"]
