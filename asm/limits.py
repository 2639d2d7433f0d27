"""How much one toyasm run may do, whatever its input (docs/asm.md, "Limits").

Reading a source file costs time and memory in proportion to its size. What does not is
charged here: a ``.rept`` replaying its body, a macro expanding into more macro calls, the
same file included again and again, a ``.space`` of a gigabyte. A statement that would go
over a limit is an error at that statement instead of hours of work or a full memory.
Every file of a run (and the linker) shares one ``Budget``.
"""
from __future__ import annotations

from .errors import AsmError

MAX_NESTING = 64              # macro calls, .rept/.irp bodies and .include files, one inside another
MAX_WORK = 1 << 19            # units: a statement assembled again (.rept/.irp/macro bodies, a
EXPANSION_WORK = 8            # file included again) is one; parsing an expansion 8 more;
CHARACTERS_PER_WORK = 16      # and a .rept pass one more per 16 characters of its lines
MAX_EXPANDED_TEXT = 1 << 20   # characters parsed anew: macro/.irp expansions, files included again
MAX_IMAGE_SIZE = 1 << 26      # bytes of section contents, all sections of all files (64 MiB)
MAX_BSS_SIZE = 1 << 32        # bytes of one bss section (the whole address space)
MAX_ALIGNMENT = 1 << 16       # .align/.p2align/.balign/.comm (a 64 KiB boundary)
MAX_SYMBOL_WALK = 1 << 22     # symbols looked at to find recursive definitions (.set a, b ...)


def _mib(n: int) -> str:
    return f"{n >> 20} MiB"


class Budget:
    """What one run has spent so far. Each ``spend_*`` raises AsmError (``at``: which operand
    to point at) when the spending would go over its limit, and then spends nothing."""

    def __init__(self):
        self.work = 0
        self.text = 0
        self.image = 0
        self.symbol_walk = 0

    def spend_work(self, units: int, at=None) -> None:
        if self.work + units > MAX_WORK:
            raise AsmError(f"too much repetition: more than {MAX_WORK} units of work (a "
                           f"statement assembled again out of a .rept/.irp/macro body or a "
                           f"file included again is 1, each expansion {EXPANSION_WORK} more, "
                           f"each {CHARACTERS_PER_WORK} characters of a .rept body 1 more)",
                           at, fatal=True)
        self.work += units

    def spend_text(self, chars: int, at=None) -> None:
        if self.text + chars > MAX_EXPANDED_TEXT:
            raise AsmError(f"too much expanded text: more than {MAX_EXPANDED_TEXT >> 20} Mi "
                           f"characters of macro/.irp expansions and files included again", at,
                           fatal=True)
        self.text += chars

    def text_left(self) -> int:
        return MAX_EXPANDED_TEXT - self.text

    def check_image(self, size: int, section: str, at=None) -> None:
        """That ``size`` more bytes of section contents still fit (nothing is spent)."""
        if size < 0:
            raise AsmError("the size must not be negative", at)
        if self.image + size > MAX_IMAGE_SIZE:
            raise AsmError(f"section '{section}' would take the program beyond "
                           f"{_mib(MAX_IMAGE_SIZE)} of contents (all sections of all files)",
                           at)

    def spend_image(self, size: int, section: str, at=None) -> None:
        self.check_image(size, section, at)
        self.image += size

    def spend_symbol_walk(self, steps: int, at=None) -> None:
        if self.symbol_walk + steps > MAX_SYMBOL_WALK:
            raise AsmError(f"symbols defined in terms of each other too often: more than "
                           f"{MAX_SYMBOL_WALK} steps looking for a recursive definition", at,
                           fatal=True)
        self.symbol_walk += steps
