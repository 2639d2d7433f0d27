"""Diagnostics: where in which source a problem is, and how it is printed.

Every message is ``file:line:col: error: message``, then the source line and a caret under
the column, the way GNU as and llvm-mc print them. The assembler collects the diagnostics of
a run in ``Diagnostics`` and raises them together as ``AsmErrors``.

Whatever the input, the report stays small: a run stops after ``MAX_ERRORS`` errors (as gcc's
-fmax-errors), a kind of warning is shown ``MAX_SIMILAR_WARNINGS`` times and then counted,
and a long source line is shown as a window around the caret.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

MAX_ERRORS = 50               # then the run stops
MAX_SIMILAR_WARNINGS = 10     # warnings with the same message shown; the rest are counted
MAX_WARNINGS = 100            # warnings of all kinds shown; the rest are counted
MAX_SHOWN_LINE = 160          # characters of a source line shown under a message
MAX_SHOWN_MESSAGE = 400       # characters of a message (which may quote the source)
MAX_SHOWN_CALLS = 10          # macro calls in the chain under a message: the first and last 5


class AsmError(Exception):
    """A problem with one statement. ``at``: an operand index of the statement, a token of
    it (a ``str`` with a column), or None for the statement itself. ``fatal``: the run cannot
    usefully go on (a limit of the whole run was reached)."""

    def __init__(self, message: str, at=None, notes: list["Diagnostic"] | None = None,
                 fatal: bool = False):
        super().__init__(message)
        self.at = at
        self.notes = notes or []
        self.fatal = fatal


class StopRun(Exception):
    """The run ends here (too many errors, or a fatal one); what was collected is reported."""


class Source:
    """A piece of assembly text: a file, or the text of one macro expansion.

    ``origin`` is set for an expansion: the statement that invoked the macro, and the
    buffer/line where the macro body was defined (expanded line k is defined at ``def_line + k``).
    ``line_map`` is set for the C preprocessor's output (a .S file, asm/cpp.py): per line, the
    (file, line) it came from, or None for a line marker's own (blanked) line.
    """

    __slots__ = ("name", "text", "origin", "line_map", "_lines")

    def __init__(self, name: str, text: str, origin: "Expansion | None" = None,
                 line_map: "list[tuple[str, int] | None] | None" = None):
        self.name = name
        self.text = text
        self.origin = origin
        self.line_map = line_map
        self._lines: list[str] | None = None

    def written_at(self, line: int) -> tuple[str, int]:
        """(file name, line) where ``line`` of this text was written: itself, or for preprocessed
        text the file and line its line marker gives."""
        if self.line_map is not None and 1 <= line <= len(self.line_map):
            return self.line_map[line - 1] or (self.name, line)   # (None: a marker's own line)
        return self.name, line

    def line_text(self, line: int) -> str:
        if self._lines is None:
            self._lines = self.text.split("\n")
        if 1 <= line <= len(self._lines):
            return self._lines[line - 1].rstrip("\r")
        return ""


@dataclass(frozen=True, slots=True)
class Expansion:
    macro: str
    call: "Position"          # where the macro was invoked
    def_source: Source        # where its body is written
    def_line: int             # line of the .macro header


@dataclass(frozen=True, slots=True)
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
        message = _shorten(self.message)
        if pos is None:
            out = [f"toyasm: {self.severity}: {message}"]
        else:
            out = _located(self.where, f"{self.severity}: {message}", pos)
            out += _call_chain(pos)
        for note in self.notes:
            out.append(note.format())
        return "\n".join(out)


def _call_chain(pos: Position) -> list[str]:
    """A note for each macro call that led to ``pos``, innermost first; of a long chain (a
    macro that calls itself) the first and the last MAX_SHOWN_CALLS // 2."""
    calls = []
    origin = pos.source.origin
    while origin is not None:
        calls.append(origin)
        origin = origin.call.source.origin
    half = MAX_SHOWN_CALLS // 2
    out = []
    for k, origin in enumerate(calls):
        if len(calls) > MAX_SHOWN_CALLS and k == half:
            out.append(f"toyasm: note: ({len(calls) - 2 * half} more macro calls not shown)")
        if len(calls) > MAX_SHOWN_CALLS and half <= k < len(calls) - half:
            continue
        what = f"'{origin.macro}'" if origin.macro.startswith(".") else f"macro '{origin.macro}'"
        call = origin.call
        out += _located(_file_position(call), f"note: in expansion of {what}", call)
    return out


def _located(where: Position, text: str, pos: Position) -> list[str]:
    """``file:line:col: text``, the source line, and a caret under the column."""
    line, col = _window(pos.source.line_text(pos.line), pos.col)
    return [f"{where.source.name}:{where.line}:{where.col}: {text}", line, _caret(line, col)]


