"""One run's verdict: does the run's GuestResult meet the test case? A message a student can act
on when it does not: where the output first differs, how the run ended against how it should
have, the first lines of the crash report, or what the teacher's check function says."""
from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

from ..session.result import how

REPORT_LINES = 4              # lines of a crash report quoted in a message
SHOW = 60                     # characters of a line quoted


def _quote(line: bytes) -> str:
    text = line.decode("utf-8", "backslashreplace")
    return repr(text if len(text) <= SHOW else text[:SHOW] + "...")


def first_difference(expected: bytes, got: bytes) -> str:
    """Where ``got`` first differs from ``expected``, line by line."""
    want, have = expected.split(b"\n"), got.split(b"\n")
    for number, (a, b) in enumerate(zip(want, have), 1):
        if a != b:
            return f"output line {number} differs:\n  expected {_quote(a)}\n  got      {_quote(b)}"
    if len(want) > len(have):
        return f"output ends early: line {len(have)} is its last; expected next {_quote(want[len(have)])}"
    return f"output goes on past the expected end: line {len(want) + 1} is {_quote(have[len(want)])}"


def _ended(result) -> str:
    text = f"the run {how(result.stopped, result.status)}"
    if result.stopped in ("crash", "limit") and result.report:
        text += "\n" + "\n".join(result.report.splitlines()[:REPORT_LINES])
    return text


def verdict(case, result, run=None) -> str | None:
    """None when the run passes, else why not. ``run``: what was run (image, modules, input,
    mem, max_instructions, as paths and values), for a check function that takes it."""
    expected_end = case.stopped is not None or case.status is not None
    if case.stopped is not None and result.stopped != case.stopped:
        return f"{_ended(result)}; expected it to end with {case.stopped}"
    if case.status is not None and result.status != case.status:
        return f"{_ended(result)}; expected exit status {case.status}"
    if case.output is not None and result.output != case.output:
        message = first_difference(case.output, result.output)
        return message if result.ok or expected_end else f"{_ended(result)}\nand its {message}"
    if case.output_contains is not None:
        for piece in case.output_contains:
            if piece not in result.output:
                message = f"output lacks {_quote(piece)}"
                return f"the {message}" if result.ok or expected_end else f"{_ended(result)}\nand its {message}"
    if case.check is not None:
        return run_check(case.check, result, run)
    if not expected_end and not result.ok:
        return _ended(result)
    return None


def run_check(spec: str, result, run=None) -> str | None:
    """The teacher's FILE.py:FUNCTION on the result -- ``function(result)``, or
    ``function(result, run)`` when it takes two arguments (``run``: what was run, e.g. to run the
    same on the bare machine as the reference) -- None or True passes; a string, False or an
    AssertionError fails (with its message); any other exception is reported as the check's
    own failure, naming it."""
    file, _, name = spec.rpartition(":")
    module_spec = importlib.util.spec_from_file_location(f"toyvm_grade_check_{Path(file).stem}", file)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
        function = getattr(module, name)
    except Exception as e:
        return f"the check {spec} does not load: {type(e).__name__}: {e}"
    try:
        takes_run = len(inspect.signature(function).parameters) >= 2
        answer = function(result, run) if takes_run else function(result)
    except AssertionError as e:
        return str(e) or f"{name} failed"
    except Exception as e:
        return f"the check {name} failed on this run: {type(e).__name__}: {e}"
    if answer is None or answer is True:
        return None
    if answer is False:
        return f"{name} failed"
    return str(answer)
