"""The linker: object files to one Executable.

Layout (like ld's default for a static executable): every code section of every file, in
command-line order, from the text base; read-only data right after it (same segment); then,
from the next page (or the data base), writable data followed by bss. Symbols: a file's own
definitions first, then .globl symbols of any file, then the predefined TOY32 names. Every
fixup is then evaluated with final addresses and stored.
"""
from __future__ import annotations

from isa import PREDEFINED_VALUES
from isa.machine import DEFAULT_TEXT_BASE, PAGE_SIZE

from . import encoding as enc
from .assembler import AsmError, check_data_range, position, shown_name
from .errors import Diagnostic
from .executable import PF_R, PF_W, PF_X, ElfSymbol, Executable, OutputSection, Segment
from .expr import Context, ExprError, Reloc, evaluate
from .objfile import BSS, DATA, KIND_ORDER, RODATA, TEXT, ObjectFile, Section, Symbol

OUTPUT_NAMES = {TEXT: ".text", RODATA: ".rodata", DATA: ".data", BSS: ".bss"}


def _align(value: int, align: int) -> int:
    return (value + align - 1) & -align


class _LinkContext(Context):
    absolute_sections = True

    def __init__(self, linker: "Linker", obj: ObjectFile):
        self.linker = linker
        self.obj = obj
        self.pc = 0
        self.section: Section | None = None

    def symbol(self, name):
        if name == ".":
            return self.pc, self.section
        sym = self.obj.symbols.get(name)
        if sym is None or sym.pos is None:
            sym = self.linker.globals.get(name)
            if sym is None:
                value = PREDEFINED_VALUES.get(name)
                if value is not None:
                    return value, None
                raise ExprError(f"undefined {'local label' if chr(2) in name else 'symbol'} "
                                f"'{getattr(name, 'shown', shown_name(name))}'", name)
        return self.linker.value_of(sym)

    def pcrel_lo(self, label, value: int) -> int:
        target = self.linker.hi_targets.get(value)
        if target is None:
            raise ExprError("%pcrel_lo must name the label of an auipc that uses %pcrel_hi",
                            label if isinstance(label, str) else None)
        from .expr import lo12
        return lo12(target - value)


