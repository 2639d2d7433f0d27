"""One comparison: the guest bare and under each strategy, the first divergence of each run that
differs, and the result as a table with a verdict per run (what ``toyvm compare`` prints) or
as JSON (``--json``)."""
from __future__ import annotations

import textwrap

from ...monitor.config import CONFIGURATIONS
from . import DEFAULT_SEARCH
from .divergence import Divergence, first_divergence, instruction_text
from .runs import Guest, Run, run_bare, run_strategy


def compare(guest: Guest, strategies=tuple(CONFIGURATIONS), search: int = DEFAULT_SEARCH) -> dict:
    """Run the guest bare and under each strategy (a name of CONFIGURATIONS); replay the ones that
    differ from bare to find where the guest first sees it (at most ``search`` instructions)."""
    runs = [run_bare(guest)] + [run_strategy(guest, s) for s in strategies]
    bare = runs[0]
    divergences = {}
    for run in runs[1:]:
        if not run.other_image and not run.same_as(bare):
            divergences[run.name] = first_divergence(guest, run.name, search)
    return {"runs": runs, "divergences": divergences, "para_image": guest.para_image}


def first_output_difference(bare: bytes, other: bytes) -> str:
    i = next((k for k, (a, b) in enumerate(zip(bare, other)) if a != b), min(len(bare), len(other)))
    line = bare[:i].count(b"\n") + 1
    return (f"output byte {i} (line {line}): bare {_byte(bare, i)}, this run {_byte(other, i)}")


def _byte(data: bytes, i: int) -> str:
    return f"{chr(data[i])!r} ({data[i]:#04x})" if i < len(data) else "end of output"


def to_json(result: dict) -> dict:
    bare = result["runs"][0]
    return {
        "runs": [{"name": r.name, "output_identical": r.output == bare.output, "output": r.output.decode("latin-1"),
                  "exit_status": r.status, "ended": r.how, "instructions": r.instructions,
                  "seconds": round(r.seconds, 4), "overhead": round(r.seconds / bare.seconds, 2) if bare.seconds else None,
                  "monitor_entries": r.entries, "emulated": r.emulated} for r in result["runs"]],
        "divergences": {name: d.to_json() if d else None for name, d in result["divergences"].items()},
        "para_image": result["para_image"],
    }


def render(result: dict) -> str:
    runs = result["runs"]
    bare = runs[0]
    rows: list[tuple[str, list[str]]] = [
        ("output identical to bare", ["-"] + ["yes" if r.output == bare.output else "NO" for r in runs[1:]]),
        ("exit status", [str(r.status) for r in runs]),
        ("ended by", [r.how for r in runs]),
        ("instructions completed", [f"{r.instructions:,}" for r in runs]),
        ("monitor entries", ["-"] + [f"{r.entries['total']:,}" for r in runs[1:]]),
    ]
    for reason in runs[1].entries if len(runs) > 1 else ():
        if reason != "total" and any(r.entries[reason] for r in runs[1:]):
            rows.append((f"  {reason}", ["-"] + [f"{r.entries[reason]:,}" for r in runs[1:]]))
    rows += [
        ("emulated by the monitor", ["-"] + [f"{r.emulated:,}" for r in runs[1:]]),
        ("time (s)", [f"{r.seconds:.3f}" for r in runs]),
        ("overhead vs bare", ["1.00x"] + [f"{r.seconds / bare.seconds:.2f}x" if bare.seconds else "-"
                                         for r in runs[1:]]),
    ]
    width = max(len(label) for label, _ in rows) + 2
    cols = [max(8, len(r.name), *(len(v[i]) for _, v in rows)) + 2 for i, r in enumerate(runs)]
    lines = ["".ljust(width) + "".join(r.name.rjust(c) for r, c in zip(runs, cols))]
    lines += [label.ljust(width) + "".join(v.rjust(c) for v, c in zip(values, cols)) for label, values in rows]
    lines.append("")
    for run in runs[1:]:
        lines.extend(verdict(run, bare, result["divergences"].get(run.name)))
    if result.get("para_image"):
        lines.append(f"(para ran {result['para_image']}, the kernel built for it; the others ran the image given)")
    return "\n".join(lines).rstrip() + "\n"


def verdict(run: Run, bare: Run, divergence: Divergence | None) -> list[str]:
    if run.same_as(bare):
        return [f"{run.name}: same output and exit status as bare"
                + (" (another build of the kernel)." if run.other_image else ", and the same instruction count.")]
    lines = [f"{run.name}: DIFFERS from bare."]
    if run.name == "para" and not run.entries["hypercalls"]:
        lines += textwrap.wrap("(this image makes no hypercall: it was not built for para, so para runs "
                               "it as trap does; give the kernel built for it with --para-image, e.g. "
                               "build/guestos-para.elf or build/programs/popf-para.elf)", 100,
                               initial_indent="  ", subsequent_indent="   ")
    if run.output != bare.output:
        lines.append(f"  first difference in the output: {first_output_difference(bare.output, run.output)}")
    if run.status != bare.status:
        lines.append(f"  exit status {run.status}, bare {bare.status}")
    if run.other_image:
        return lines
    if divergence is None:
        lines.append("  (no difference found in what the guest sees within the instructions searched)")
        return lines
    lines.append(f"  guest-visible state first differs at instruction {divergence.count + 1:,}, "
                 f"pc {divergence.pc:08x}: {instruction_text(divergence.word, divergence.pc)}")
    lines += [f"    {w}" for w in divergence.what]
    if divergence.lesson:
        lines += textwrap.wrap(f"why: {divergence.lesson}", 100, initial_indent="  ", subsequent_indent="       ")
    return lines
