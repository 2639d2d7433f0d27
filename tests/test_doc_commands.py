"""Every command the docs show is run here, and its output compared with the doc's, so no doc goes stale.

The format, for README.md and every docs/**/*.md: a fenced block opened with ```console holds
commands (lines starting with `$ `, continued by a trailing backslash) each followed by its expected
output (stdout and stderr together), up to the next `$ ` line or the end of the block. A line that
is only `...` stands for any number of lines; a line ending in ` ...` stands for any line that
starts with the text before it. Commands run with bash in a scratch directory that links every
top-level entry of the repository (so `build/`, `programs/` and `docs/` are where the doc says and
anything a command writes lands in the scratch directory), after `make programs`, with the
interpreter's bin directory (toyasm, toyvm) first on PATH.
"""
from __future__ import annotations

import difflib
import fcntl
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^(`{3,})(\S*)\s*$")
COMMAND_TIMEOUT = 120   # seconds: a doc's command is quick; this only stops a hang from hanging the suite


@dataclass(frozen=True)
class Step:
    line: int            # where the command starts in the doc, 1-based
    command: str
    expected: tuple[str, ...]


def console_blocks(path: Path) -> list[tuple[int, list[Step]]]:
    """The doc's ```console blocks, each as (first line, its steps)."""
    blocks, lines = [], path.read_text().splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, language, start = opening.group(1), opening.group(2), i + 1
        i += 1
        body = []
        while i < len(lines) and lines[i].rstrip() != fence:
            body.append((i + 1, lines[i]))
            i += 1
        i += 1
        if language == "console":
            blocks.append((start, parse_steps(path, body)))
    return blocks


def parse_steps(path: Path, body: list[tuple[int, str]]) -> list[Step]:
    steps: list[Step] = []
    command: list[str] | None = None
    at, expected = 0, []

    def finish():
        if command is not None:
            steps.append(Step(at, "\n".join(command), tuple(expected)))

    continued = False
    for number, text in body:
        if continued:
            command.append(text)
            continued = text.endswith("\\")
        elif text.startswith("$ "):
            finish()
            command, at, expected = [text[2:]], number, []
            continued = text.endswith("\\")
        elif command is None:
            raise AssertionError(f"{path.name}:{number}: a console block must start with a `$ ` command")
        else:
            expected.append(text.rstrip())
    finish()
    return steps


def matches(expected: tuple[str, ...], actual: list[str]) -> bool:
    """Whether the actual lines fit the expected ones, `...` lines and ` ...` endings included."""
    @lru_cache(maxsize=None)
    def fit(i: int, j: int) -> bool:
        if i == len(expected):
            return j == len(actual)
        want = expected[i]
        if want.strip() == "...":
            return any(fit(i + 1, k) for k in range(j, len(actual) + 1))
        if j == len(actual):
            return False
        if want.endswith(" ..."):
            same = actual[j].startswith(want[:-4])
        else:
            same = actual[j] == want
        return same and fit(i + 1, j + 1)
    return fit(0, 0)


def all_blocks():
    for path in DOCS:
        for start, steps in console_blocks(path):
            yield pytest.param(steps, id=f"{path.relative_to(ROOT)}:{start}")


@pytest.fixture(scope="session")
def built_programs():
    """`make programs` once per run; the lock keeps xdist's workers from building at the same time."""
    (ROOT / "build").mkdir(exist_ok=True)
    with open(ROOT / "build" / ".doc-commands.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # BIN and an empty STAMP: use this interpreter's toyasm, never reinstall from inside the suite.
        made = subprocess.run(["make", "-s", "programs", f"BIN={BIN}", "STAMP="], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stdout + made.stderr


@pytest.fixture
def scratch(tmp_path):
    for entry in ROOT.iterdir():
        if not entry.name.startswith("."):
            (tmp_path / entry.name).symlink_to(entry)
    return tmp_path


@pytest.mark.parametrize("steps", list(all_blocks()))
def test_doc_command_output_is_what_the_doc_shows(steps, built_programs, scratch):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", COLUMNS="100",
               NO_COLOR="1", TERM="dumb")
    for step in steps:
        ran = subprocess.run(["bash", "-c", step.command], cwd=scratch, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=COMMAND_TIMEOUT)
        actual = [line.rstrip() for line in ran.stdout.splitlines()]
        if not matches(step.expected, actual):
            diff = "\n".join(difflib.unified_diff(list(step.expected), actual, "doc", "actual", lineterm=""))
            pytest.fail(f"line {step.line}: `{step.command}` printed something else than the doc shows:\n{diff}")


def test_matching_rules():
    assert matches(("a", "...", "d"), ["a", "b", "c", "d"])
    assert matches(("a", "...", "d"), ["a", "d"])
    assert not matches(("a", "...", "d"), ["a", "b"])
    assert matches(("x = 1 ...",), ["x = 1, y = 2"])
    assert not matches(("x = 1 ...",), ["x = 2"])
    assert not matches(("a",), ["a", "b"])
