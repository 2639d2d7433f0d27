"""Text expansion in the first pass: macros (.macro/.endm and their calls), .irp/.irpc and .rept.

As GNU as does, a macro call, an .irp value or a .rept pass is text: the body with its
parameters substituted is assembled again as a new Source whose positions say where it was
expanded from (asm/errors.py's Expansion), so an error inside names the call and the definition.
Each expansion is charged to the assembler's Budget before it is built, and nesting is bounded
by MAX_NESTING (asm/limits.py): macros calling macros cannot multiply text or depth unboundedly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import AsmError, Expansion, Source
from .limits import CHARACTERS_PER_WORK
from .statements import Stmt
from .positions import split_arguments


@dataclass
class Macro:
    name: str
    params: list[tuple[str, str | None, str]]   # (name, default, qualifier "" / "req" / "vararg")
    body: str
    source: Source       # where it was defined (an expansion's positions point there)
    line: int


_MACRO_ARG = re.compile(r"\\(@|\(\)|[A-Za-z_][A-Za-z0-9_]*)")
_PARAM = re.compile(r"([A-Za-z_.$][A-Za-z0-9_.$]*)\s*(?::\s*(req|vararg))?\s*(?:=\s*(.*))?$", re.S)


def replay(asm, head: Stmt, count: int, body: list[Stmt]) -> None:
    """A .rept body, ``count`` times (its whole cost is charged before the first)."""
    try:
        asm.budget.spend_work(count * pass_cost(body))
        with asm.nested("'.rept'"):
            for _ in range(count):
                asm.run(body)
    except AsmError as e:
        asm.report(e, head)


def define_macro(asm, stmt: Stmt) -> None:
    header = stmt.name.strip()[len(".macro"):].strip()
    m = re.match(r"([A-Za-z_.$][A-Za-z0-9_.$]*)\s*,?\s*(.*)$", header, re.S)
    if not m:
        raise AsmError("expected a macro name after '.macro'")
    name, rest = m.group(1), m.group(2).strip()
    params = []
    pieces = [p.strip() for p in rest.split(",")] if "," in rest else rest.split()
    for piece in pieces:
        if not piece:
            continue
        pm = _PARAM.match(piece)
        if not pm:
            raise AsmError(f"bad macro parameter '{piece}'")
        params.append((pm.group(1), pm.group(3), pm.group(2) or ""))
    if name.lower() in asm.macros:
        raise AsmError(f"macro '{name}' is already defined")
    # the body's first line is the rest of the header's line (asm/reader.py)
    asm.macros[name.lower()] = Macro(name, params, stmt.ops[0], stmt.source, stmt.line - 1)
    asm.suggestions.clear()   # the new macro may be what a name meant


def expand_macro(asm, stmt: Stmt, macro: Macro, text: str) -> None:
    """A call of ``macro``; ``text``: its arguments as written."""
    expand_text(asm, stmt, macro.name, macro.body, macro_args(macro, text), macro.source, macro.line)

def expand_text(asm, stmt: Stmt, what: str, body: str, args: dict[str, str],
                 def_source: Source, def_line: int) -> None:
    """Assemble ``body`` with ``\\name`` replaced by ``args[name]`` (and ``\\@`` by the
    expansion count, ``\\()`` by nothing), as GNU as substitutes text. The size of the
    text is charged to the budget before it is built (each level of macros calling
    macros can multiply it)."""
    counter = str(asm.expansions + 1)

    def substitute(m: re.Match) -> str:
        key = m.group(1)
        if key == "@":
            return counter
        if key == "()":
            return ""
        return args.get(key, m.group(0))

    asm.budget.spend_text(len(body) + sum(len(substitute(m)) - len(m.group(0))
                                           for m in _MACRO_ARG.finditer(body)))
    with asm.nested(f"macro '{what}'" if what[0] != "." else f"'{what}'"):
        asm.expansions += 1
        text = _MACRO_ARG.sub(substitute, body)
        source = Source(f"<{what}>", text, Expansion(what, stmt.pos, def_source, def_line))
        asm._run_source(source, again=True)

def irp(asm, stmt: Stmt) -> None:
    """.irp sym, v1, v2... / .irpc sym, chars: the body once per value (or character)."""
    head = stmt.name.strip()
    per_char = head[:5].lower() == ".irpc"
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*,?\s*(.*)$", head[5 if per_char else 4:].strip(),
                 re.S)
    if not m:
        raise AsmError(f"expected a parameter name after '{head.split()[0]}'")
    name, rest = m.group(1), m.group(2).strip()
    if per_char:
        values = list(rest)
    else:
        values = [v.strip() for v in rest.split(",")] if "," in rest else rest.split()
    for value in values or [""]:
        expand_text(asm, stmt, head.split()[0], stmt.ops[0], {name: value}, stmt.source, stmt.line - 1)

def macro_args(macro: Macro, call: str) -> dict[str, str]:
    """Parameter name -> text, from the arguments ``call`` of a call. A ``:vararg``
    parameter takes the rest of ``call`` as written, from where its first argument
    starts (commas and blanks included), as llvm-mc does."""
    values: dict[str, str] = {}
    names = [p[0] for p in macro.params]
    positional = 0
    for k, (offset, text) in enumerate(split_arguments(call)):
        km = re.match(r"([A-Za-z_.$][A-Za-z0-9_.$]*)\s*=(?!=)\s*(.*)$", text, re.S)
        if km and km.group(1) in names:
            values[km.group(1)] = km.group(2)
            continue
        if positional >= len(names):
            raise AsmError(f"too many arguments for macro '{macro.name}'", k)
        pname, _, qual = macro.params[positional]
        if qual == "vararg":
            values[pname] = call[offset:].strip()
            break
        if text:
            # a quoted argument is passed without its quotes (as llvm-mc does)
            quoted = len(text) >= 2 and text[0] == text[-1] == '"'
            values[pname] = text[1:-1] if quoted else text
        positional += 1
    for pname, default, qual in macro.params:
        if pname not in values:
            if qual == "req":
                raise AsmError(f"missing value for required parameter '{pname}' of macro "
                               f"'{macro.name}'")
            values[pname] = default or ""
    return values

def rept_count(asm, stmt: Stmt) -> int:
    if len(stmt.ops) != 1:
        raise AsmError("'.rept' takes one operand: the repeat count")
    count = asm.constant(stmt.ops[0], stmt, 0, "the repeat count")
    if count < 0:
        raise AsmError("the repeat count must not be negative", 0)
    return count

def pass_cost(body: list[Stmt]) -> int:
    """Work units of one pass over a .rept body: one per statement, and one per
    CHARACTERS_PER_WORK characters of its lines (a statement's work grows with its length:
    ten thousand operands), and at least one (an empty body still loops)."""
    lines = {(id(s.source), s.line): s for s in body}
    chars = sum(len(s.source.line_text(s.line)) for s in lines.values())
    return max(1, len(body) + chars // CHARACTERS_PER_WORK)
