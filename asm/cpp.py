"""The C preprocessor for ``.S`` files, run as compiler drivers run it (``clang -c x.S``,
``gcc -c x.S``): toyasm, like GNU as, does not preprocess, so it runs the host's preprocessor on
a file whose name ends in ``.S`` (a capital S, the drivers' convention for "assembly with cpp")
and reads the line markers in its output (``# 12 "env/riscv_test.h"``), so that every message,
the listing's source lines and the DWARF line table name the file and line the user wrote.

Which preprocessor: clang for riscv32 when it is installed (it predefines what the target's
compiler would: ``__riscv``, ``__riscv_xlen`` = 32, ...), else GNU ``cpp`` (told ``__riscv`` and
``__riscv_xlen`` = 32, and none of the host's predefined macros). ``-I`` directories
and ``-D`` macros are passed to it. Bounded: at most MAX_OUTPUT characters of output, and
TIMEOUT seconds (a recursive ``#include`` is the preprocessor's to refuse).
"""
from __future__ import annotations

import re

PREPROCESSORS = (("clang", "--target=riscv32", "-march=rv32im", "-E", "-x", "assembler-with-cpp"),
                 # GNU cpp is the host's: none of its own predefined macros, the target's basics
                 ("cpp", "-x", "assembler-with-cpp", "-undef", "-D__riscv=1", "-D__riscv_xlen=32"))
MAX_OUTPUT = 16 << 20            # characters of preprocessed text
MAX_MESSAGES = 20                # lines of the preprocessor's own errors shown
TIMEOUT = 60                     # seconds
_MARKER = re.compile(r'#\s*(?:line\s+)?(\d+)\s+"((?:[^"\\]|\\.)*)"(?:\s+\d+)*')


class PreprocessError(Exception):
    """The file could not be preprocessed: why, and the preprocessor's own messages (lines)."""

    def __init__(self, message: str, said: list[str] = ()):
        super().__init__(message)
        self.said = list(said)


def wants_preprocessing(path) -> bool:
    return str(path).endswith(".S")


def preprocess(path: str, include_dirs=(), defines=()) -> tuple[str, list[tuple[str, int] | None]]:
    """The preprocessed text of ``path``, its line-marker lines left empty, and for each of its
    lines the (file, line) it came from. ``defines``: "NAME" or "NAME=VALUE" strings (``-D``)."""
    import shutil       # here: only a .S file pays for these imports
    import subprocess
    command = next((c for c in PREPROCESSORS if shutil.which(c[0])), None)
    if command is None:
        raise PreprocessError(f"'{path}' needs the C preprocessor (a .S file), and neither clang "
                              "nor cpp is installed: install one, or give the preprocessed text as a .s file")
    # a file named like an option (-o.S) is given as ./-o.S, so that it stays a file name
    argv = [*command, *(f"-I{d}" for d in include_dirs), *(f"-D{d}" for d in defines),
            f"./{path}" if str(path).startswith("-") else str(path)]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise PreprocessError(f"preprocessing '{path}' took more than {TIMEOUT} s") from None
    except OSError as e:
        raise PreprocessError(f"cannot run {command[0]}: {e.strerror or e}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").splitlines()
        shown = said[:MAX_MESSAGES] + ([f"({len(said) - MAX_MESSAGES} more lines)"] if len(said) > MAX_MESSAGES else [])
        raise PreprocessError(f"{command[0]} could not preprocess '{path}':", shown)
    if len(done.stdout) > MAX_OUTPUT:
        raise PreprocessError(f"'{path}' preprocessed is more than {MAX_OUTPUT} characters")
    return read_line_markers(done.stdout.decode("utf-8", "replace"), str(path))


def read_line_markers(text: str, path: str) -> tuple[str, list[tuple[str, int] | None]]:
    """Blank each line marker of preprocessed ``text`` and say, per line, where it came from
    (None for a marker's own line)."""
    lines: list[str] = []
    origins: list[tuple[str, int] | None] = []
    file, line = path, 1
    for raw in text.split("\n"):
        marker = _MARKER.fullmatch(raw.rstrip()) if raw.startswith("#") else None
        if marker is not None:
            origins.append(None)
            file, line = re.sub(r"\\(.)", r"\1", marker.group(2)), int(marker.group(1))
            lines.append("")
            continue
        origins.append((file, line))
        lines.append(raw)
        line += 1
    return "\n".join(lines), origins
