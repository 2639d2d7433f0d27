"""``--trace-from`` / ``--trace-until``: the part of a run the trace shows. Each end is an
instruction count or a symbol (the first time pc reaches its address). One Window per traced
stream (the bare machine, or each guest with its own count), fed every line in order."""
from __future__ import annotations

from .symbols import Symbols


class UnknownSymbol(ValueError):
    """A --trace-from/--trace-until symbol the image does not define."""


class Window:
    def __init__(self, start: int | str | None, until: int | str | None, symbols: Symbols):
        self.start_count, self.start_pc = _end(start, symbols)
        self.until_count, self.until_pc = _end(until, symbols)
        self.open = start is None
        self.closed = False

    def sees(self, count: int, pc: int, instruction: bool = True) -> bool:
        """Is the line of instruction number ``count`` at ``pc`` inside the window? (An event's
        line, ``instruction`` False, never closes it: the instruction at the symbol is shown.)"""
        if self.closed:
            return False
        if not self.open:
            if (self.start_count is not None and count >= self.start_count) or pc == self.start_pc:
                self.open = True
            else:
                return False
        if self.until_count is not None and count > self.until_count:
            self.closed = True
            return False
        if pc == self.until_pc and instruction:
            self.closed = True          # the line at the symbol is the last one shown
        return True


def _end(where: int | str | None, symbols: Symbols) -> tuple[int | None, int | None]:
    if where is None or isinstance(where, int):
        return where, None
    address = symbols.address(where)
    if address is None:
        raise UnknownSymbol(f"no symbol {where!r} in the image")
    return None, address
