"""toyvm grade: a class of submissions -- good, not assembling, crashing, runaway, hanging,
memory-hungry, interpreter-killing -- graded in parallel; each gets its own verdict with a
message a student can act on, none stops the others, and the results files are the same
whatever the parallelism."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOYVM = [sys.executable, "-m", "vmm.cli"]

HELLO = """
_start:
    li t0, CONSOLE_TX
    li t1, 'h'
    sw t1, 0(t0)
    li t1, '\\n'
    sw t1, 0(t0)
    li t0, POWER_OFF
    sw zero, 0(t0)
"""
SUITE = """
[defaults]
max_instructions = 20000
timeout = 20
memory = "700M"

[[test]]
name = "prints"
output = "h\\n"
modes = ["bare", "trap"]

[[test]]
name = "checked"
check = "check.py:says_h"
points = 2
"""
CHECK = '''
def says_h(result):
    if not result.output.startswith(b"h"):
        return f"expected the output to start with h, got {result.output[:10]!r}"
'''
STRATEGY_SUITE = """
[defaults]
timeout = 0.5
memory = "400M"
[[test]]
name = "strategy"
image = "kernel.s"
output = "h\\n"
modes = ["{submission}:Lab"]
"""
STRATEGIES = {
    "good.py": "from vmm.monitor.strategies.bt import BinaryTranslation\nclass Lab(BinaryTranslation):\n    pass\n",
    "hog.py": ("from vmm.monitor.strategies.base import TrapAndEmulate\nclass Lab(TrapAndEmulate):\n"
               "    def __init__(self, guest):\n        self.x = [bytearray(1 << 20) for _ in range(10 ** 5)]\n"),
    "hang.py": ("import time\nfrom vmm.monitor.strategies.base import TrapAndEmulate\nclass Lab(TrapAndEmulate):\n"
                "    def __init__(self, guest):\n        while True:\n            time.sleep(0.01)\n"),
    "abort.py": ("import os\nfrom vmm.monitor.strategies.base import TrapAndEmulate\nclass Lab(TrapAndEmulate):\n"
                 "    def __init__(self, guest):\n        os.abort()\n"),
    "missing.py": "x = 1\n",
}


def grade(*args, cwd):
    return subprocess.run(TOYVM + ["grade", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    """Six kernel submissions, graded bare and under the monitor, twice (-j 1, -j 2)."""
    tmp = tmp_path_factory.mktemp("grade")
    subs = tmp / "subs"
    subs.mkdir()
    (subs / "alice.s").write_text(HELLO)
    (subs / "bob.s").write_text("_start:\n    addi a0, a0\n")
    (subs / "carol.s").write_text("_start:\n    lw t0, 0(zero)\n")            # no trap handler: crash
    (subs / "dave.s").write_text("_start:\n    j _start\n")                  # runaway
    (subs / "erin").mkdir()                                                 # a directory of sources
    (subs / "erin" / "main.s").write_text(HELLO.replace("'h'", "'H'"))
    # a .S file: the C preprocessor first (toyasm build does the same)
    (subs / "frank.S").write_text("#define LETTER 'h'\n" + HELLO.replace("'h'", "LETTER"))
    (tmp / "tests.toml").write_text(SUITE)
    (tmp / "check.py").write_text(CHECK)
    one = grade("subs", "tests.toml", "-j", "1", "--json", "one.json", "--csv", "r.csv", "--junit", "r.xml",
                cwd=tmp)
    two = grade("subs", "tests.toml", "-j", "2", "--json", "two.json", cwd=tmp)
    return tmp, one, two


def runs(tmp, name="one.json"):
    data = json.loads((tmp / name).read_text())
    return {(s["name"], r["test"], r["mode"]): r for s in data["submissions"] for r in s["runs"]}, data


def test_each_submission_gets_its_own_verdict(kernels):
    tmp, one, _ = kernels
    assert one.returncode == 1, one.stderr
    results, data = runs(tmp)
    assert {s["name"]: s["score"] for s in data["submissions"]} == {"alice": 4, "bob": 0, "carol": 0, "dave": 0,
                                                                    "erin": 0, "frank": 4}
    assert all(r["outcome"] == "pass" for (name, _, _), r in results.items() if name == "alice")
    bob = results["bob", "prints", "bare"]
    assert bob["outcome"] == "error" and "bob.s:2:5: error: 'addi' takes 3 operands" in bob["message"]
    carol = results["carol", "prints", "trap"]
    assert (carol["outcome"], carol["stopped"], carol["status"]) == ("fail", "crash", 125)
    assert carol["message"].startswith("the run crashed (status 125)\ntoyvm: guest1: trap loop")
    assert "and its output line 1 differs" in carol["message"]
    dave = results["dave", "prints", "bare"]
    assert (dave["stopped"], dave["status"], dave["instructions"]) == ("limit", 124, 20000)
    assert "ran out of instructions" in dave["message"]
    erin = results["erin", "prints", "bare"]
    assert "output line 1 differs" in erin["message"] and "'H'" in erin["message"]
    assert "expected the output to start with h" in results["erin", "checked", "bare"]["message"]
    assert "Traceback" not in one.stdout + one.stderr


def test_results_do_not_depend_on_parallelism(kernels):
    tmp, _, two = kernels
    assert two.returncode == 1
    assert (tmp / "one.json").read_bytes() == (tmp / "two.json").read_bytes()


def test_csv_and_junit_say_the_same(kernels):
    tmp, _, _ = kernels
    results, _ = runs(tmp)
    rows = list(csv.DictReader(io.StringIO((tmp / "r.csv").read_text())))
    assert len(rows) == len(results) == 6 * 3
    assert {(r["submission"], r["test"], r["mode"]): r["outcome"] for r in rows} == \
           {k: r["outcome"] for k, r in results.items()}
    root = ET.parse(tmp / "r.xml").getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert suites["alice"].get("failures") == "0" and suites["bob"].get("errors") == "3"
    assert suites["carol"].find("testcase/failure") is not None


def test_summary_table_and_messages_on_stdout(kernels):
    _, one, _ = kernels
    assert "alice" in one.stdout and "4/4" in one.stdout
    assert "dave: prints [bare]: fail" in one.stdout


def test_hostile_strategy_files_never_stop_the_others(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name, text in STRATEGIES.items():
        (subs / name).write_text(text)
    (tmp_path / "kernel.s").write_text(HELLO)
    (tmp_path / "tests.toml").write_text(STRATEGY_SUITE)
    r = grade("subs", "tests.toml", "--json", "r.json", cwd=tmp_path)
    results, _ = runs(tmp_path, "r.json")
    outcome = {name: (r["outcome"], r["message"]) for (name, _, _), r in results.items()}
    assert outcome["good"] == ("pass", "")
    assert outcome["hog"] == ("error", "ran out of memory (the limit is 400 MiB)")
    assert outcome["hang"][0] == "fail" and "ran out of time" in outcome["hang"][1]
    assert outcome["abort"][0] == "error" and "died (signal 6)" in outcome["abort"][1]
    assert outcome["missing"] == ("error", "subs/missing.py: no class Lab")
    assert r.returncode == 1


@pytest.mark.parametrize("text, message", [
    ("[[test]]\nname = 'a'\nouput = 'x'\n", "tests.toml: test 'a': unknown key 'ouput'"),
    ("[[test]]\nname = 'a'\nmodes = ['fast']\n", "test 'a': modes 'fast' is not a mode"),
    ("[[test]]\nname = 'a'\nstatus = 300\n", "test 'a': status must be an exit status 0..255, not 300"),
    ("[defaults]\ntimeout = -1\n[[test]]\nname = 'a'\n", "tests.toml: [defaults]: timeout must be a positive number"),
    ("x = 1\n", "tests.toml: unknown key 'x'"),
])
def test_a_mistake_in_the_suite_is_a_usage_error_naming_it(tmp_path, text, message):
    (tmp_path / "subs").mkdir()
    (tmp_path / "tests.toml").write_text(text)
    r = grade("subs", "tests.toml", cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
