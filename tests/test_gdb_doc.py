"""docs/debugging.md's gdb sessions are real: each ```gdb block is run again here -- the kernel
built as the doc says, toyvm started with the ``toyvm run --gdb 1234 ...`` line of the ```sh block
before it (on a free port instead of 1234), every ``(gdb)`` command sent by gdb-multiarch -batch
-- and gdb's output after each command, and then toyvm's console output (the ```text block after
it), must be what the doc shows."""
from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from gdb_session import ROOT, needs_gdb, run_gdb

pytestmark = needs_gdb
DOC = ROOT / "docs" / "debugging.md"
MARK = "@@@gdb-doc@@@"
PORT = "1234"


def blocks(text: str) -> list[tuple[str, list[str]]]:
    found, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        body, i = [], i + 1
        while i < len(lines) and lines[i] != "```":
            body.append(lines[i])
            i += 1
        found.append((m.group(1), body))
        i += 1
    return found


def sessions() -> list[tuple[list[str], list[tuple[str, list[str]]], list[str]]]:
    """(toyvm arguments, [(gdb command, output lines)], toyvm's console output) per session."""
    result, found = [], blocks(DOC.read_text())
    for k, (language, body) in enumerate(found):
        if language != "gdb":
            continue
        shell = next(b for lang, b in reversed(found[:k]) if lang == "sh")
        start = next(line for line in shell if line.startswith(f"toyvm run --gdb {PORT} "))
        args = shlex.split(start.rstrip(" &"))[4:]
        steps = []
        for line in body:
            if line.startswith("(gdb) "):
                steps.append((line[6:], []))
            else:
                steps[-1][1].append(line)
        console = found[k + 1][1] if k + 1 < len(found) and found[k + 1][0] == "text" else []
        result.append((args, steps, console))
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Run the doc's build commands (``toyasm build ...``) in a scratch directory."""
    d = tmp_path_factory.mktemp("gdbdoc")
    for language, body in blocks(DOC.read_text()):
        if language == "sh":
            for line in body:
                if line.startswith("toyasm build "):
                    args = shlex.split(line)
                    args = [str(ROOT / a) if a.startswith("programs/") else a for a in args]
                    subprocess.run([str(Path(__import__("sys").executable).parent / "toyasm")] + args[1:], cwd=d,
                                   check=True)
    return d


@pytest.mark.parametrize("index", range(len(sessions())))
def test_the_docs_gdb_session_is_what_gdb_prints(built, index):
    args, steps, console = sessions()[index]
    assert steps[0][0] == f"target remote :{PORT}"
    elf = built / args[-1]
    commands = []
    for command, _ in steps[1:]:
        commands += [f"echo {MARK}\\n", command]
    s = run_gdb(elf, commands, args, architecture=False, cwd=built)
    chunks = s.gdb.split(MARK + "\n")
    assert len(chunks) == len(steps), s.gdb
    for (command, expected), got in zip(steps, chunks):
        got_lines = [line.rstrip() for line in got.rstrip("\n").split("\n")] if got.strip() else []
        assert got_lines == [line.rstrip() for line in expected], f"(gdb) {command}\n{got}"
    assert s.stdout.decode().splitlines() == console
