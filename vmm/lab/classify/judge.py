"""Judging one instruction: its Popek-Goldberg classes, from the runs of every start.

*privileged* (PG: traps in user mode, does not trap in kernel mode, from the same state):
  in every configuration where the user run does not raise a memory trap (page fault,
  misalignment, bus error), the user run traps and the kernel run completes. Which trap is
  not asked: PRIVILEGED_INSTRUCTION, or VIRTUALIZATION_TRAP with hardware assist. An
  instruction that traps in *both* modes (ecall, ebreak, hypercall) is not privileged.

*control-sensitive* (PG: can change the configuration -- mode, relocation): some run in which
  the instruction completes changes psw, pmar, epc, cause, tval, tvec, scratch, drops the
  stale translation, or halts the machine. A run that traps is not counted: the trap hands
  control to the trap handler -- under a VMM, to the VMM -- which is what a VMM needs; it is
  the hardware's doing, not the instruction's. So ecall is not control-sensitive.

*behaviour-sensitive* (PG: the effect depends on the mode or on the location in real memory):
  two runs that start from the same virtual view disagree about the effect (evidence.py says
  what "disagree" means), where the pairs are kernel/user (same configuration; skipped when the
  user run traps and the kernel run does not -- that is privilege, the point of the first test)
  and identity/relocated, identity/off, identity/varied (same mode). TOY32's privileged state is
  richer than PG's model (mode + relocation register), so depending on IE/PU/PIE or
  epc/cause/tval/tvec/scratch counts as depending on the configuration, just as depending on
  pmar does: a VMM virtualizes them all.

*innocuous*: none of the above. *sensitive* = control- or behaviour-sensitive.

*user-sensitive* (PG 1974, section on hybrid VMMs: sensitive from a user-mode state): some
  user-mode run completes and changes the configuration, or two user-mode runs of the
  location/configuration pairs disagree. The kernel/user pair cannot count: a hybrid monitor
  runs only virtual-user-mode code directly, and in real user mode.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from isa.machine import CAUSE_BY_NAME

from .evidence import cause_name, describe_change, describe_pair, disagreements
from .lab import CONTROL, run
from .starts import starts

STATES = 8                          # random starts per instruction (x 4 configurations x 2 modes)
MEMORY_TRAPS = {CAUSE_BY_NAME[name] for name in (
    "MISALIGNED_FETCH", "MISALIGNED_LOAD", "MISALIGNED_STORE", "PAGE_FAULT_FETCH", "PAGE_FAULT_LOAD",
    "PAGE_FAULT_STORE", "BUS_ERROR")}
MODES = {0: "kernel", 1: "user"}
# The configurations compared with identity, and how the evidence names the two sides.
PAIRS = {"relocated": ("identity map", "relocated map"), "off": ("translation on", "translation off"),
         "varied": ("privileged registers as set", "changed")}


@dataclass
class Verdict:
    """The classes of one instruction, and the first evidence for each."""
    mnemonic: str
    privileged: bool
    control_sensitive: bool
    behaviour_sensitive: bool
    user_sensitive: bool
    traps: dict[str, str]                   # "kernel"/"user" -> what the first start did
    evidence: list[str] = field(default_factory=list)

    @property
    def sensitive(self) -> bool:
        return self.control_sensitive or self.behaviour_sensitive

    @property
    def kind(self) -> str:
        """The class a student would name it by: privileged first, then the kind of sensitivity."""
        if self.privileged:
            return "privileged"
        if self.control_sensitive:
            return "control-sensitive"
        if self.behaviour_sensitive:
            return "behaviour-sensitive"
        return "innocuous"


class _Findings:
    """The first evidence seen for each finding."""

    def __init__(self):
        self.first: dict[str, str] = {}

    def note(self, key: str, text: str) -> None:
        self.first.setdefault(key, text)

    def __contains__(self, key: str) -> bool:
        return key in self.first

    def get(self, *keys: str) -> list[str]:
        return [self.first[k] for k in keys if k in self.first]


def classify_instruction(ins, hw_assist: bool = False, states: int = STATES) -> Verdict:
    """Run ``ins`` from ``states`` random starts in each configuration and mode, and judge."""
    found = _Findings()
    pairs = trapping = 0
    traps: dict[str, str] = {}
    for seed in range(states):
        configs, names = starts(ins, seed)
        runs = {(config, user): run(start, user, hw_assist)
                for config, start in configs.items() for user in (0, 1)}
        traps = traps or {MODES[u]: cause_name(runs["identity", u].trap) for u in (0, 1)}
        # privileged: from the same state, the user run traps and the kernel run does not
        for config in ("identity", *PAIRS):
            kernel, user = runs[config, 0], runs[config, 1]
            if user.trap in MEMORY_TRAPS:
                continue
            pairs += 1
            if user.trap is not None and kernel.trap is None:
                trapping += 1
                found.note("privileged", f"user: {cause_name(user.trap)}, kernel: completes")
            elif user.trap is not None:
                found.note("traps", f"traps in both modes ({cause_name(user.trap)})")
        # control-sensitive: a completed run changed the configuration
        for (config, u), r in runs.items():
            changed = [name for name in CONTROL if r.trap is None and r.before[name] != r.after[name]]
            if changed:
                text = "; ".join(describe_change(r, name) for name in changed)
                found.note("control", f"{MODES[u]}: {text}")
                if u:
                    found.note("user", text)
        # behaviour-sensitive: same virtual view, other mode or configuration, other effect
        kernel, user = runs["identity", 0], runs["identity", 1]
        if user.trap is None or kernel.trap is not None:
            for name in disagreements(kernel, user):
                found.note("mode", describe_pair(kernel, user, ("kernel", "user"), name, names))
        for config, labels in PAIRS.items():
            for u in (0, 1):
                a, b = runs["identity", u], runs[config, u]
                for name in disagreements(a, b):
                    text = describe_pair(a, b, labels, name, names)
                    found.note(config, f"{MODES[u]}: {text}")
                    if u:
                        found.note("user", text)
    privileged = pairs > 0 and trapping == pairs
    behaviour = found.get("mode", *PAIRS)
    evidence = found.get("privileged" if privileged else "traps", "control") + behaviour[:1]
    if "user" in found and not privileged:
        evidence.append("from user mode too: " + found.first["user"])
    return Verdict(ins.mnemonic, privileged, "control" in found, bool(behaviour), "user" in found,
                   traps, evidence)
