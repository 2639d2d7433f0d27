"""The results of a grading, written out.

JSON (``--json``): {"suite", "submissions": [{"name", "build", "score", "max_score", "runs":
[{"test", "mode", "outcome", "points", "max_points", "stopped", "status", "instructions",
"message"}]}]}. CSV (``--csv``): one row per run. JUnit XML (``--junit``): a <testsuite> per
submission, a <testcase> per run (classname the submission, name "test[mode]"), <failure> or
<error> with the message -- what CI systems and autograders read.

Nothing in them depends on time or on the order runs finished: no timestamps, no durations (the
time a grading took is printed on stderr, not written), runs in the suite's order, floats as
written. Two gradings of the same inputs give byte-identical files -- except for a run that hit
its wall-clock bound, which depends on the machine's speed (its instruction count is left out).
"""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import asdict

CSV_FIELDS = ("submission", "test", "mode", "outcome", "points", "max_points", "stopped", "status", "instructions",
              "message")


def _number(x: float):
    return int(x) if float(x).is_integer() else x


def to_json(suite_path: str, results) -> str:
    data = {"suite": suite_path, "submissions": []}
    for s in results:
        runs = []
        for r in s.runs:
            run = {k: v for k, v in asdict(r).items() if k != "submission"}
            run["points"], run["max_points"] = _number(r.points), _number(r.max_points)
            runs.append(run)
        data["submissions"].append({"name": s.name, "build": s.build, "score": _number(s.score),
                                    "max_score": _number(s.max_score), "runs": runs})
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_csv(results) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for s in results:
        for r in s.runs:
            row = asdict(r)
            row["points"], row["max_points"] = _number(r.points), _number(r.max_points)
            writer.writerow(["" if row[f] is None else row[f] for f in CSV_FIELDS])
    return out.getvalue()


def _xml_text(text: str) -> str:
    """XML 1.0 allows no control characters but tab, newline and carriage return."""
    return "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else f"\\x{ord(c):02x}" for c in text)


def to_junit(results) -> str:
    root = ET.Element("testsuites", name="toyvm grade")
    for s in results:
        failures = sum(r.outcome == "fail" for r in s.runs)
        errors = sum(r.outcome == "error" for r in s.runs)
        suite = ET.SubElement(root, "testsuite", name=s.name, tests=str(len(s.runs)), failures=str(failures),
                              errors=str(errors))
        for r in s.runs:
            case = ET.SubElement(suite, "testcase", classname=s.name, name=f"{r.test}[{r.mode}]")
            if r.outcome != "pass":
                first = r.message.splitlines()[0] if r.message else r.outcome
                element = ET.SubElement(case, "failure" if r.outcome == "fail" else "error",
                                        message=_xml_text(first))
                element.text = _xml_text(r.message)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


MARK = {"pass": "ok", "fail": "FAIL", "error": "ERROR"}


def summary_table(results, console=None) -> None:
    """A table, one row per submission: each test and mode, the score (rich)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    columns = []
    for s in results:
        for r in s.runs:
            if (r.test, r.mode) not in columns:
                columns.append((r.test, r.mode))
    table = Table(title="toyvm grade", show_lines=False)
    table.add_column("submission")
    for test, mode in columns:
        table.add_column(f"{test}\n{mode}", justify="center", overflow="fold")
    table.add_column("score", justify="right")
    for s in results:
        cells = {(r.test, r.mode): r.outcome for r in s.runs}
        row = [s.name] + [MARK.get(cells.get(c, ""), "-") for c in columns]
        row.append(f"{_number(s.score)}/{_number(s.max_score)}")
        table.add_row(*row)
    console.print(table)


def failures_text(results) -> str:
    """Why each run that did not pass failed, submission by submission."""
    lines = []
    for s in results:
        if s.build != "ok":
            lines.append(f"{s.name}: does not build:")
            lines += ["    " + line for line in s.build.splitlines()]
            continue
        for r in s.runs:
            if r.outcome != "pass":
                lines.append(f"{s.name}: {r.test} [{r.mode}]: {r.outcome}")
                lines += ["    " + line for line in r.message.splitlines()]
    return "\n".join(lines) + ("\n" if lines else "")
