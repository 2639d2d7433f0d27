"""The first pass: statements to an ObjectFile (sections of bytes, symbols, fixups).

Every statement is sized here, so every label gets its section offset in this one pass.
Operands whose value is already known (constants, earlier .equ symbols, differences of
labels in one section) are encoded right away; the rest become fixups that the linker
fills in once the layout is final. .if blocks are skipped here, and macros, .irp and .rept
expanded (asm/macros.py).

Errors do not stop the pass: each is recorded and the next statement is assembled.
"""
from __future__ import annotations

import difflib
from contextlib import contextmanager

from isa import BY_MNEMONIC, PREDEFINED_VALUES
from isa.machine import REGISTERS

from . import encoding as enc
from .conditionals import CONDITIONALS, conditional
from .insn import RAW_TEXT
from .errors import AsmError, Diagnostic, Diagnostics, Position, Source, StopRun
from .expr import (Binary, Context, ExprError, KeywordArg, LocalRef, Mem, Name, NotYet, Paren,
                   Str, TypeName, evaluate, names_in, relocations_in, transform)
from .limits import EXPANSION_WORK, MAX_BSS_SIZE, MAX_NESTING, Budget
from .macros import Macro, define_macro, expand_macro, irp, replay, rept_count
from .objfile import BSS, Fixup, ObjectFile, Section, section_kind
from .statements import ASSIGN, INSTR, IRP, LABEL, LOCAL_LABEL, UNPARSED, Stmt, local_label_number
from .reader import parse
from .positions import BaseOf, call_text, position

MAX_SUGGESTED_NAME = 64   # longer unknown names get no "did you mean" (difflib is quadratic)


class _FirstPass(Context):
    """Expression context of the first pass: labels are section offsets."""

    def __init__(self, asm: "Assembler"):
        self.asm = asm
        self.pc = 0
        self.section: Section | None = None

    def symbol(self, name):
        if name == ".":
            return self.pc, self.section
        sym = self.asm.obj.symbols.get(name)
        if sym is not None and sym.pos is not None:
            if sym.expr is not None:
                raise NotYet
            return sym.value, sym.section
        value = self.asm.predefined.get(name)
        if value is not None:
            return value, None
        raise NotYet


