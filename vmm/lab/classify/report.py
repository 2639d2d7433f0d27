"""The whole instruction set judged, and the theorems' verdicts.

Theorem 1 (a trap-and-emulate monitor can be built) holds when the sensitive instructions are
a subset of the privileged ones, Theorem 3 (a hybrid monitor can be built) when the
user-sensitive ones are; the offenders are the differences. ``Report.to_json`` is what
``toyvm classify --json`` prints.
"""
from __future__ import annotations

from dataclasses import dataclass

from isa import INSTRUCTIONS

from .judge import STATES, Verdict, classify_instruction


@dataclass
class Report:
    hw_assist: bool
    states: int
    verdicts: list[Verdict]

    def named(self, test) -> list[str]:
        return [v.mnemonic for v in self.verdicts if test(v)]

    @property
    def offending(self) -> list[str]:
        """Theorem 1's offenders: sensitive, not privileged."""
        return self.named(lambda v: v.sensitive and not v.privileged)

    @property
    def theorem3_offending(self) -> list[str]:
        """Theorem 3's offenders: user-sensitive, not privileged."""
        return self.named(lambda v: v.user_sensitive and not v.privileged)

    def to_json(self) -> dict:
        return {
            "machine": {"hw_assist": self.hw_assist},
            "states": self.states,
            "instructions": [{"mnemonic": v.mnemonic, "privileged": v.privileged, "sensitive": v.sensitive,
                              "control_sensitive": v.control_sensitive,
                              "behaviour_sensitive": v.behaviour_sensitive, "user_sensitive": v.user_sensitive,
                              "kind": v.kind, "kernel": v.traps["kernel"], "user": v.traps["user"],
                              "evidence": "; ".join(v.evidence)} for v in self.verdicts],
            "privileged": self.named(lambda v: v.privileged),
            "sensitive": self.named(lambda v: v.sensitive),
            "user_sensitive": self.named(lambda v: v.user_sensitive),
            "theorem1": not self.offending,
            "theorem3": not self.theorem3_offending,
            "offending": self.offending,
            "theorem3_offending": self.theorem3_offending,
        }


def classify(hw_assist: bool = False, table=INSTRUCTIONS, states: int = STATES) -> Report:
    """Classify every instruction of ``table`` on a machine with or without hardware assist."""
    return Report(hw_assist, states, [classify_instruction(ins, hw_assist, states) for ins in table])
