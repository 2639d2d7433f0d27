"""``toyvm grade SUBMISSIONS TESTS.toml``: every submission against every test case, in parallel
(vmm/grade/, docs/grading.md). Prints a summary table and why each failing run failed; writes
the results with --json, --csv, --junit.

Exit status: 0 when every run passed, 1 when some did not (or a submission did not build), 2
for bad options or a suite file with a mistake (the message names the file, the test and the
key), 70 on an internal error of toyvm.
"""
from __future__ import annotations

import os
import sys
import time

import click

from ..grade.labs import LABS
from .host import EXIT_INTERNAL


def _write(path: str, text: str, option: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as e:
        raise click.BadParameter(f"{path}: {e.strerror}", param_hint=option) from None


@click.command("grade")
@click.argument("submissions", type=click.Path(file_okay=False, exists=True))
@click.argument("tests", type=click.Path(dir_okay=False, exists=True))
@click.option("-j", "--jobs", "workers", type=click.IntRange(min=1), default=None,
              help="Runs at a time (default: the number of cores).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the results as JSON.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write the results as CSV, a row per run.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), help="Write the results as JUnit XML.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar on stderr (default: when stderr is a terminal).")
@click.option("--quiet", "-q", is_flag=True, help="No table and no failure messages on stdout.")
def grade_command(submissions, tests, workers, json_path, csv_path, junit_path, progress, quiet):
    """Grade every submission in SUBMISSIONS (a directory: NAME.elf, NAME.s, NAME/ of sources, or
    NAME.py) against the test cases of TESTS (a TOML file), each run in a process of its own
    bounded in instructions, time and memory."""
    from ..grade.cases import SuiteError, load_suite
    from ..grade.grader import grade
    from ..grade.report import failures_text, summary_table, to_csv, to_json, to_junit
    from ..grade.submissions import SubmissionError, find_submissions

    try:
        suite = load_suite(tests)
        found = find_submissions(submissions, suite.build)
    except (SuiteError, SubmissionError) as e:
        raise click.UsageError(str(e)) from None
    workers = workers or os.cpu_count() or 1
    show = sys.stderr.isatty() if progress is None else progress
    started = time.monotonic()
    bar = _ProgressBar() if show else None
    try:
        results = grade(suite, found, workers, bar.start if bar else None)
    except ValueError as e:        # a module of the suite does not assemble
        raise click.UsageError(str(e)) from None
    except Exception as e:
        click.echo(f"toyvm: internal error: {type(e).__name__}: {e}", err=True)
        sys.exit(EXIT_INTERNAL)
    finally:
        if bar is not None:
            bar.stop()
    elapsed = time.monotonic() - started
    if json_path:
        _write(json_path, to_json(str(tests), results), "--json")
    if csv_path:
        _write(csv_path, to_csv(results), "--csv")
    if junit_path:
        _write(junit_path, to_junit(results), "--junit")
    runs = sum(len(s.runs) for s in results)
    if not quiet:
        from rich.console import Console
        summary_table(results, Console(highlight=False, soft_wrap=False))
        click.echo(failures_text(results), nl=False)
        sys.stdout.flush()
    passed = sum(r.outcome == "pass" for s in results for r in s.runs)
    click.echo(f"toyvm grade: {len(results)} submissions, {runs} runs, {passed} passed, "
               f"in {elapsed:.1f} s with {workers} at a time", err=True)
    sys.exit(0 if passed == runs and all(s.build == "ok" for s in results) else 1)


class _ProgressBar:
    """rich's progress bar, refreshed as each job ends (no refresh thread: the pool forks)."""

    def start(self, total: int):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from rich.console import Console

        self.progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=Console(stderr=True),
                                 auto_refresh=False, transient=False, redirect_stdout=False,
                                 redirect_stderr=False)
        self.progress.start()
        self.task = self.progress.add_task("grading", total=total)

        def tick():
            self.progress.advance(self.task)
            self.progress.refresh()
        return tick

    def stop(self) -> None:
        if hasattr(self, "progress"):
            self.progress.stop()


@click.command("lab")
@click.argument("name", type=click.Choice(list(LABS)))
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--reference", is_flag=True, help="Write the reference solution instead of the skeleton (for teachers).")
def lab_command(name, directory, reference):
    """Write lab NAME's kit into DIRECTORY: the project's own code with its LAB-HOLE regions
    blanked (docs/labs/NAME/README.md says what to fill in; docs/labs/NAME/tests.toml grades it)."""
    from ..grade.labs import LabError, skeleton

    try:
        written = skeleton(name, directory, reference)
    except LabError as e:
        click.echo(f"toyvm: internal error: {e}", err=True)
        sys.exit(EXIT_INTERNAL)
    except OSError as e:
        raise click.BadParameter(f"{directory}: {e.strerror}", param_hint="DIRECTORY") from None
    for path in written:
        click.echo(str(path))
