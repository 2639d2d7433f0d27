"""What a submission is, and its build.

Each entry of the submissions directory (sorted by name; hidden ones skipped) is one:

    NAME.elf    an image, used as it is
    NAME.s      a source file, assembled alone with the suite's [build] settings (NAME.S too:
                the C preprocessor first, as toyasm build does)
    NAME/       a directory of sources: the suite's [build] ``sources`` in that order (a file the
                directory lacks is taken from [build] ``base``), else its *.s and *.S sorted by name;
                a directory holding no source but one .elf uses that image; one holding a .py
                file (and no source) is a Python submission
    NAME.py     a Python file (a strategy of one's own, for the monitor labs): ``{submission}``
                in a test's image, modules or modes names this file

A build runs in a child process of the pool like a run (pool.py), since the sources are
untrusted; its result is the image's path, or the assembler's diagnostics, as toyasm prints them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .cases import Build

MAX_SUBMISSIONS = 10_000        # entries of one directory taken (the rest is refused: a mistake)


@dataclass
class Submission:
    name: str
    path: Path
    kind: str                   # "elf", "sources", "python"
    sources: list[Path] | None = None     # for "sources": the files, in link order


class SubmissionError(ValueError):
    """The submissions directory cannot be read."""


def find_submissions(directory, build: Build) -> list[Submission]:
    directory = Path(directory)
    try:
        entries = sorted(p for p in directory.iterdir() if not p.name.startswith("."))
    except OSError as e:
        raise SubmissionError(f"{directory}: {e.strerror}") from None
    if len(entries) > MAX_SUBMISSIONS:
        raise SubmissionError(f"{directory}: more than {MAX_SUBMISSIONS} entries")
    found = []
    for entry in entries:
        submission = _classify(entry, build)
        if submission is not None:
            found.append(submission)
    return found


def _classify(entry: Path, build: Build) -> Submission | None:
    if entry.is_file():
        kind = {".elf": "elf", ".s": "sources", ".S": "sources", ".py": "python"}.get(entry.suffix)
        if kind is None:
            return None
        return Submission(entry.stem, entry, kind, [entry] if kind == "sources" else None)
    if not entry.is_dir():
        return None
    sources = sorted([*entry.glob("*.s"), *entry.glob("*.S")])
    if sources or build.sources:
        if build.sources:
            sources = [entry / name if (entry / name).is_file() or build.base is None else build.base / name
                       for name in build.sources]
        return Submission(entry.name, entry, "sources", sources)
    elves, pythons = sorted(entry.glob("*.elf")), sorted(entry.glob("*.py"))
    if len(elves) == 1:
        return Submission(entry.name, elves[0], "elf")
    if len(pythons) == 1:
        return Submission(entry.name, pythons[0], "python")
    return Submission(entry.name, entry, "empty")


def build_submission(submission: Submission, build: Build, out: Path) -> dict:
    """Assemble a submission of sources into ``out``/NAME.elf (in a child process): {"image":
    path} or {"error": the diagnostics}."""
    from ..session import AssemblyError, LoadError, assemble

    folder = submission.path if submission.path.is_dir() else submission.path.parent
    missing = [str(folder / name) for name in build.submit if not (folder / name).is_file()]
    missing += [str(p) for p in submission.sources if not p.is_file() and str(p) not in missing]
    if missing:
        return {"error": f"missing source file{'s' * (len(missing) > 1)}: {', '.join(missing)}"}
    try:
        image = assemble(submission.sources, defsyms=build.defsyms, include_dirs=build.include, **build.layout)
    except AssemblyError as e:
        count = len(e.errors)
        return {"error": f"{e}\ntoyasm: {count} error{'s' * (count != 1)}, no output written"}
    except LoadError as e:
        return {"error": f"toyasm: error: {e}"}
    path = out / f"{submission.name}.elf"
    image.save(path)
    return {"image": str(path)}
