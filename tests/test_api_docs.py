"""docs/api.md's examples are run: every ```pycon block, in order in one namespace, as doctests
(the output each shows is compared exactly), from the repository root after `make programs`."""
from __future__ import annotations

import doctest
import fcntl
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "api.md"
BLOCK = re.compile(r"^```pycon\n(.*?)^```$", re.S | re.M)


@pytest.fixture(scope="module")
def built_programs():
    (ROOT / "build").mkdir(exist_ok=True)
    with open(ROOT / "build" / ".doc-commands.lock", "w") as lock:   # the lock test_doc_commands takes
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = subprocess.run(["make", "-s", "programs", f"BIN={Path(sys.executable).parent}", "STAMP="],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stdout + made.stderr


def test_every_api_example_prints_what_the_doc_shows(built_programs, monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = BLOCK.findall(DOC.read_text())
    assert len(blocks) >= 8
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    namespace: dict = {}
    for number, text in enumerate(blocks, 1):
        test = parser.get_doctest(text, namespace, f"docs/api.md block {number}", str(DOC), 0)
        result = runner.run(test, out=sys.stdout.write, clear_globs=False)
        namespace.update(test.globs)        # (a DocTest works on a copy of the names it is given)
        assert result.failed == 0, f"docs/api.md block {number}: see the output above"
