"""What the first pass makes of one source file: sections of bytes, symbols, and fixups
(the places whose value the linker fills in once every address is known)."""
from __future__ import annotations

from .errors import Position

# Section kinds, in the order the linker lays them out.
TEXT, RODATA, DATA, BSS, NOALLOC = "text", "rodata", "data", "bss", "noalloc"
KIND_ORDER = (TEXT, RODATA, DATA, BSS)


def section_kind(name: str, flags: str | None, nobits: bool) -> str:
    """Where a section goes: from its flags when given (``.section name, "awx"``), else from
    the conventional names (.text*, .rodata*, .data*/.sdata*, .bss*/.sbss*)."""
    if flags is not None:
        if "a" not in flags:
            return NOALLOC
        if "x" in flags:
            return TEXT
        if "w" in flags:
            return BSS if nobits or _named(name, ".bss", ".sbss", ".tbss") else DATA
        return RODATA
    if nobits:
        return BSS
    if _named(name, ".text", ".init", ".fini"):
        return TEXT
    if _named(name, ".rodata", ".srodata"):
        return RODATA
    if _named(name, ".bss", ".sbss", ".tbss"):
        return BSS
    if name.startswith((".note", ".comment", ".debug", ".riscv.attributes")):
        return NOALLOC
    return DATA


def _named(name: str, *bases: str) -> bool:
    return any(name == b or name.startswith(b + ".") for b in bases)


class Section:
    __slots__ = ("name", "kind", "data", "align", "fixups", "size", "obj", "address")

    def __init__(self, name: str, kind: str, obj: "ObjectFile"):
        self.name = name
        self.kind = kind
        self.data = bytearray()     # empty for .bss: only ``size`` grows
        self.align = 4 if kind == TEXT else 1
        self.fixups: list[Fixup] = []
        self.size = 0               # only used for bss sections
        self.obj = obj
        self.address = 0            # set by the linker

    @property
    def nobits(self) -> bool:
        return self.kind == BSS

    @property
    def offset(self) -> int:
        """The location counter: where the next byte goes, relative to the section start."""
        return self.size if self.kind == BSS else len(self.data)


class Fixup:
    """A value the linker computes and stores into ``section`` at ``offset``.

    ``field`` is an isa field name (the value is packed into the instruction word there) or
    ``"data1"/"data2"/"data4"/"data8"`` for a little-endian datum. ``pc`` is the section
    offset pc-relative values are measured from (the start of the statement, or of the auipc
    of an auipc pair). ``stmt``/``operand`` locate errors."""
    __slots__ = ("offset", "field", "expr", "pc", "stmt", "operand")

    def __init__(self, offset: int, field: str, expr, pc: int, stmt, operand: int):
        self.offset = offset
        self.field = field
        self.expr = expr
        self.pc = pc
        self.stmt = stmt
        self.operand = operand


class Symbol:
    """A label (``section`` + ``value`` offset), an absolute constant (``section`` None), or
    a constant whose expression could only be evaluated after layout (``expr``)."""
    __slots__ = ("name", "section", "value", "expr", "pos", "is_global", "type", "size",
                 "obj", "pc", "pc_section")

    def __init__(self, name: str, obj: "ObjectFile"):
        self.name = name
        self.section: Section | None = None
        self.value = 0
        self.expr = None
        self.pos: Position | None = None   # where it was defined (None: only referenced)
        self.is_global = False
        self.type = ""                     # "function" or "object" from .type
        self.size = None                   # expression from .size
        self.obj = obj
        self.pc = 0                        # location '.' stood for in a deferred expression
        self.pc_section: Section | None = None

    @property
    def is_label(self) -> bool:
        return self.section is not None and self.expr is None


class ObjectFile:
    def __init__(self, name: str):
        self.name = name
        self.sections: dict[str, Section] = {}
        self.symbols: dict[str, Symbol] = {}
        self.listing: list[tuple] = []     # (stmt, section, start offset, end offset)
        self.sources = []                  # the Source of each file read (main file first)
        self.line_rows: list | None = None  # with -g: (section, offset, stmt) per instruction

    def section(self, name: str, kind: str) -> Section:
        sec = self.sections.get(name)
        if sec is None:
            sec = self.sections[name] = Section(name, kind, self)
        return sec

    def symbol(self, name: str) -> Symbol:
        sym = self.symbols.get(name)
        if sym is None:
            sym = self.symbols[name] = Symbol(name, self)
        return sym
