"""Comparing runs: on what two runs of the same instruction disagree, and saying it in words.

"Disagree" is made precise per bit of every recorded value: two runs agree on a bit if it ends
equal in both, or if neither run changed it. So a component the two starts deliberately differ
in (pmar, the U bit, IE...) is not a difference unless the instruction treats it differently:
``add`` agrees everywhere, a load through the relocated map reads the same bytes, ``wrpsw`` in
the varied configuration sets IE to rs1's bit in both (agree), but kernel vs user it sets IE in
one and leaves it in the other (disagree); ``rdpsw`` puts different values in rd (disagree).
Two runs that trap differently disagree on "trap"; two that take the same trap changed nothing.

The words are the evidence column of the table: 'psw.IE: kernel 0->1, user unchanged',
'rd (x5) = psw: kernel 0x00000000, user 0x00000001', 'halts the machine'.
"""
from __future__ import annotations

from isa.machine import CAUSE_NAMES, PSW_BITS

from .lab import CONTROL, SRS, Run

PSW_NAMES = {mask: name.removeprefix("PSW_") for name, (mask, _) in PSW_BITS.items()}


def cause_name(cause: int | None) -> str:
    return "completes" if cause is None else CAUSE_NAMES.get(cause, f"cause {cause:#x}")


def _disagreeing_bits(a: Run, b: Run, name: str) -> int:
    """Bits of a component that end different where at least one of the runs changed them."""
    e1, e2 = a.after[name], b.after[name]
    return (e1 ^ e2) & ((e1 ^ a.before[name]) | (e2 ^ b.before[name]))


def disagreements(a: Run, b: Run) -> list[str]:
    """The components on whose effect two runs disagree (see the module doc); "trap" when
    they trap differently."""
    if a.trap != b.trap:
        return ["trap"]
    if a.trap is not None:
        return []                   # the same trap, and neither run changed anything
    return [name for name in a.before if _disagreeing_bits(a, b, name)]


def _side(r: Run, name: str, bit: int) -> str:
    before, after = r.before[name], r.after[name]
    if name == "psw":
        return f"{before & bit and 1}->{after & bit and 1}" if (before ^ after) & bit else "unchanged"
    if name == "tlb":
        return "keeps it" if after else "flushes it"
    if name == "halted":
        return "halts" if after else "runs on"
    if name == "memory":
        return "writes" if before != after else "leaves it"
    if name in CONTROL and before == after:
        return "unchanged"
    return f"{after:#010x}"


def _source(a: Run, b: Run, name: str) -> str:
    """' = psw' when the value both runs ended with is a privileged register's starting value."""
    for source in ("psw", "pmar") + SRS:
        if a.after[name] == a.before[source] and b.after[name] == b.before[source]:
            return f" = {source}"
    return ""


def describe_pair(a: Run, b: Run, labels: tuple[str, str], name: str, names: dict[str, str]) -> str:
    """One disagreement as text, e.g. 'psw.IE: kernel 0->1, user unchanged' or
    'rd (x5) = psw: kernel 0x00000000, user 0x00000001'."""
    if name == "trap":
        return f"{labels[0]}: {cause_name(a.trap)}, {labels[1]}: {cause_name(b.trap)}"
    bit = _disagreeing_bits(a, b, name)
    bit &= -bit
    what = {"psw": f"psw.{PSW_NAMES.get(bit, '?')}", "tlb": "stale translation",
            "halted": "machine"}.get(name, names.get(name, name))
    if name not in CONTROL and name != "memory":
        what += _source(a, b, name)
    return f"{what}: " + ", ".join(f"{label} {_side(r, name, bit)}" for label, r in zip(labels, (a, b)))


def describe_change(r: Run, name: str) -> str:
    """One change of the configuration as text, e.g. 'psw.IE 0->1', 'halts the machine'."""
    before, after = r.before[name], r.after[name]
    if name == "psw":
        return ", ".join(f"psw.{PSW_NAMES[bit]} {before & bit and 1}->{after & bit and 1}"
                         for bit in sorted(PSW_NAMES) if (before ^ after) & bit)
    if name == "tlb":
        return "flushes cached translations (a stale one is gone)"
    if name == "halted":
        return "halts the machine"
    return f"{name} {before:#010x}->{after:#010x}"