def _window(line: str, col: int) -> tuple[str, int]:
    """At most MAX_SHOWN_LINE characters of ``line`` around ``col`` (marked '...' where cut),
    and the column of the caret in what is shown."""
    if len(line) <= MAX_SHOWN_LINE:
        return line, col
    half = MAX_SHOWN_LINE // 2
    start = max(0, min(col - 1 - half, len(line) - MAX_SHOWN_LINE))
    end = start + MAX_SHOWN_LINE
    head = "..." if start > 0 else ""
    tail = "..." if end < len(line) else ""
    return head + line[start:end] + tail, col - start + len(head)


def _shorten(message: str) -> str:
    if len(message) <= MAX_SHOWN_MESSAGE:
        return message
    return message[:MAX_SHOWN_MESSAGE] + f"... ({len(message) - MAX_SHOWN_MESSAGE} more characters)"


def _file_position(pos: Position) -> Position:
    """An expanded macro line is reported at the line of the macro body it came from (a
    loop: the chain of expansions is as deep as the nesting of macros); a preprocessed line
    where the preprocessor's line marker says it was written."""
    origin = pos.source.origin
    while origin is not None:
        pos = Position(origin.def_source, origin.def_line + pos.line, pos.col)
        origin = pos.source.origin
    if pos.source.line_map is not None:
        name, line = pos.source.written_at(pos.line)
        pos = Position(Source(name, ""), line, pos.col)
    return pos


def _caret(text: str, col: int) -> str:
    # Keep tabs so the caret lines up under the same column on a terminal.
    prefix = "".join(c if c == "\t" else " " for c in text[:max(col - 1, 0)])
    return prefix + "^"


class Diagnostics:
    """The diagnostics of one run, kept bounded.

    ``add`` drops a diagnostic it already has (a statement of a .rept body fails the same way
    every time round), counts a warning beyond MAX_SIMILAR_WARNINGS of its kind (its message)
    or beyond MAX_WARNINGS in all instead of keeping it, and raises StopRun at the MAX_ERRORS-th
    error. ``report()`` is what to print: sorted, each counted kind summed up in a note."""

    def __init__(self):
        self.kept: list[Diagnostic] = []
        self.errors = 0
        self._seen: set = set()
        self._warnings = 0
        self._per_kind: dict[str, int] = {}        # warning message -> kept
        self._suppressed: dict[str, int] = {}      # warning message -> counted, not kept
        self._suppressed_other = 0                 # warnings past MAX_WARNINGS of a new kind

    def add(self, d: Diagnostic) -> None:
        key = (d.severity, d.message, d.pos)
        if key in self._seen:
            return
        if d.severity == "warning" and not self._keep_warning(d.message):
            return
        self._seen.add(key)
        self.kept.append(d)
        if d.severity == "error":
            self.errors += 1
            if self.errors >= MAX_ERRORS:
                raise StopRun

    def extend(self, diagnostics) -> None:
        for d in diagnostics:
            self.add(d)

    def _keep_warning(self, message: str) -> bool:
        kept = self._per_kind.get(message, 0)
        if kept < MAX_SIMILAR_WARNINGS and self._warnings < MAX_WARNINGS:
            self._per_kind[message] = kept + 1
            self._warnings += 1
            return True
        if kept:
            self._suppressed[message] = self._suppressed.get(message, 0) + 1
        else:
            self._suppressed_other += 1
        return False

    def report(self) -> list[Diagnostic]:
        """Everything kept, in order, with a note after the last warning of each kind that
        was cut short, and one at the end for whatever else was left out."""
        out = sorted_diagnostics(self.kept)
        last_of_kind = {d.message: k for k, d in enumerate(out) if d.severity == "warning"}
        for message, n in self._suppressed.items():
            k = last_of_kind[message]
            note = Diagnostic("note", f"{n} more warning{'s' * (n != 1)} like this suppressed")
            out[k] = replace(out[k], notes=[*out[k].notes, note])
        if self._suppressed_other:
            n = self._suppressed_other
            out.append(Diagnostic("note", f"{n} more warning{'s' * (n != 1)} of other kinds "
                                  f"suppressed (at most {MAX_WARNINGS} are shown)"))
        if self.errors >= MAX_ERRORS:
            out.append(Diagnostic("note", f"stopping after {MAX_ERRORS} errors"))
        return out


def sorted_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """By file (in the order the files were read), then by line and column; what has no
    position: errors first (a file that cannot be read), notes last (summaries)."""
    rank: dict[str, int] = {}
    for d in diagnostics:
        if d.where is not None:
            rank.setdefault(d.where.source.name, len(rank))
    last = len(rank)

    def key(d: Diagnostic) -> tuple:
        w = d.where
        if w is None:
            return (last, 0, 0) if d.severity == "note" else (-1, 0, 0)
        return (rank[w.source.name], w.line, w.col)

    return sorted(diagnostics, key=key)


class AsmErrors(Exception):
    """Everything that went wrong in one assembler run (errors; warnings ride along)."""

    def __init__(self, diagnostics: list[Diagnostic]):
        unique = {}
        for d in diagnostics:   # once each (see Diagnostics.add)
            unique.setdefault((d.severity, d.message, d.pos), d)
        self.diagnostics = sorted_diagnostics(list(unique.values()))
        super().__init__(f"{len(self.errors)} error(s)")

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def __str__(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)
