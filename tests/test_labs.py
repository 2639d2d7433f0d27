"""The labs (docs/labs/): each skeleton is made from the project's own code, and each lab's own
suite, run through `toyvm grade`, gives the reference solution full marks, fails the empty
skeleton, and fails plausible wrong solutions with a message that points at the mistake."""
from __future__ import annotations

import fcntl
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vmm.grade.labs import LABS, LabError, blank

ROOT = Path(__file__).resolve().parents[1]
TOYVM = [sys.executable, "-m", "vmm.cli"]

# lab -> {wrong solution: (kit file, reference text, wrong text)}
WRONG = {
    "kernel": {
        "user-cannot-touch": ("vm.s", "ori     a2, a0, PTE_V | PTE_R | PTE_W | PTE_U", "ori     a2, a0, PTE_V | PTE_R | PTE_W"),
        "not-in-table": ("syscall.s", "    .word SYS_SLEEP_TICKS, sys_sleep\n", ""),
    },
    "shadow": {
        "all-permissions": ("shadow_lab.py", "flags = RWX if shadow.key == PHYSICAL else leaf & RWX", "flags = RWX"),
        "no-new-epoch": ("shadow_lab.py", "            self.epoch += 1\n", "            pass\n"),
    },
    "dispatch": {
        "emulate-user-mode": ("dispatch_lab.py", "if cause == PRIVILEGED_INSTRUCTION and not guest.vcpu.psw & PSW_U:",
                              "if cause == PRIVILEGED_INSTRUCTION:"),
        "reflect-virtualization-traps": ("dispatch_lab.py",
                                         "elif cause == VIRTUALIZATION_TRAP:\n            self.virtualization_trap(guest, tval)",
                                         "elif False:\n            pass"),
    },
}
# lab -> {submission: {test: a piece of the message}}: what each must fail, and why
EXPECTED = {
    "kernel": {
        "skeleton": {"sleep": "did not sleep between its ticks", "heap": "must be served by demand_zero"},
        "user-cannot-touch": {"heap": "killed: PAGE_FAULT"},
        "not-in-table": {"sleep": "is it in syscall_table?"},
    },
    "shadow": {
        "skeleton": {test: "after a fill the access must succeed" for test in
                     ("fill", "permissions", "invalidation", "many-processes", "binary-translation")},
        "all-permissions": {"permissions": "may carry only the R/W/X of the guest's leaf"},
        "no-new-epoch": {"invalidation": "a translation outlived the guest's tlbflush",
                         "many-processes": "a translation outlived the guest's tlbflush"},
    },
    "dispatch": {
        "skeleton": {test: "the monitor passed the guest a trap" for test in
                     ("emulate", "reflect", "true-faults", "devices", "virtualization-trap")},
        "emulate-user-mode": {"reflect": "was not reflected"},
        "reflect-virtualization-traps": {"virtualization-trap": "goes to virtualization_trap"},
    },
}


@pytest.fixture(scope="module")
def built_programs():
    (ROOT / "build").mkdir(exist_ok=True)
    with open(ROOT / "build" / ".doc-commands.lock", "w") as lock:   # the lock test_doc_commands takes
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = subprocess.run(["make", "-s", "programs", f"BIN={Path(sys.executable).parent}", "STAMP="],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stdout + made.stderr


def kit(name: str, folder: Path, reference: bool = False) -> list[Path]:
    r = subprocess.run(TOYVM + ["lab", name, str(folder)] + ["--reference"] * reference, capture_output=True,
                       text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    return [Path(line) for line in r.stdout.splitlines()]


@pytest.fixture(scope="module", params=list(LABS))
def graded(request, built_programs, tmp_path_factory):
    """One lab's suite run on the reference, the skeleton and the wrong solutions."""
    name = request.param
    tmp = tmp_path_factory.mktemp(name)
    subs = tmp / "subs"
    kit(name, subs / "reference", reference=True)
    kit(name, subs / "skeleton")
    for wrong, (file, right, bad) in WRONG[name].items():
        text = (subs / "reference" / file).read_text()
        assert text.count(right) == 1, (wrong, right)
        (subs / wrong).mkdir()
        for other in (subs / "reference").iterdir():
            (subs / wrong / other.name).write_text(other.read_text())
        (subs / wrong / file).write_text(text.replace(right, bad))
    r = subprocess.run(TOYVM + ["grade", str(subs), str(ROOT / "docs" / "labs" / name / "tests.toml"), "-j", "2",
                                "--json", str(tmp / "results.json")], capture_output=True, text=True, cwd=ROOT,
                       timeout=600)
    assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr, r.stderr
    data = json.loads((tmp / "results.json").read_text())
    return name, {s["name"]: s for s in data["submissions"]}


def test_the_reference_solution_passes_every_test(graded):
    name, results = graded
    reference = results["reference"]
    assert reference["build"] == "ok"
    assert reference["score"] == reference["max_score"], [r for r in reference["runs"] if r["outcome"] != "pass"]


@pytest.mark.parametrize("submission", ["skeleton", "wrong"])
def test_the_skeleton_and_wrong_solutions_fail_with_a_message_that_points_at_the_mistake(graded, submission):
    name, results = graded
    names = ["skeleton"] if submission == "skeleton" else list(WRONG[name])
    for who in names:
        runs = results[who]["runs"]
        assert results[who]["score"] < results[who]["max_score"], who
        for test, piece in EXPECTED[name][who].items():
            failed = [r for r in runs if r["test"] == test and r["outcome"] != "pass"]
            assert failed, (who, test)
            assert all(piece in r["message"] for r in failed), (who, test, [r["message"] for r in failed])


@pytest.mark.parametrize("name", list(LABS))
def test_a_skeleton_is_the_code_itself_with_the_holes_blanked(name, tmp_path):
    """Without the LAB lines, the reference kit's lines are the repository's (a kernel lab: the
    whole file; a monitor lab: each method), and the skeleton differs only inside the holes."""
    reference, skeleton = kit(name, tmp_path / "r", reference=True), kit(name, tmp_path / "s")
    lab = LABS[name]
    sources = [ROOT / s for s in lab.sources] or [ROOT / (lab.python.module.replace(".", "/") + ".py")]
    def plain(text):
        return [line for line in text.splitlines() if "LAB-" not in line and "# LAB:" not in line]
    for path, source in zip(reference, sources * len(reference)):
        ours = plain(path.read_text())
        original = plain(source.read_text())
        if lab.python is None:
            assert ours == original
        else:
            methods = re.findall(r"\n    def \w+\(.*?(?=\n    def |\n\n\nclass |\Z)", "\n" + "\n".join(ours), re.S)
            assert methods and all(m.strip("\n") in "\n".join(original) for m in methods)
    for blanked, full in zip(skeleton, reference):
        assert blanked.read_text() != full.read_text()
        assert "your code here" in blanked.read_text() and "the reference solution" in full.read_text()


@pytest.mark.parametrize("text, message", [
    ("# LAB-HOLE begin a\nx\n", "LAB-HOLE a has no end"),
    ("x\n# LAB-HOLE end\n", "a LAB-HOLE marker outside a hole"),
    ("# LAB-HOLE begin a\n# LAB-HOLE begin b\n# LAB-HOLE end\n", "not ended before the next begins"),
])
def test_markers_that_do_not_pair_are_refused(text, message):
    with pytest.raises(LabError, match=message):
        blank(text.splitlines(), False, "f.s")
