"""A grading: every submission against every test case in every mode, as jobs of the pool, and
the results in a fixed order (submission name, then the suite's order of tests and modes), so
that the same inputs give the same results file whatever order the runs finish in."""
from __future__ import annotations

import tempfile
from types import SimpleNamespace
from dataclasses import dataclass, field
from pathlib import Path

from .cases import SUBMISSION, Suite
from .checks import verdict
from .pool import Job, run_jobs
from .submissions import Submission, build_submission

BUILD_MEMORY = 1 << 30
BUILD_DEADLINE = 60.0          # seconds to assemble one submission
GRACE = 2.0                    # seconds past a run's own timeout before its process is killed


@dataclass
class RunResult:
    submission: str
    test: str
    mode: str
    outcome: str               # pass, fail, error
    points: float
    max_points: float
    stopped: str | None = None
    status: int | None = None
    instructions: int | None = None
    message: str = ""


@dataclass
class SubmissionResult:
    name: str
    build: str                 # "ok", or why it did not build
    runs: list[RunResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(r.points for r in self.runs)

    @property
    def max_score(self) -> float:
        return sum(r.max_points for r in self.runs)


def mode_label(mode: str) -> str:
    """A mode as results name it: bare, a strategy's name, or CLASS for FILE.py:CLASS."""
    return mode.rpartition(":")[2] if ":" in mode else mode


def run_case(image: str | None, submission_file: str, case, mode: str) -> dict:
    """One run in the child: the submission's image through the test case; its verdict."""
    from ..session import ToyvmError, run

    def fill(path: str) -> str:
        return path.replace(SUBMISSION, image if image is not None else submission_file)

    strategy = None if mode == "bare" else mode.replace(SUBMISSION, submission_file)
    what = SimpleNamespace(image=fill(case.image), modules=[fill(m) for m in case.modules], input=case.input,
                           mem=case.mem, max_instructions=case.max_instructions, strategy=strategy)
    try:
        result = run(what.image, what.modules, input=case.input, strategy=strategy,
                     max_instructions=case.max_instructions, timeout=case.timeout,
                     **({"mem": case.mem} if case.mem is not None else {}))
    except ToyvmError as e:
        return {"outcome": "error", "message": str(e)}
    guest = result.guests[0]
    message = verdict(case, guest, what)
    return {"outcome": "pass" if message is None else "fail", "stopped": guest.stopped, "status": guest.status,
            "instructions": None if guest.stopped == "timeout" else guest.instructions, "message": message or ""}


def grade(suite: Suite, submissions: list[Submission], workers: int, progress=None) -> list[SubmissionResult]:
    """Build and run everything; the results in order. ``progress(total)`` returns a callable
    told of each finished job (or is None)."""
    from ..monitor import monitor as _monitor  # noqa: F401 -- imported once here, not in every child
    from ..session import AssemblyError, assemble

    with tempfile.TemporaryDirectory(prefix="toyvm-grade-") as tmp:
        out = Path(tmp)
        # the suite's own sources (teacher's modules, images): assembled once, here
        teacher: dict[str, str] = {}
        for case in suite.cases:
            for path in [case.image, *case.modules]:
                if path.endswith(".s") and path not in teacher:
                    try:
                        image = assemble([path])
                    except AssemblyError as e:
                        raise ValueError(f"{suite.path}: test {case.name!r}: {path} does not assemble:\n{e}") from None
                    folder = out / "suite" / str(len(teacher))
                    folder.mkdir(parents=True)
                    teacher[path] = str(image.save(folder / f"{Path(path).stem}.elf"))
        builds = [s for s in submissions if s.kind == "sources"]
        runs_total = len(submissions) * sum(len(c.modes) for c in suite.cases)
        tick = progress(len(builds) + runs_total) if progress is not None else None
        done = (lambda key, answer: tick()) if tick is not None else None
        (out / "built").mkdir()
        built = run_jobs([Job(("build", s.name), build_submission, (s, suite.build, out / "built"), BUILD_MEMORY,
                              BUILD_DEADLINE) for s in builds], workers, done)
        results, jobs = [], []
        for s in submissions:
            answer = built.get(("build", s.name), {})
            if s.kind == "sources":
                image, why = answer.get("image"), answer.get("error") or answer.get("message")
            elif s.kind == "elf":
                image, why = str(s.path), None
            elif s.kind == "python":
                image, why = None, None
            else:
                image, why = None, f"{s.path}: no sources (*.s), image (*.elf) or Python file (*.py) in it"
            results.append(SubmissionResult(s.name, "ok" if why is None else why))
            for case in suite.cases:
                for mode in case.modes:
                    key = (s.name, case.name, mode)
                    if why is not None:
                        continue
                    jobs.append(Job(key, run_case, (image, str(s.path), _with_teacher(case, teacher), mode),
                                    case.memory, case.timeout + GRACE))
        answers = run_jobs(jobs, workers, done)
        for s, result in zip(submissions, results):
            for case in suite.cases:
                for mode in case.modes:
                    answer = answers.get((s.name, case.name, mode))
                    if answer is None:        # the build failed: every run fails with its message
                        answer = {"outcome": "error", "message": f"the submission does not build:\n{result.build}"}
                        if tick is not None:
                            tick()
                    passed = answer.get("outcome") == "pass"
                    result.runs.append(RunResult(s.name, case.name, mode_label(mode), answer.get("outcome", "error"),
                                                 case.points if passed else 0.0, case.points, answer.get("stopped"),
                                                 answer.get("status"), answer.get("instructions"),
                                                 answer.get("message", "")))
        return results


def _with_teacher(case, teacher: dict):
    """The case with the suite's .s files replaced by their assembled images."""
    from dataclasses import replace
    return replace(case, image=teacher.get(case.image, case.image), modules=[teacher.get(m, m) for m in case.modules])
