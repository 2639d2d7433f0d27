"""Diagnostics: where in which source a problem is, and how it is printed.

Every message is ``file:line:col: error: message``, then the source line and a caret under
the column, the way GNU as and llvm-mc print them. The assembler collects every diagnostic
of a run and raises them together as ``AsmErrors``.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class Source:
    """A piece of assembly text: a file, or the text of one macro expansion.

    ``origin`` is set for an expansion: the statement that invoked the macro, and the
    buffer/line where the macro body was defined (expanded line k is defined at ``def_line + k``).
    """

    __slots__ = ("name", "text", "origin", "_lines")

    def __init__(self, name: str, text: str, origin: "Expansion | None" = None):
        self.name = name
        self.text = text
        self.origin = origin
        self._lines: list[str] | None = None

    def line_text(self, line: int) -> str:
        if self._lines is None:
            self._lines = self.text.split("\n")
        if 1 <= line <= len(self._lines):
            return self._lines[line - 1].rstrip("\r")
        return ""


@dataclass(frozen=True)
class Expansion:
    macro: str
    call: "Position"          # where the macro was invoked
    def_source: Source        # where its body is written
    def_line: int             # line of the .macro header


@dataclass(frozen=True)
class Position:
    source: Source
    line: int
    col: int  # 1-based


@dataclass
class Diagnostic:
    severity: str       # "error", "warning" or "note"
    message: str
    pos: Position | None = None
    notes: list["Diagnostic"] = field(default_factory=list)

    @property
    def where(self) -> Position | None:
        """The position in a file (a macro expansion's line is reported in its body)."""
        return None if self.pos is None else _file_position(self.pos)

    def format(self) -> str:
        pos = self.pos
        if pos is None:
            out = [f"toyasm: {self.severity}: {self.message}"]
        else:
            out = _located(self.where, f"{self.severity}: {self.message}", pos)
            origin = pos.source.origin
            while origin is not None:   # the chain of macro calls that led here
                what = f"'{origin.macro}'" if origin.macro.startswith(".") else \
                    f"macro '{origin.macro}'"
                call = origin.call
                out += _located(_file_position(call), f"note: in expansion of {what}", call)
                origin = call.source.origin
        for note in self.notes:
            out.append(note.format())
        return "\n".join(out)


def _located(where: Position, text: str, pos: Position) -> list[str]:
    """``file:line:col: text``, the source line, and a caret under the column."""
    line = pos.source.line_text(pos.line)
    return [f"{where.source.name}:{where.line}:{where.col}: {text}", line, _caret(line, pos.col)]


def _file_position(pos: Position) -> Position:
    """An expanded macro line is reported at the line of the macro body it came from."""
    origin = pos.source.origin
    if origin is None:
        return pos
    return _file_position(Position(origin.def_source, origin.def_line + pos.line, pos.col))


def _caret(text: str, col: int) -> str:
    # Keep tabs so the caret lines up under the same column on a terminal.
    prefix = "".join(c if c == "\t" else " " for c in text[:max(col - 1, 0)])
    return prefix + "^"


class AsmErrors(Exception):
    """Everything that went wrong in one assembler run (errors; warnings ride along)."""

    def __init__(self, diagnostics: list[Diagnostic]):
        # Once each (a statement in a .rept body fails the same way every time round) ...
        seen = set()
        unique = []
        for d in diagnostics:
            key = (d.severity, d.message, d.pos)
            if key not in seen:
                seen.add(key)
                unique.append(d)
        diagnostics = unique
        # ... by file (in the order the files were read), then by line and column.
        rank: dict[str, int] = {}
        for d in diagnostics:
            if d.where is not None:
                rank.setdefault(d.where.source.name, len(rank))

        def key(d: Diagnostic) -> tuple:
            w = d.where
            return (-1, 0, 0) if w is None else (rank[w.source.name], w.line, w.col)

        self.diagnostics = sorted(diagnostics, key=key)
        super().__init__(f"{len(self.errors)} error(s)")

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def __str__(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)
