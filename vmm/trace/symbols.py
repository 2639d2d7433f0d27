"""Symbol names from an ELF image's symbol table, for the trace (``pc=80010a34 <trap_entry+12>``,
offsets in decimal as gdb prints them) and for ``--trace-from``/``--trace-until SYMBOL``.

Only symbols defined in a section with code name a pc, and only within that section; an image
without a symbol table (a flat binary, a stripped ELF) names nothing. The table is read once,
bounded by MAX_SYMBOLS (the rest are ignored), through pyelftools, which checks the headers."""
from __future__ import annotations

from bisect import bisect_right

MAX_SYMBOLS = 200_000
SHF_EXECINSTR = 0x4


class Symbols:
    def __init__(self, code: list[tuple[int, str, int]] = (), names: dict[str, int] | None = None):
        self._code = sorted(code)                       # (address, name, end of its section)
        self._starts = [address for address, _, _ in self._code]
        self.names = names or {}                        # every defined symbol -> its value

    @classmethod
    def from_elf(cls, path: str | None) -> Symbols:
        """The image's symbols; none when it is not an ELF with a symbol table."""
        if path is None:
            return cls()
        try:
            from elftools.common.exceptions import ELFError
            from elftools.elf.elffile import ELFFile
            with open(path, "rb") as f:
                elf = ELFFile(f)
                table = elf.get_section_by_name(".symtab")
                if table is None:
                    return cls()
                sections = [elf.get_section(i) for i in range(elf.num_sections())]
                code, names = [], {}
                for i, sym in enumerate(table.iter_symbols()):
                    if i >= MAX_SYMBOLS:
                        break
                    shndx, kind = sym["st_shndx"], sym["st_info"]["type"]
                    if not sym.name or kind in ("STT_FILE", "STT_SECTION") or shndx == "SHN_UNDEF":
                        continue
                    names.setdefault(sym.name, sym["st_value"])
                    if isinstance(shndx, int) and shndx < len(sections):
                        section = sections[shndx]
                        if section["sh_flags"] & SHF_EXECINSTR:
                            code.append((sym["st_value"], sym.name, section["sh_addr"] + section["sh_size"]))
                return cls(code, names)
        except (OSError, ELFError, ValueError, KeyError, AttributeError, TypeError):
            return cls()

    def describe(self, pc: int) -> str:
        """``<name+offset>`` of the nearest code symbol at or below pc, or ''."""
        i = bisect_right(self._starts, pc) - 1
        if i < 0:
            return ""
        address, name, end = self._code[i]
        while i > 0 and self._starts[i - 1] == address:   # of symbols at one address: the first by name
            i -= 1
            name = min(name, self._code[i][1])
        if pc >= end:
            return ""
        return f"<{name}>" if pc == address else f"<{name}+{pc - address}>"

    def address(self, name: str) -> int | None:
        return self.names.get(name)

    def __bool__(self) -> bool:
        return bool(self._code)
