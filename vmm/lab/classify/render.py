"""What ``toyvm classify`` prints: the table and the theorems' verdicts in words, for a student.

By default both machines are shown, hardware assist off and then on; the second only with the
rows that changed, so what hardware assist fixes stands out. ``--json`` prints the reports.
"""
from __future__ import annotations

import json
import textwrap

from .judge import STATES, Verdict
from .report import Report, classify

WIDTH = 100                         # text output: paragraphs are wrapped to this
THEOREM_1 = ("Theorem 1 (Popek & Goldberg 1974): for any conventional third-generation computer, a virtual "
             "machine monitor may be constructed if the set of sensitive instructions for that computer is a "
             "subset of the set of privileged instructions.")
THEOREM_3 = ("Theorem 3: a hybrid virtual machine monitor may be constructed for any conventional "
             "third-generation machine in which the set of user-sensitive instructions is a subset of the set "
             "of privileged instructions.")
INTRO = ("Every instruction was encoded from the isa table and run on the machine from {states} random states, "
         "in kernel and in user mode, with an identity page map, a relocated map with the same virtual view, "
         "translation off, and other privileged-register values (docs/virtualizability.md). Columns: priv = "
         "traps in user mode but not in kernel mode; ctrl = changes psw/pmar/epc/.../the TLB or halts; "
         "behav = its effect depends on the mode or the configuration; user = sensitive from user mode.")


def _mark(flag: bool) -> str:
    return "yes" if flag else "."


def _table(verdicts: list[Verdict]) -> list[str]:
    lines = [f"{'instruction':<11} {'priv':<5} {'ctrl':<5} {'behav':<6} {'user':<5} {'class':<20} evidence"]
    for v in verdicts:
        lines.append(f"{v.mnemonic:<11} {_mark(v.privileged):<5} {_mark(v.control_sensitive):<5} "
                     f"{_mark(v.behaviour_sensitive):<6} {_mark(v.user_sensitive):<5} {v.kind:<20} "
                     + ("; ".join(v.evidence) or "-"))
    return lines


def _verdicts(report: Report) -> list[str]:
    def names(items: list[str]) -> str:
        return ", ".join(items) if items else "none"

    innocuous = report.named(lambda v: v.kind == "innocuous")
    always = report.named(lambda v: v.kind == "innocuous" and "completes" not in v.traps.values())
    lines = [
        f"privileged (trap in user mode, not in kernel mode): {names(report.named(lambda v: v.privileged))}",
        f"sensitive (control- or behaviour-sensitive):        {names(report.named(lambda v: v.sensitive))}",
        f"user-sensitive (sensitive from a user-mode state):  {names(report.named(lambda v: v.user_sensitive))}",
        f"innocuous: the other {len(innocuous)}" + (f", among them {names(always)}, which trap in both modes"
                                                      if always else ""),
        "",
    ]
    if report.offending:
        verdict1 = (f"sensitive <= privileged?  NO. Offending: {names(report.offending)} -- sensitive, yet they "
                    "run in user mode without trapping, so a trap-and-emulate monitor never sees them. The "
                    "condition is sufficient, not necessary: the verdict says plain trap-and-emulate fails, not "
                    "that no monitor can exist (binary translation and paravirtualization get around it).")
    else:
        verdict1 = ("sensitive <= privileged?  YES. Every sensitive instruction traps in user mode: a "
                    "trap-and-emulate monitor can be built.")
    if report.theorem3_offending:
        verdict3 = (f"user-sensitive <= privileged?  NO. Offending: {names(report.theorem3_offending)} -- even a "
                    "hybrid monitor, which interprets every instruction of the virtual kernel, runs virtual user "
                    "code directly, and there this instruction exposes the real configuration.")
    else:
        verdict3 = ("user-sensitive <= privileged?  YES. A hybrid monitor (interpreting the virtual kernel, "
                    "running virtual user code directly) can be built.")
    for theorem, verdict in ((THEOREM_1, verdict1), (THEOREM_3, verdict3)):
        lines += textwrap.wrap(theorem, WIDTH) + textwrap.wrap(
            verdict, WIDTH, initial_indent="  => ", subsequent_indent="     ", break_on_hyphens=False)
    return lines


def _heading(report: Report) -> str:
    state = "ON: rdpsw/wrpsw raise VIRTUALIZATION_TRAP in user mode" if report.hw_assist else "OFF (the default)"
    return f"== TOY32, hardware assist {state} =="


def render(report: Report, baseline: Report | None = None) -> str:
    """The table and the verdicts; with ``baseline``, only the rows that differ from it."""
    lines = [_heading(report)]
    if baseline is None:
        lines += _table(report.verdicts)
    else:
        before = {v.mnemonic: v for v in baseline.verdicts}
        changed = [v for v in report.verdicts if (v.privileged, v.sensitive, v.user_sensitive, v.kind) !=
                   (before[v.mnemonic].privileged, before[v.mnemonic].sensitive,
                    before[v.mnemonic].user_sensitive, before[v.mnemonic].kind)]
        lines.append(f"Instructions classified differently than with hardware assist off ({len(changed)}; "
                     "the others are unchanged):")
        lines += _table(changed)
    return "\n".join(lines + [""] + _verdicts(report))


def command_output(as_json: bool, hw_assist_only: bool, states: int = STATES) -> str:
    """What `toyvm classify` prints: both machines (hardware assist off, then on), or one."""
    intro = textwrap.fill(INTRO.format(states=states), WIDTH)
    if hw_assist_only:
        report = classify(True, states=states)
        return json.dumps(report.to_json(), indent=2) if as_json else "\n".join([intro, "", render(report)])
    plain, assisted = classify(False, states=states), classify(True, states=states)
    if as_json:
        return json.dumps({**plain.to_json(), "hw_assist": assisted.to_json()}, indent=2)
    return "\n".join([intro, "", render(plain), "", render(assisted, baseline=plain)])
