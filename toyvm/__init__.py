"""toyvm as a Python library: assemble TOY32 sources, run images on the bare machine or under
the virtual machine monitor, and get back plain results (docs/api.md).

    import toyvm
    hello = toyvm.assemble(["programs/hello.s"])
    result = toyvm.run("build/guestos.elf", [hello], max_instructions=2_000_000)
    result.output, result.stopped, result.status, result.stats

    result = toyvm.run("build/programs/popf.elf", strategy="bt")          # under the monitor
    result = toyvm.run_guests([toyvm.Guest("build/guestos.elf", [hello]),
                               toyvm.Guest("build/guestos.elf", ["build/programs/primes.elf"])])
    result.guests[1].output

This package is the stable surface: a thin facade over asm/ (the assembler) and vmm/ (the
machine and the monitor), whose internals may change. ``toyvm run`` and ``toyvm grade`` stand on
the same functions (vmm/session/), so a result here is what the command line reports.

Every run is bounded: ``max_instructions`` (default DEFAULT_MAX_INSTRUCTIONS, so a kernel that
never ends cannot hang a grader; None for no bound), ``timeout`` (seconds of wall-clock time,
default none) and ``max_output`` (console bytes kept per guest).

Errors are exceptions derived from ``ToyvmError``: ``AssemblyError`` (the diagnostics toyasm
prints), ``LoadError`` (an image that does not load: the message toyvm run prints after
``toyvm: error:``), ``UsageError`` (an argument the command line would refuse). What a guest
does -- crash, spin, power off with a status -- is never an exception: it is in the Result.
"""
from __future__ import annotations

from vmm.session import (DEFAULT_MAX_INSTRUCTIONS, DEFAULT_MAX_OUTPUT, AssemblyError, Guest, GuestResult, Image,
                         LoadError, Result, ToyvmError, UsageError, assemble, assemble_source, run, run_guests)
from vmm.session.result import ENDS

__all__ = ["assemble", "assemble_source", "run", "run_guests", "Image", "Guest", "Result", "GuestResult",
           "ToyvmError", "AssemblyError", "LoadError", "UsageError", "DEFAULT_MAX_INSTRUCTIONS",
           "DEFAULT_MAX_OUTPUT", "ENDS"]
