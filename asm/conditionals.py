"""Conditional assembly: .if and its kin, .elseif, .else, .endif.

The numeric forms test an expression known at this point, .ifdef/.ifndef whether a symbol is
defined; the string forms compare text as written, as GNU as and llvm-mc do, which is what
test-suite macros use to ask which register they were passed:

    .ifc A, B    / .ifnc     A and B (text up to the first comma, and the rest) are the same
    .ifeqs "A", "B" / .ifnes  two string literals are the same
    .ifb TEXT    / .ifnb     TEXT is blank
"""
from __future__ import annotations

from .errors import AsmError
from .expr import Str
from .statements import UNPARSED
from .positions import call_text, operand_texts

_NUMERIC = {".if": lambda v: v != 0, ".elseif": lambda v: v != 0, ".ifne": lambda v: v != 0,
            ".ifeq": lambda v: v == 0, ".ifgt": lambda v: v > 0, ".ifge": lambda v: v >= 0,
            ".iflt": lambda v: v < 0, ".ifle": lambda v: v <= 0}
_STRING = frozenset((".ifc", ".ifnc", ".ifeqs", ".ifnes", ".ifb", ".ifnb"))
_OPENERS = frozenset(_NUMERIC) - {".elseif"} | _STRING | {".ifdef", ".ifndef"}
CONDITIONALS = _OPENERS | {".elseif", ".else", ".endif"}


def conditional(asm, stmt, conds: list, active: bool) -> bool:
    """Track one .if/.else/.endif in ``conds`` (per open .if: [its branch is on, some branch
    was taken, the .if, on outside of it]); returns whether statements are assembled now
    (each level remembers whether the one outside it is on: no walk over all levels)."""
    name = stmt.name
    try:
        if name == ".endif":
            if not conds:
                raise AsmError("'.endif' without '.if'")
            return conds.pop()[3]
        if name in (".else", ".elseif"):
            if not conds:
                raise AsmError(f"'{name}' without '.if'")
            c = conds[-1]
            outer = c[3]
            take = not c[1] and (name == ".else" or (outer and condition(asm, stmt)))
            c[0] = take
            c[1] = c[1] or take
            return outer and take
        taken = active and condition(asm, stmt)
        conds.append([taken, taken, stmt, active])
        return taken
    except AsmError as e:
        asm.report(e, stmt)
        if name not in (".endif", ".else", ".elseif"):
            conds.append([False, True, stmt, active])
            return False
        return active


def condition(asm, stmt) -> bool:
    """Whether the condition of ``stmt`` (an opener or .elseif) holds."""
    name = stmt.name
    if name in _STRING:
        return _string_condition(stmt)
    if stmt.kind == UNPARSED:    # its operands do not parse: the syntax error says why
        asm.diagnostics.add(stmt.ops[0])
        return False
    ops = stmt.ops
    if name in (".ifdef", ".ifndef"):
        if len(ops) != 1 or not isinstance(ops[0], str):
            raise AsmError(f"'{name}' takes a symbol name")
        sym = asm.obj.symbols.get(ops[0])
        defined = (sym is not None and sym.pos is not None) or ops[0] in asm.predefined
        return defined == (name == ".ifdef")
    if len(ops) != 1:
        raise AsmError(f"'{name}' takes one expression")
    return _NUMERIC[name](asm.constant(ops[0], stmt, 0, "the condition"))


def _string_condition(stmt) -> bool:
    name = stmt.name
    text = call_text(stmt).strip()
    if name in (".ifb", ".ifnb"):
        return (text == "") == (name == ".ifb")
    if name in (".ifc", ".ifnc"):
        first, comma, second = text.partition(",")
        if not comma:
            raise AsmError(f"'{name}' takes two strings separated by a comma: {name} A, B")
        return (first.strip() == second.strip()) == (name == ".ifc")
    ops = stmt.ops if stmt.kind != UNPARSED else ()
    if len(ops) != 2 or not all(isinstance(op, Str) for op in ops):
        texts = operand_texts(stmt)
        bad = next((i for i, t in enumerate(texts[:2]) if not t.startswith('"')), None)
        raise AsmError(f"'{name}' takes two strings in double quotes: {name} \"A\", \"B\"",
                       bad if bad is not None else (len(texts) if len(texts) > 2 else None))
    return (ops[0].tok == ops[1].tok) == (name == ".ifeqs")