class Assembler:
    """Assembles one source file (with what it includes) into an ObjectFile."""

    def __init__(self, name: str, *, listing: bool = False, include_dirs=(), defsyms=None,
                 diagnostics: Diagnostics | None = None, budget: Budget | None = None,
                 debug: bool = False):
        self.obj = ObjectFile(name)
        self.obj.line_rows = [] if debug else None   # asm/dwarf.py
        self.diagnostics = Diagnostics() if diagnostics is None else diagnostics
        self.budget = Budget() if budget is None else budget
        self.listing = listing
        self.include_dirs = list(include_dirs)
        self.ctx = _FirstPass(self)
        self.macros: dict[str, Macro] = {}
        self.local_counts: dict[str, int] = {}
        self.expansions = 0
        self.depth = 0              # macros, .rept/.irp bodies and .include files being run
        self.section_stack: list[Section] = []
        self.previous: Section | None = None
        self.section = self._switch(".text", None, False)
        self.first_code: tuple[Section, int] | None = None
        # The predefined TOY32 symbols minus those this file defines itself (a definition
        # shadows a predefined name even where it is used before it is defined).
        self.predefined = dict(PREDEFINED_VALUES)
        self.ended = False
        self.cfi_frame: Stmt | None = None     # the open .cfi_startproc
        self.used_by_deferred: set[str] = set()  # names in the expressions of deferred symbols
        self.included: set[str] = set()          # paths of the files .include has read
        self._reported: set[tuple] = set()       # (statement, message, at) of each error
        self.suggestions: dict[str, str] = {}   # unknown name -> "did you mean" hint
        for sym_name, value in (defsyms or {}).items():
            self._defsym(sym_name, value)

    # --- driver --------------------------------------------------------------------------------
    def assemble(self, source: Source) -> ObjectFile:
        """The object file of ``source``. Raises StopRun when the run cannot go on (the
        diagnostics say why)."""
        self.obj.sources.append(source)
        self._run_source(source)
        if self.cfi_frame is not None:
            self.error("'.cfi_startproc' without a matching '.cfi_endproc'", self.cfi_frame.pos)
        return self.obj

    def _run_source(self, source: Source, again: bool = False) -> None:
        """Parse and assemble ``source``; ``again``: text that is not input read once (a
        macro expansion, a file included again), whose statements are charged to the run's
        budget."""
        stmts, errors = parse(source)
        self.diagnostics.extend(errors)
        if again:
            self.budget.spend_work(EXPANSION_WORK + len(stmts))
        predefined = self.predefined
        for stmt in stmts:
            if stmt.kind == LABEL or stmt.kind == ASSIGN:
                predefined.pop(stmt.name, None)
            elif stmt.name in _DEFINERS and stmt.ops and isinstance(stmt.ops[0], str):
                predefined.pop(stmt.ops[0], None)
        self.run(stmts)

    def error(self, message: str, pos: Position | None, notes=None) -> None:
        self.diagnostics.add(Diagnostic("error", message, pos, notes or []))

    def warning(self, message: str, pos: Position | None) -> None:
        self.diagnostics.add(Diagnostic("warning", message, pos))

    def report(self, e: AsmError, stmt: Stmt) -> None:
        """Record the error of ``stmt``; a fatal one ends the run. A statement of a .rept
        body that fails the same way again is not looked at again (finding the column of an
        operand reads the line)."""
        key = (stmt, str(e), e.at)
        if key not in self._reported:
            self._reported.add(key)
            self.error(str(e), position(stmt, e.at), e.notes)
        if e.fatal:
            raise StopRun

    @contextmanager
    def nested(self, what: str):
        """One more level of macros, .rept/.irp bodies and .include files (each level is a
        few Python frames: the limit keeps far from the interpreter's recursion limit)."""
        if self.depth >= MAX_NESTING:
            raise AsmError(f"{what} nested too deeply (more than {MAX_NESTING} levels of "
                           f"macros, .rept/.irp and .include)")
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def run(self, stmts: list[Stmt]) -> None:
        """Assemble statements in order. A .rept body is gathered up to its .endr and then
        replayed; .if blocks are skipped while their condition is false."""
        handlers = self.HANDLERS
        macros = self.macros
        listing = self.listing
        # per open .if: [its branch is on, some branch was taken, stmt, on outside of it]
        conds: list[list] = []
        active = True
        rept: list | None = None    # [stmt, count, body, nesting]
        for stmt in stmts:
            if self.ended:
                return
            kind = stmt.kind
            name = stmt.name
            if rept is not None:
                if kind == INSTR:
                    if name in _REPT_OPENERS:
                        rept[3] += 1
                    elif name == ".endr":
                        if rept[3] == 0:
                            replay(self, *rept[:3])
                            rept = None
                            continue
                        rept[3] -= 1
                rept[2].append(stmt)
                continue
            if (kind == INSTR or kind == UNPARSED) and name in CONDITIONALS:
                active = conditional(self, stmt, conds, active)
                continue
            if not active:
                continue
            try:
                if kind == INSTR:
                    if name in macros:
                        expand_macro(self, stmt, macros[name], call_text(stmt))
                        continue
                    if name in _REPT_OPENERS:
                        rept = [stmt, rept_count(self, stmt), [], 0]
                        continue
                    handler = handlers.get(name)
                    if handler is None:
                        self._unknown(stmt)
                    elif listing and stmt.source.origin is None and name != ".include":
                        sec, start = self.section, self.section.offset
                        handler(self, stmt)
                        if sec is self.section:
                            self.obj.listing.append((stmt, sec, start, sec.offset))
                    else:
                        handler(self, stmt)
                elif kind == LABEL:
                    self._define_label(stmt.name, stmt)
                elif kind == LOCAL_LABEL:
                    n = self.local_counts.get(name, 0) + 1
                    self.local_counts[name] = n
                    self._define_label(f"{name}\x02{n}", stmt)
                elif kind == ASSIGN:
                    self._assign(stmt.name, stmt.ops[0], stmt, redefine=True, i=None)
                elif kind == IRP:
                    irp(self, stmt)
                elif kind == UNPARSED:
                    macro = macros.get(name)
                    if macro is not None:
                        expand_macro(self, stmt, macro, stmt.ops[1])
                    elif name in RAW_TEXT:    # reads its own text (.insn r ...)
                        handlers[name](self, stmt)
                    elif name in handlers:
                        self.diagnostics.add(stmt.ops[0])   # the syntax error
                    else:
                        self._unknown(stmt)
                else:
                    define_macro(self, stmt)
            except AsmError as e:
                self.report(e, stmt)
        if rept is not None:
            self.error(f"'{rept[0].name}' without a matching '.endr'", rept[0].pos)
        for _, _, head, _ in conds:
            self.error(f"'{head.name}' without a matching '.endif'", head.pos)

    def _unknown(self, stmt: Stmt) -> None:
        name = stmt.name
        what = "directive" if name.startswith(".") else "instruction"
        if len(name) > MAX_SUGGESTED_NAME:
            raise AsmError(f"unknown {what}")
        raise AsmError(f"unknown {what} '{name}'{self._suggestion(name)}")

    def _suggestion(self, name: str) -> str:
        """"; did you mean 'x'?" for an unknown name, once per name (difflib is slow, and a
        .rept can ask again and again)."""
        hint = self.suggestions.get(name)
        if hint is None:
            if name.startswith("."):
                choices = [d for d in self.HANDLERS if d.startswith(".")]
            else:
                choices = [m for m in self.HANDLERS if not m.startswith(".")] + list(self.macros)
            close = difflib.get_close_matches(name, choices, n=1)
            hint = self.suggestions[name] = f"; did you mean '{close[0]}'?" if close else ""
        return hint

    # --- values --------------------------------------------------------------------------------
    def value(self, op, stmt: Stmt, i: int):
        """(the constant, or None when only the linker can tell; the expression)."""
        if type(op) is int:
            return op, op
        if isinstance(op, str):
            if op in REGISTERS:
                raise AsmError(f"expected an expression, not the register '{op}'", i)
            sym = self.obj.symbols.get(op)
            if sym is not None and sym.pos is not None:
                if sym.section is None and sym.expr is None:
                    return sym.value, op
                return None, op
            value = self.predefined.get(op)
            if value is not None:
                return value, op
            return None, op
        if op is None or isinstance(op, (Mem, Str, TypeName, KeywordArg)):
            raise AsmError("expected an expression", i)
        expr = self.resolve(op)
        ctx = self.ctx
        ctx.pc, ctx.section = self.section.offset, self.section
        try:
            value, section = evaluate(expr, ctx)
        except NotYet:
            return None, expr
        except ExprError as e:
            raise AsmError(str(e), e.at if getattr(e.at, "column", None) is not None else i) \
                from None
        return (value, expr) if section is None else (None, expr)

    def plain_value(self, op, stmt: Stmt, i: int, where: str):
        """``value`` of an operand that takes no %hi, %lo ... (as in llvm-mc): a directive's,
        a branch target, li's; ``where`` says which in the error."""
        relocs = [] if isinstance(op, (int, str)) else relocations_in(op)
        if relocs:
            raise AsmError(f"'%{relocs[0].kind}' is not allowed {where}",
                           relocs[0].tok if relocs[0].tok is not None else i)
        return self.value(op, stmt, i)

    def directive_value(self, op, stmt: Stmt, i: int):
        return self.plain_value(op, stmt, i, "in the operand of a directive")

    def target_value(self, op, stmt: Stmt, i: int):
        return self.plain_value(op, stmt, i, "in a branch or jump target")

    def immediate_value(self, op, stmt: Stmt, i: int, mnemonic: str, field: str):
        """``value`` of an instruction's immediate: only the %modifier its field takes, as the
        leftmost term (``%lo(x)+4``, not ``4+%lo(x)``), as in llvm-mc."""
        relocs = [] if isinstance(op, (int, str)) else relocations_in(op)
        if relocs:
            _check_modifier(relocs, op, i, _MODIFIERS.get((mnemonic, field), ()) or
                            _LOW_MODIFIERS.get(field, ()))
        return self.value(op, stmt, i)

    def constant(self, op, stmt: Stmt, i: int, what: str = "expression") -> int:
        """A value the first pass must know now (a count, an alignment, a size)."""
        value, _ = self.directive_value(op, stmt, i)
        if value is None:
            raise AsmError(f"{what} must be a constant known at this point", i)
        return value

    def resolve(self, e):
        """``e`` with numeric local label references (1b, 2f) replaced by their labels."""
        return transform(e, self._resolve_leaf)

    def _resolve_leaf(self, e):
        t = type(e)
        if t is LocalRef:
            tok = e.tok
            num, direction = local_label_number(tok[:-1]), tok[-1]
            n = self.local_counts.get(num, 0)
            if direction == "b":
                if n == 0:
                    raise AsmError(f"no local label '{num}' before this reference", tok)
                return Name(f"{num}\x02{n}", tok.column, str(tok))
            return Name(f"{num}\x02{n + 1}", tok.column, str(tok))
        if t is Paren:
            if e.inner in REGISTERS:
                raise AsmError(f"expected an expression, not the register '{e.inner}'", e.inner)
            return e.inner
        return e

    def reg(self, op, stmt: Stmt, i: int) -> int:
        if type(op) is Paren:
            op = op.inner
        r = REGISTERS.get(op) if isinstance(op, str) else None
        if r is None:
            if isinstance(op, str):
                raise AsmError(f"invalid register '{op}'", i)
            raise AsmError("expected a register", i)
        return r

    # --- emitting ------------------------------------------------------------------------------
    def emit_word(self, word: int, stmt: Stmt) -> int:
        sec = self.section
        if sec.kind == BSS:
            raise AsmError(f"instruction in the bss section '{sec.name}'")
        offset = len(sec.data)
        if offset & 3:
            self.warning("instruction is not aligned to 4 bytes", stmt.pos)
        if self.first_code is None:
            self.first_code = (sec, offset)
        self.budget.spend_image(4, sec.name)
        sec.data += word.to_bytes(4, "little")
        if self.obj.line_rows is not None:
            self.obj.line_rows.append((sec, offset, stmt))
        return offset

    def inst(self, stmt: Stmt, mnemonic: str, regs: dict, field: str | None = None,
             imm=None, i: int = -1, pc: int | None = None) -> None:
        """One instruction of ``mnemonic``: register fields, plus one immediate field whose
        value is a constant (checked and packed now) or an expression (a fixup)."""
        word = BY_MNEMONIC[mnemonic].match
        pack = enc.PACK
        for f, r in regs.items():
            word |= pack[f](r)
        sec = self.section
        start = sec.offset
        fix = None
        if field is not None:
            if type(imm) is int:
                message = enc.range_message(field, imm)
                if message:
                    raise AsmError(message, i)
                word |= pack[field](imm)
            else:
                fix = Fixup(start, field, imm, start if pc is None else pc, stmt, i)
        self.emit_word(word, stmt)
        if fix is not None:
            sec.fixups.append(fix)

    def reserve(self, size: int, i) -> None:
        """Check that ``size`` more bytes still fit (before building them): a bss section
        in the address space, contents in the run's image budget."""
        if size < 0:
            raise AsmError("the size must not be negative", i)
        sec = self.section
        if sec.kind != BSS:
            self.budget.check_image(size, sec.name, i)
        elif sec.size + size > MAX_BSS_SIZE:
            raise AsmError(f"bss section '{sec.name}' would grow beyond "
                           f"{MAX_BSS_SIZE >> 30} GiB", i)

    def emit_bytes(self, data: bytes, stmt: Stmt) -> None:
        sec = self.section
        if sec.kind == BSS:
            if any(data):
                raise AsmError(f"non-zero data in the bss section '{sec.name}'")
            self.reserve(len(data), None)
            sec.size += len(data)
        else:
            self.budget.spend_image(len(data), sec.name)
            sec.data += data

    def emit_fill(self, byte: int, count: int, i) -> None:
        """``count`` bytes of ``byte`` (a bss section only grows: no bytes are built)."""
        self.reserve(count, i)
        sec = self.section
        if sec.kind == BSS and byte & 0xFF == 0:
            sec.size += count
            return
        self.emit_bytes(bytes([byte & 0xFF]) * count, None)

    def emit_value(self, op, size: int, stmt: Stmt, i: int) -> None:
        """A datum of ``size`` bytes (.byte .half .word .quad)."""
        self.ctx.pc = self.section.offset
        value, expr = self.directive_value(op, stmt, i)
        if value is None:
            sec = self.section
            if sec.kind == BSS:
                raise AsmError(f"non-zero data in the bss section '{sec.name}'", i)
            self.budget.spend_image(size, sec.name, i)
            sec.fixups.append(Fixup(sec.offset, f"data{size}", expr, sec.offset, stmt, i))
            sec.data += bytes(size)
            return
        check_data_range(value, size, i)
        self.emit_bytes((value & ((1 << 8 * size) - 1)).to_bytes(size, "little"), stmt)

    # --- instructions --------------------------------------------------------------------------
    def instruction(self, stmt: Stmt, mnemonic: str, plan: tuple, ops) -> None:
        """A table instruction with its operands in the table's order."""
        if len(ops) != len(plan):
            raise AsmError(f"'{mnemonic}' takes {len(plan)} operand{'s' * (len(plan) != 1)}: "
                           f"{enc.syntax(mnemonic)}",
                           len(plan) if len(ops) > len(plan) else None)
        word = BY_MNEMONIC[mnemonic].match
        pack = enc.PACK
        fixups = []
        pc = self.section.offset
        for i, (kind, field, base) in enumerate(plan):
            op = ops[i]
            if kind == "reg":
                r = REGISTERS.get(op) if type(op) is not int else None
                if r is None:
                    r = self.reg(op, stmt, i)
                word |= pack[field](r)
            elif kind == "imm" or kind == "pcrel":
                value, expr = self.immediate_value(op, stmt, i, mnemonic, field) \
                    if kind == "imm" else self.target_value(op, stmt, i)
                if value is None:
                    fixups.append(Fixup(pc, field, expr, pc, stmt, i))
                    continue
                message = enc.range_message(field, value)
                if message:
                    raise AsmError(message, i)
                word |= pack[field](value)
            elif kind == "mem":
                offset, basereg = self.memory_operand(op, stmt, i)
                word |= pack[base](basereg)
                value, expr = self.immediate_value(offset, stmt, i, mnemonic, field) \
                    if offset is not None else (0, 0)
                if value is None:
                    fixups.append(Fixup(pc, field, expr, pc, stmt, i))
                    continue
                message = enc.range_message(field, value)
                if message:
                    raise AsmError(message, i)
                word |= pack[field](value)
            elif kind == "fence":
                bits = enc.fence_set(op) if isinstance(op, str) else None
                if bits is None:
                    raise AsmError("expected a fence set: letters of 'iorw' in that order", i)
                word |= pack[field](bits)
            else:  # special register
                number = enc.SR_NUMBERS.get(op) if isinstance(op, str) else None
                if number is None:
                    raise AsmError(f"expected a special register ({' '.join(enc.SR_NUMBERS)})", i)
                word |= pack[field](number)
        self.emit_word(word, stmt)
        if fixups:
            self.section.fixups += fixups

    def memory_operand(self, op, stmt: Stmt, i: int):
        """(offset expression or None, base register) of ``offset(base)`` or ``(base)``."""
        if type(op) is Mem:
            return op.offset, self.reg(op.base, stmt, BaseOf(i))
        if type(op) is Paren:
            return None, self.reg(op.inner, stmt, BaseOf(i))
        raise AsmError("expected a memory operand: offset(register)", i)

    # --- labels and symbols --------------------------------------------------------------------
    def _define_label(self, name: str, stmt: Stmt) -> None:
        sym = self.obj.symbol(name)
        if sym.pos is not None:
            raise AsmError(f"symbol '{shown_name(name)}' is already defined",
                           notes=[Diagnostic("note", "previous definition is here", sym.pos)])
        sym.section = self.section
        sym.value = self.section.offset
        sym.pos = stmt.pos

    def _defsym(self, name: str, value: int) -> None:
        """``--defsym name=value``: an absolute symbol defined before the first line, as GNU as
        and llvm-mc do it. Like a ``.set`` in front of the file: ``.set``/``.equ``/``=`` may
        redefine it; a label or ``.equiv`` of the same name is an error that points here."""
        text = f"--defsym {name}={value}"
        sym = self.obj.symbol(name)
        sym.section, sym.value, sym.expr = None, value, None
        sym.pos = Position(Source("<command line>", text), 1, len("--defsym ") + 1)

    def _assign(self, name: str, op, stmt: Stmt, redefine: bool, i: int | None = 1) -> None:
        """``name`` = the value of ``op`` (.equ/.set/=); ``i``: the operand index of ``op``."""
        if name in REGISTERS:
            raise AsmError(f"cannot define the register name '{name}' as a symbol", 0)
        sym = self.obj.symbol(name)
        if sym.pos is not None and (sym.is_label or not redefine):
            raise AsmError(f"symbol '{name}' is already defined",
                           notes=[Diagnostic("note", "previous definition is here", sym.pos)])
        self.ctx.pc = self.section.offset
        value, expr = self.directive_value(op, stmt, i)
        if value is None:
            try:
                self._check_not_recursive(name, expr, i)
            except AsmError:
                # defined all the same, so that its uses are not "undefined" errors too
                sym.pos, sym.section, sym.value, sym.expr = stmt.pos, None, 0, None
                raise
        sym.pos = stmt.pos
        sym.expr = None
        if value is not None:
            sym.section, sym.value = None, value
            return
        ctx = self.ctx
        try:
            value, section = evaluate(expr, ctx)
            sym.section, sym.value = section, value  # a label plus a constant
        except (NotYet, ExprError):
            sym.section, sym.expr = None, expr
            sym.pc, sym.pc_section = self.section.offset, self.section
            self.used_by_deferred.update(names_in(expr))

    def _check_not_recursive(self, name: str, expr, i) -> None:
        """llvm-mc's rule: a symbol may not be defined in terms of itself, directly or through
        symbols whose values are not known yet (``.equ a, a+1``; ``.equ a, b`` ``.equ b, a``)."""
        todo = list(names_in(expr))
        if name not in todo and name not in self.used_by_deferred:
            return   # nothing that is not known yet refers to it
        seen = set()
        while todo:
            used = todo.pop()
            if used == name:
                first = next(names_in(expr))
                raise AsmError(f"recursive use of '{name}'",
                               first if getattr(first, "column", None) else i)
            if used in seen:
                continue
            seen.add(used)
            sym = self.obj.symbols.get(used)
            if sym is not None and sym.expr is not None:
                todo += names_in(sym.expr)
        self.budget.spend_symbol_walk(len(seen), i)

    # --- sections ------------------------------------------------------------------------------
    def _switch(self, name: str, flags: str | None, nobits: bool) -> Section:
        sec = self.obj.sections.get(name)
        if sec is None:
            sec = self.obj.section(name, section_kind(name, flags, nobits))
        self.previous = getattr(self, "section", None)
        self.section = sec
        return sec


