"""A run of the TOY32 machine as a library call: images in, a plain result out.

This is what the public ``toyvm`` package (toyvm/__init__.py, docs/api.md) and ``toyvm grade``
(vmm/grade/) stand on: ``run`` one program bare or under the monitor, ``run_guests`` several
under the monitor, each bounded in instructions (a default bound, so a runaway kernel ends),
in wall-clock time and in the console output kept, and never printing anything. How a run
ended is a ``Result`` (result.py); what went wrong before it could run is an exception of
errors.py carrying the message the command line prints.
"""
from __future__ import annotations

from .errors import AssemblyError, LoadError, ToyvmError, UsageError
from .images import Image, assemble, assemble_source
from .result import GuestResult, Result
from .run import DEFAULT_MAX_INSTRUCTIONS, DEFAULT_MAX_OUTPUT, Guest, run, run_guests

__all__ = ["AssemblyError", "LoadError", "ToyvmError", "UsageError", "Image", "assemble", "assemble_source",
           "GuestResult", "Result", "DEFAULT_MAX_INSTRUCTIONS", "DEFAULT_MAX_OUTPUT", "Guest", "run",
           "run_guests"]
