"""``.option`` and ``.attribute``: the RISC-V directives that set the assembler's mode and
record the target in the object file, accepted as GNU as accepts them.

TOY32 is RV32IM without the C extension, so toyasm always emits the 32-bit encodings:
``.option rvc`` (and ``.option arch`` turning on ``c``) is warned about and has no effect,
where GNU as and llvm-mc would go on to emit 16-bit encodings of eligible instructions.
``.option norvc``/``relax``/``norelax``/``pic``/``nopic``/``csr-check``/``no-csr-check``
change nothing toyasm emits (it never relaxes, and links one static executable); ``push``
and ``pop`` save and restore the options all the same, and ``pop`` must match a ``push``.
``.attribute`` is checked (a known name or a tag number; an odd tag takes a string) and not
recorded: the executable has no .riscv.attributes section.
"""
from __future__ import annotations

import re

from .errors import AsmError
from .expr import Str
from .statements import INSTR
from .positions import operand_texts, position

_NO_EFFECT = ("norvc", "relax", "norelax", "pic", "nopic", "csr-check", "no-csr-check")
OPTIONS = ("push", "pop", "rvc", "arch", *_NO_EFFECT)
MAX_PUSHED = 1024    # .option push without pop: a bound on the saved states
# RISC-V ELF attributes (GNU as also takes them as Tag_RISCV_<name>): name -> tag; an even
# tag takes a number, an odd one a string
ATTRIBUTES = {"stack_align": 4, "arch": 5, "unaligned_access": 6, "priv_spec": 8,
              "priv_spec_minor": 10, "priv_spec_revision": 12, "atomic_abi": 14}
_EXTENSION = re.compile(r"[+-][a-z][a-z0-9]*(?:[0-9]+p[0-9]+)?", re.I)
_ISA = re.compile(r"rv(32|64)[a-z0-9_]*", re.I)
_RVC_WARNING = ("TOY32 has no compressed instructions: toyasm keeps emitting 32-bit "
                "encodings (GNU as and llvm-mc would emit 16-bit ones from here)")


class _State:
    """The options of one assembler run that push/pop save."""

    def __init__(self):
        self.rvc = False
        self.pushed: list[bool] = []


def _state(asm) -> _State:
    state = getattr(asm, "options", None)
    if state is None:
        state = asm.options = _State()
    return state


def _option(asm, stmt):
    ops = stmt.ops
    if stmt.kind == INSTR and len(ops) == 1 and type(ops[0]) is str and ops[0] != "arch":
        texts = [ops[0]]    # the common case, read without going back to the line
    else:
        texts = operand_texts(stmt)
    if not texts or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", texts[0]):
        raise AsmError("expected an option name", 0 if texts else None)
    option = texts[0].lower()
    if option == "arch":
        _arch(asm, stmt, texts)
        return
    if len(texts) > 1:
        raise AsmError("'.option' takes an option name", 1)
    state = _state(asm)
    if option == "push":
        if len(state.pushed) >= MAX_PUSHED:
            raise AsmError(f"more than {MAX_PUSHED} '.option push' without '.option pop'", 0)
        state.pushed.append(state.rvc)
    elif option == "pop":
        if not state.pushed:
            raise AsmError(".option pop with no .option push", 0)
        state.rvc = state.pushed.pop()
    elif option == "rvc":
        _compressed(asm, stmt, state)
    elif option == "norvc":
        state.rvc = False
    elif option not in OPTIONS:
        asm.warning("unknown option, expected " + ", ".join(f"'{o}'" for o in OPTIONS),
                    position(stmt, 0))


def _arch(asm, stmt, texts: list[str]) -> None:
    """.option arch, +ext, -ext, ... or .option arch, rv32... (a whole ISA string)."""
    if len(texts) < 2:
        raise AsmError("'.option arch' takes extensions to add or remove (+m, -c) or an ISA "
                       "string (rv32im)", None)
    state = _state(asm)
    for i, text in enumerate(texts[1:], start=1):
        if _EXTENSION.fullmatch(text):
            if text[1:2].lower() == "c" and not text[2:3].isalpha():
                if text[0] == "+":
                    _compressed(asm, stmt, state)
                else:
                    state.rvc = False
            continue
        m = _ISA.fullmatch(text)
        if m is None or i != 1 or len(texts) > 2:
            raise AsmError(f"{text}: ISA string must begin with rv32 or rv64", i)
        if m.group(1) == "64":
            raise AsmError("TOY32 is a 32-bit machine: the ISA string must begin with rv32", i)
        if _has_c(text[4:]):
            _compressed(asm, stmt, state)
        else:
            state.rvc = False


def _has_c(extensions: str) -> bool:
    """Whether an ISA string's extensions (after rv32: ``imac``, ``i2p0_m2p0_c2p0``,
    ``im_zicsr``) include C: single letters, with versions, then multi-letter ones."""
    for k, part in enumerate(extensions.lower().split("_")):
        if k and part[:1] in ("z", "x", "s"):
            continue
        if "c" in re.sub(r"[0-9]+(?:p[0-9]+)?", "", part):
            return True
    return False


def _compressed(asm, stmt, state: _State) -> None:
    if not state.rvc:
        asm.warning(_RVC_WARNING, stmt.pos)
    state.rvc = True


def _attribute(asm, stmt):
    """.attribute name-or-tag, value."""
    ops = stmt.ops
    if len(ops) != 2:
        raise AsmError("'.attribute' takes an attribute and its value: .attribute arch, "
                       "\"rv32i2p0_m2p0\"", 2 if len(ops) > 2 else None)
    name = ops[0]
    if isinstance(name, str):
        key = name[len("Tag_RISCV_"):] if name.startswith("Tag_RISCV_") else name
        tag = ATTRIBUTES.get(key)
        if tag is None:
            raise AsmError(f"attribute name not recognised: {name}", 0)
    else:
        tag = asm.constant(name, stmt, 0, "the attribute tag")
    if tag % 2:
        if not isinstance(ops[1], Str):
            raise AsmError("expected a string", 1)
    else:
        asm.constant(ops[1], stmt, 1, "the attribute value")


HANDLERS = {".option": _option, ".attribute": _attribute}