# The %modifiers an immediate field takes (llvm-mc): lui's %hi, auipc's %pcrel_hi, the low
# 12 bits of loads, stores and I-type instructions %lo or %pcrel_lo; any other field none.
_MODIFIERS = {("lui", "imm20"): ("hi",), ("auipc", "imm20"): ("pcrel_hi",)}
_LOW_MODIFIERS = {"imm12": ("lo", "pcrel_lo"), "simm12": ("lo", "pcrel_lo")}


def _check_modifier(relocs: list, op, i: int, allowed: tuple) -> None:
    leftmost = op
    while type(leftmost) is Binary:
        leftmost = leftmost.a
    first = relocs[0]
    if first.kind not in allowed or len(relocs) > 1 or leftmost is not first:
        forms = "".join(f"%{kind}(symbol) or " for kind in allowed)
        raise AsmError(f"operand must be {forms}an integer", first.tok if first.tok else i)


def shown_name(name: str) -> str:
    """A symbol's name as the user wrote it (numeric local labels are stored as n\x02k)."""
    return name.split("\x02")[0] if "\x02" in name else name


def check_data_range(value: int, size: int, i: int) -> None:
    if size < 8 and not -(1 << (8 * size - 1)) <= value < (1 << (8 * size)):
        raise AsmError(f"value {value} does not fit in {size} byte{'s' * (size > 1)}", i)


_REPT_OPENERS = frozenset((".rept",))
_DEFINERS = frozenset((".equ", ".set", ".equiv", ".comm", ".lcomm"))

def _build_handlers() -> dict:
    from .directives import HANDLERS as directives
    from .insn import HANDLERS as insn
    from .pseudo import HANDLERS as pseudos
    handlers = {}
    for mnemonic, plan in enc.PLANS.items():
        handlers[mnemonic] = (lambda mn, pl: lambda self, stmt:
                              self.instruction(stmt, mn, pl, stmt.ops))(mnemonic, plan)
    handlers.update(pseudos)
    handlers.update(insn)
    handlers.update(directives)
    return handlers


Assembler.HANDLERS = _build_handlers()
