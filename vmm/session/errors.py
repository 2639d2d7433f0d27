"""The exceptions of the library API: each carries, as its message, exactly what the command
line prints for the same mistake (``toyasm build``'s diagnostics, ``toyvm run``'s
``toyvm: error: ...`` without the prefix), so a grader can show a student the familiar text."""
from __future__ import annotations


class ToyvmError(Exception):
    """Everything the API raises for bad input derives from this."""


class AssemblyError(ToyvmError):
    """The sources do not assemble. ``diagnostics``: asm.errors.Diagnostic objects, errors and
    warnings in source order; the message is their ``file:line:col: error: ...`` lines with the
    source line and caret, as ``toyasm build`` prints them."""

    def __init__(self, diagnostics):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    @property
    def errors(self):
        return [d for d in self.diagnostics if d.severity == "error"]


class LoadError(ToyvmError):
    """An image or module that does not load (not an ELF file, a malformed one, too big for the
    RAM); ``toyvm run`` prints ``toyvm: error: `` and this message, and exits with status 1."""


class UsageError(ToyvmError, ValueError):
    """An argument the command line would refuse as a usage error (exit status 2): a RAM size
    that is not a positive multiple of the page size, an unknown strategy, a strategy file that
    does not load."""
