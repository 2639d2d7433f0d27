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
from .assembler import check_data_range, shown_name
from .errors import AsmError, Diagnostic, Diagnostics
from .executable import PF_R, PF_W, PF_X, ElfSymbol, Executable, OutputSection, Segment
from .expr import Context, ExprError, Reloc, evaluate, names_in
from .objfile import BSS, DATA, KIND_ORDER, RODATA, TEXT, ObjectFile, Section, Symbol
from .positions import position

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
        sym = self.linker.lookup(self.obj, name)
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
                 data_base=None, phys_base=None, diagnostics: Diagnostics | None = None):
        self.objects = objects
        self.first_code = first_code
        self.text_base = DEFAULT_TEXT_BASE if text_base is None else text_base
        self.data_base = data_base
        self.phys_base = self.text_base if phys_base is None else phys_base
        self.diagnostics = Diagnostics() if diagnostics is None else diagnostics
        self.globals: dict[str, Symbol] = {}
        # id(symbol) -> its (value, section), or the ExprError that evaluating it raised
        self.resolved: dict[int, tuple[int, object] | ExprError] = {}
        self.hi_targets: dict[int, int] = {}

    def error(self, message, pos, notes=None):
        # (A pseudo-instruction's fixups share their operand: Diagnostics keeps it once.)
        self.diagnostics.add(Diagnostic("error", message, pos, notes or []))

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

    def lookup(self, obj: ObjectFile, name: str) -> Symbol | None:
        """The symbol ``name`` means in ``obj``: its own definition, else a global one."""
        sym = obj.symbols.get(name)
        if sym is None or sym.pos is None:
            sym = self.globals.get(name)
        return sym

    def value_of(self, sym: Symbol) -> tuple[int, object]:
        if sym.expr is None:
            if sym.section is None:
                return sym.value, None
            return sym.section.address + sym.value, sym.section
        done = self.resolved.get(id(sym))
        if done is None:
            self._resolve(sym)
            done = self.resolved[id(sym)]
        if isinstance(done, ExprError):
            raise done.with_traceback(None)   # raised once per use: no frames pile up on it
        return done

    def _resolve(self, sym: Symbol) -> None:
        """Evaluate ``sym``'s expression after those of the symbols it uses, depth first
        with a stack of its own (a chain of ``.set``s is as long as the source makes it)."""
        stack = [(sym, self._uses(sym))]
        on_stack = {id(sym)}
        while stack:
            top, uses = stack[-1]
            used = next(uses, None)
            if used is None:
                stack.pop()
                on_stack.discard(id(top))
                if id(top) not in self.resolved:
                    self.resolved[id(top)] = self._evaluate(top)
            elif id(used) in on_stack:
                self.resolved[id(used)] = ExprError(
                    f"symbol '{used.name}' is defined in terms of itself", used.name)
            else:
                stack.append((used, self._uses(used)))
                on_stack.add(id(used))

    def _uses(self, sym: Symbol):
        """The symbols with deferred expressions that ``sym``'s expression uses, not yet
        evaluated."""
        for name in names_in(sym.expr):
            used = self.lookup(sym.obj, name)
            if used is not None and used.expr is not None and id(used) not in self.resolved:
                yield used

    def _evaluate(self, sym: Symbol) -> tuple[int, object] | ExprError:
        ctx = _LinkContext(self, sym.obj)
        ctx.pc = sym.pc_section.address + sym.pc
        ctx.section = sym.pc_section
        try:
            return evaluate(sym.expr, ctx)
        except ExprError as e:
            return e

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
        else:
            self._check_load_address("code", self.text_base, self.text_end)
            self._check_load_address("data", self.data_start, self.data_end)
        for obj in self.objects:   # sections that are not loaded still need an address
            for sec in obj.sections.values():
                if sec.kind not in groups:
                    sec.address = 0
        return groups

    def _check_load_address(self, what: str, start: int, end: int) -> None:
        """The physical (load) addresses of [start, end) must lie below 4 GiB too."""
        load = start - self.text_base + self.phys_base
        if start < end and not 0 <= load <= (1 << 32) - (end - start):
            self.error(f"--phys-base {self.phys_base:#x}: the {what} ({start:#x}..{end:#x}) "
                       f"would load at {load:#x}..{load + end - start:#x}, outside the 4 GiB "
                       f"address space", None)

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
        if self.diagnostics.errors:
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
