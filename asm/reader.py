"""Source text to statements, line by line.

Each line is read by the fast path (asm/fastparse.py) when it can, else by Lark
(asm/parser.py), which also reports syntax errors. A line Lark reads is read with every
following line a block comment that it opens runs into, so that no token is cut.

The body of a ``.macro`` (``.irp``, ``.irpc``) is taken here as raw text, as GNU as takes it:
its ``\\parameters`` are substituted before it is parsed. It ends at the statement that starts
with the matching ``.endm`` (``.endr``), counting nested openers; a statement starts a line
or follows a ``;``, so ``.macro init; .endm`` is a whole (empty) macro. The body's first line
is the rest of the header's line (blanked up to where it starts, so columns stay right).
"""
from __future__ import annotations

import re

from .errors import Diagnostic, Position, Source
from .fastparse import parse_line
from .positions import statement_spans
from .statements import IRP, MACRO, Stmt

_BLOCK_HEAD = re.compile(r"\.(?:macro|irpc?)(?![A-Za-z0-9_.$])", re.I)
_HEAD_WORD = re.compile(r"[ \t]*(?:[A-Za-z_.$][A-Za-z0-9_.$]*[ \t]*:[ \t]*)*"
                        r"([A-Za-z_.$][A-Za-z0-9_.$]*)")
_WORD = re.compile(r"[ \t]*([A-Za-z_.$][A-Za-z0-9_.$]*)")
_REPEATS = frozenset((".irp", ".irpc", ".rept"))
# opener -> (statement kind, openers counted as nesting, closer)
_BLOCKS = {".macro": (MACRO, frozenset((".macro",)), ".endm"),
           ".irp": (IRP, _REPEATS, ".endr"), ".irpc": (IRP, _REPEATS, ".endr")}


def parse(source: Source) -> tuple[list[Stmt], list[Diagnostic]]:
    """The statements of ``source`` in order, and the syntax errors found on the way."""
    lines = source.text.split("\n")
    n = len(lines)
    stmts: list[Stmt] = []
    errors: list[Diagnostic] = []
    i = 0
    while i < n:
        line = lines[i]
        bare = line[:-1] if line.endswith("\r") else line
        if "." in bare and _BLOCK_HEAD.search(bare):
            after = _block(source, lines, i, bare, stmts, errors)
            if after is not None:
                i = after
                continue
        got = parse_line(bare, i + 1, source)
        if got is not None:
            stmts += got
            i += 1
            continue
        j = _chunk_end(lines, i)
        found, problems = _lark(source, "\n".join(lines[i:j]) + ("\n" if j < n else ""), i)
        stmts += found
        errors += problems
        i = j
    return stmts, errors


def _lark(source: Source, text: str, line_offset: int):
    """Lark's reading of whole lines (parser.parse_chunk), imported when a line first needs it:
    importing Lark is a third of toyasm's start-up, and most files never need it."""
    from .parser import parse_chunk
    return parse_chunk(source, text, line_offset)


def _chunk_end(lines: list[str], i: int) -> int:
    """The index of the first line after line ``i`` that no block comment runs into."""
    in_comment = False
    j = i
    while j < len(lines):
        line = lines[j]
        k, n = 0, len(line)
        while k < n:
            if in_comment:
                end = line.find("*/", k)
                if end < 0:
                    break
                in_comment = False
                k = end + 2
                continue
            c = line[k]
            if c == '"':
                k += 1
                while k < n and line[k] != '"':
                    k += 2 if line[k] == "\\" else 1
            elif c == "'":
                k += 2 if k + 1 < n and line[k + 1] == "\\" else 1
            elif c == "#":
                break
            elif line.startswith("/*", k):
                in_comment = True
                k += 1
            k += 1
        j += 1
        if not in_comment:
            return j
    return j


def _read_part(source: Source, text: str, lineno: int, stmts: list, errors: list) -> None:
    """The statements of part of line ``lineno`` (the rest blanked out)."""
    got = parse_line(text, lineno, source)
    if got is None:
        got, problems = _lark(source, text + "\n", lineno - 1)
        errors += problems
    stmts += got


def _block(source: Source, lines: list[str], i: int, bare: str, stmts: list,
           errors: list) -> int | None:
    """Read the .macro/.irp/.irpc block whose header is on line ``i``: the index of the line
    to go on from (``lines`` may be changed to hold what follows the block's end on its line);
    None when no statement of the line opens a block (the word was in a string)."""
    for start, end in statement_spans(bare):
        m = _HEAD_WORD.match(bare, start, end)
        if m is not None and m.group(1).lower() in _BLOCKS:
            break
    else:
        return None
    head = m.start(1)
    opener = m.group(1).lower()
    kind, openers, closer = _BLOCKS[opener]
    if bare[:head].strip():
        _read_part(source, bare[:head], i + 1, stmts, errors)
    first = " " * (end + 1) + bare[end + 1:] if bare[end:end + 1] == ";" else ""
    depth = 0
    for j in range(i, len(lines)):
        text = first if j == i else lines[j].rstrip("\r")
        for s, e in statement_spans(text):
            w = _WORD.match(text, s, e)
            word = w.group(1).lower() if w else ""
            if word in openers:
                depth += 1
            elif word == closer:
                if depth:
                    depth -= 1
                    continue
                body = [text[:w.start(1)]] if j == i else \
                    [first, *lines[i + 1:j], text[:w.start(1)]]
                stmts.append(Stmt(kind, bare[head:end], ("\n".join(body) + "\n",), source,
                                  i + 1, head + 1))
                rest = text[e:]
                if rest.startswith(";"):
                    lines[j] = " " * (e + 1) + rest[1:]
                elif rest.strip() and not rest.lstrip().startswith("#"):
                    lines[j] = " " * e + rest
                else:
                    return j + 1
                return j
    errors.append(Diagnostic("error", f"'{opener}' without a matching '{closer}'",
                             Position(source, i + 1, head + 1)))
    return len(lines)