class Linker:
    def __init__(self, objects: list[ObjectFile], first_code: list, *, text_base=None,
                 data_base=None, phys_base=None):
        self.objects = objects
        self.first_code = first_code
        self.text_base = DEFAULT_TEXT_BASE if text_base is None else text_base
        self.data_base = data_base
        self.phys_base = self.text_base if phys_base is None else phys_base
        self.diagnostics: list[Diagnostic] = []
        self.globals: dict[str, Symbol] = {}
        self.resolved: dict[int, tuple[int, object]] = {}
        self.hi_targets: dict[int, int] = {}
        self.reported: set = set()

    def error(self, message, pos, notes=None):
        # A pseudo-instruction's fixups share their operand: report its problem once.
        key = (message, pos)
        if key not in self.reported:
            self.reported.add(key)
            self.diagnostics.append(Diagnostic("error", message, pos, notes or []))

    # --- symbols -------------------------------------------------------------------------------
    def _collect_globals(self) -> None:
        for obj in self.objects:
            for sym in obj.symbols.values():
                if not (sym.is_global and sym.pos is not None):
                    continue
                first = self.globals.get(sym.name)
                if first is not None:
                    self.error(f"duplicate symbol '{sym.name}'", sym.pos,
                               [Diagnostic("note", "previous definition is here", first.pos)])
                else:
                    self.globals[sym.name] = sym

    def value_of(self, sym: Symbol) -> tuple[int, object]:
        if sym.expr is None:
            if sym.section is None:
                return sym.value, None
            return sym.section.address + sym.value, sym.section
        key = id(sym)
        done = self.resolved.get(key)
        if done is not None:
            return done
        if sym.evaluating:
            raise ExprError(f"symbol '{sym.name}' is defined in terms of itself", sym.name)
        ctx = _LinkContext(self, sym.obj)
        ctx.pc = sym.pc_section.address + sym.pc
        ctx.section = sym.pc_section
        sym.evaluating = True
        try:
            result = evaluate(sym.expr, ctx)
        finally:
            sym.evaluating = False
        self.resolved[key] = result
        return result

    # --- layout --------------------------------------------------------------------------------
    def _layout(self) -> dict[str, list[Section]]:
        groups: dict[str, list[Section]] = {k: [] for k in KIND_ORDER}
        for obj in self.objects:
            for sec in obj.sections.values():
                if sec.kind in groups and (sec.offset or sec.kind == TEXT):
                    groups[sec.kind].append(sec)
        addr = self.text_base
        for kind in (TEXT, RODATA):
            for sec in groups[kind]:
                addr = _align(addr, sec.align)
                sec.address = addr
                addr += sec.offset
        self.text_end = addr
        data_start = _align(addr, PAGE_SIZE) if self.data_base is None else self.data_base
        if self.data_base is not None and groups[DATA] + groups[BSS] and \
                self.text_base < data_start + 1 and data_start < self.text_end:
            self.error(f"--data-base {data_start:#x} overlaps the code "
                       f"({self.text_base:#x}..{self.text_end:#x})", None)
        addr = data_start
        for kind in (DATA, BSS):
            for sec in groups[kind]:
                addr = _align(addr, sec.align)
                sec.address = addr
                addr += sec.offset
        self.data_start, self.data_end = data_start, addr
        if self.text_end > 1 << 32 or self.data_end > 1 << 32:
            self.error(f"the program does not fit below 4 GiB (code ends at {self.text_end:#x}, "
                       f"data at {self.data_end:#x})", None)
        for obj in self.objects:   # sections that are not loaded still need an address
            for sec in obj.sections.values():
                if sec.kind not in groups:
                    sec.address = 0
        return groups

    # --- fixups --------------------------------------------------------------------------------
    def _apply_fixups(self) -> None:
        pending = []
        for obj in self.objects:
            ctx = _LinkContext(self, obj)
            for sec in obj.sections.values():
                for fx in sec.fixups:
                    pending.append((ctx, sec, fx))
                    e = fx.expr
                    if type(e) is Reloc and e.kind == "pcrel_hi":
                        ctx.pc, ctx.section = sec.address + fx.pc, sec
                        try:
                            self.hi_targets[sec.address + fx.offset] = evaluate(e.arg, ctx)[0]
                        except ExprError:
                            pass  # reported when the fixup itself is applied
        for ctx, sec, fx in pending:
            try:
                self._apply(ctx, sec, fx)
            except ExprError as e:
                at = e.at if e.at is not None and getattr(e.at, "column", None) else fx.operand
                self.error(str(e), position(fx.stmt, at))
            except AsmError as e:
                self.error(str(e), position(fx.stmt, e.at if e.at is not None else fx.operand))

    def _apply(self, ctx: _LinkContext, sec: Section, fx) -> None:
        pc = sec.address + fx.pc
        ctx.pc, ctx.section = pc, sec
        value, vsec = evaluate(fx.expr, ctx)
        field = fx.field
        data = sec.data
        off = fx.offset
        if field.startswith("data"):
            size = int(field[4:])
            check_data_range(value, size, fx.operand)
            data[off:off + size] = (value & ((1 << 8 * size) - 1)).to_bytes(size, "little")
            return
        if vsec is not None and (field == "bimm12" or field == "jimm20"):
            value -= pc
        message = enc.range_message(field, value)
        if message:
            raise AsmError(message, fx.operand)
        word = int.from_bytes(data[off:off + 4], "little") | enc.PACK[field](value)
        data[off:off + 4] = word.to_bytes(4, "little")

    # --- the result ----------------------------------------------------------------------------
    def link(self) -> Executable | None:
        self._collect_globals()
        groups = self._layout()
        self._apply_fixups()
        symbols, elf_symbols = self._symbols()
        if any(d.severity == "error" for d in self.diagnostics):
            return None
        sections = []
        for kind in KIND_ORDER:
            members = groups[kind]
            if not members or (kind != TEXT and not any(s.offset for s in members)):
                continue
            start = members[0].address
            end = members[-1].address + members[-1].offset
            if kind == BSS:
                data = b""
            else:
                buf = bytearray(end - start)
                for s in members:
                    buf[s.address - start:s.address - start + len(s.data)] = s.data
                data = bytes(buf)
            sections.append(OutputSection(OUTPUT_NAMES[kind], kind, start, data, end - start,
                                          max(s.align for s in members)))
        segments = self._segments(sections)
        return Executable(self._entry(), segments, sections, symbols, elf_symbols,
                          self.text_base, self.phys_base)

    def _segments(self, sections: list[OutputSection]) -> list[Segment]:
        def paddr(vaddr: int) -> int:
            return (vaddr - self.text_base + self.phys_base) & 0xFFFFFFFF

        segments = []
        code = [s for s in sections if s.kind in (TEXT, RODATA)]
        if code and code[-1].address + code[-1].size > code[0].address:
            start = code[0].address
            buf = bytearray(code[-1].address + code[-1].size - start)
            for s in code:
                buf[s.address - start:s.address - start + s.size] = s.data
            segments.append(Segment(start, paddr(start), bytes(buf), len(buf), PF_R | PF_X))
        data = [s for s in sections if s.kind in (DATA, BSS)]
        if data:
            start = data[0].address
            end = data[-1].address + data[-1].size
            filled = [s for s in data if s.kind == DATA]
            file_end = filled[-1].address + filled[-1].size if filled else start
            buf = bytearray(file_end - start)
            for s in filled:
                buf[s.address - start:s.address - start + s.size] = s.data
            segments.append(Segment(start, paddr(start), bytes(buf), end - start, PF_R | PF_W))
        return segments

    def _entry(self) -> int:
        start = self.globals.get("_start")
        if start is None and self.objects:
            local = self.objects[0].symbols.get("_start")
            start = local if local is not None and local.pos is not None else None
        if start is not None:
            return self.value_of(start)[0] & 0xFFFFFFFF
        for first in self.first_code:
            if first is not None:
                sec, offset = first
                return sec.address + offset
        return self.text_base

    def _symbols(self) -> tuple[dict[str, int], list[ElfSymbol]]:
        symbols: dict[str, int] = {}
        elf: list[ElfSymbol] = []
        for obj in self.objects:
            for sym in obj.symbols.values():
                if sym.pos is None or "\x02" in sym.name:
                    continue
                try:
                    value, section = self.value_of(sym)
                except ExprError as e:
                    self.error(str(e), sym.pos)
                    continue
                value &= 0xFFFFFFFF
                if sym.is_global or sym.name not in symbols:
                    symbols[sym.name] = value
                if sym.name.startswith(".L"):
                    continue
                elf.append(ElfSymbol(sym.name, value, self._size(sym), sym.is_global, sym.type,
                                     OUTPUT_NAMES.get(section.kind) if section else None,
                                     obj.name))
        return symbols, elf

    def _size(self, sym: Symbol) -> int:
        if sym.size is None:
            return 0
        expr, pc, sec = sym.size
        if isinstance(expr, int):
            return expr & 0xFFFFFFFF
        ctx = _LinkContext(self, sym.obj)
        ctx.pc, ctx.section = sec.address + pc, sec
        try:
            return evaluate(expr, ctx)[0] & 0xFFFFFFFF
        except ExprError:
            return 0
