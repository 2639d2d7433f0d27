"""How a run ended, as plain data.

One meaning of ``status`` everywhere, the exit status ``toyvm run`` gives for the same end, bare
or under the monitor:

    power_off   the value the kernel wrote to POWER_OFF, low 8 bits
    halt        0 (``halt`` in kernel mode)
    crash       125 (a trap with no working handler, a trap loop, no progress; ``report`` says why)
    limit       124 (the instruction bound was reached, as timeout(1) reports a timeout)
    timeout     124 (the wall-clock bound was reached)
    interrupted 130 (someone called request_interrupt: Ctrl-C in a command)

A run of several guests has a status of its own (``Result.status``): the exit status of
``toyvm run --vmm`` with those guests (vmm/cli/run_vmm.py). Each guest's own end is in
``Result.guests``, which never saturates.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..machine import EXIT_CRASH, EXIT_LIMIT

EXIT_INTERRUPTED = 130
STATUS_OF = {"halt": 0, "crash": EXIT_CRASH, "limit": EXIT_LIMIT, "timeout": EXIT_LIMIT,
             "interrupted": EXIT_INTERRUPTED}
ENDS = ("power_off", "halt", "crash", "limit", "timeout", "interrupted")


def clean(stopped: str, status: int) -> bool:
    """A clean end: ``halt``, or POWER_OFF with 0."""
    return stopped in ("halt", "power_off") and status == 0


def how(stopped: str, status: int) -> str:
    """The end in words, as the per-guest line of toyvm run says it."""
    if stopped == "power_off":
        return f"powered off with status {status}"
    words = {"halt": "halted", "crash": "crashed", "limit": "ran out of instructions",
             "timeout": "ran out of time"}.get(stopped, stopped)
    return words if stopped == "halt" else f"{words} (status {status})"


@dataclass
class GuestResult:
    """One program's or guest's run.

    name: the guest's name (``guest1``... or the one given); image: the image's name.
    output: its console output (at most the run's ``max_output`` bytes: ``truncated`` says
    whether more was written). stopped/status: how it ended (module doc). report: the crash
    report or the message ``toyvm run`` prints at the end (pc, instruction, registers, why),
    "" after a clean end. instructions: completed. stats: the ``--stats-format json`` figures
    (docs/stats.md): the whole dict for a bare run, the guest's entry of ``guests`` under the
    monitor."""
    name: str
    image: str
    output: bytes
    stopped: str
    status: int
    report: str = ""
    instructions: int = 0
    stats: dict = field(default_factory=dict, repr=False)
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return clean(self.stopped, self.status)

    @property
    def text(self) -> str:
        """The output as text (UTF-8, undecodable bytes as U+FFFD)."""
        return self.output.decode("utf-8", "replace")

    def summary(self) -> str:
        """How it ended, in the words of toyvm run's line per guest: ``guest1 (hello): halted``."""
        return f"{self.name} ({self.image}): {how(self.stopped, self.status)}"

    def to_dict(self, output: bool = True) -> dict:
        """For JSON: the output as text (undecodable bytes as \\xNN escapes)."""
        data = {"name": self.name, "image": self.image, "stopped": self.stopped, "status": self.status,
                "instructions": self.instructions}
        if output:
            data["output"] = self.output.decode("utf-8", "backslashreplace")
            data["truncated"] = self.truncated
        data["report"] = self.report
        data["stats"] = self.stats
        return data


@dataclass
class Result:
    """A run: ``mode`` ("bare" or "monitor"), ``strategy`` (under the monitor), ``guests`` (one
    GuestResult each; one for a bare run), ``status`` (what toyvm run exits with) and ``stats``
    (what ``toyvm run --stats-format json`` prints, docs/stats.md; each guest's ``stats`` is its
    part of it). With one guest, ``output``, ``stopped``, ``report``, ``instructions`` and ``text``
    are its."""
    mode: str
    strategy: str | None
    guests: list[GuestResult]
    status: int
    stats: dict = field(default_factory=dict, repr=False)

    def _only(self) -> GuestResult:
        if len(self.guests) != 1:
            raise ValueError(f"a run of {len(self.guests)} guests: see result.guests")
        return self.guests[0]

    output = property(lambda self: self._only().output)
    stopped = property(lambda self: self._only().stopped)
    report = property(lambda self: self._only().report)
    instructions = property(lambda self: self._only().instructions)
    text = property(lambda self: self._only().text)

    @property
    def ok(self) -> bool:
        return all(g.ok for g in self.guests)

    def to_dict(self, output: bool = True) -> dict:
        return {"mode": self.mode, "strategy": self.strategy, "status": self.status,
                "guests": [g.to_dict(output) for g in self.guests], "stats": self.stats}


def several_status(guests: list[GuestResult]) -> int:
    """toyvm run's exit status for several guests (vmm/cli/run_vmm.py): bit k-1 for each guest
    k <= 7 that did not end cleanly, bit 7 for any later one."""
    status = 0
    for i, guest in enumerate(guests):
        if not guest.ok:
            status |= 1 << min(i, 7)
    return status
