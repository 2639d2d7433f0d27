"""``toyvm compare``: the same guest on the bare machine and under each ``--strategy``, side by side.

Every run gets the same image, modules, memory size and console input, so every difference is
the monitor's doing. The table says, per run: is the console output identical to the bare
machine's, the exit status, the instructions the guest completed, why the monitor was entered,
how many instructions it emulated, and the time it took as a ratio to the bare run.

When a run's output, status or instruction count differs from bare, both are run again,
instruction by instruction, recording what the guest can see after each one -- pc, the general
registers, its (virtual) psw -- until the first point where they differ. That point is reported
with the instruction and what differed, and with the reason when it is one of the two
sensitive-unprivileged instructions, so the lesson of Popek and Goldberg's Theorem 1 shows up
as the very instruction that breaks it.
"""
from __future__ import annotations

import io
import textwrap
import time
from dataclasses import dataclass, field

from isa.disasm import disassemble
from isa.machine import ABI_NAMES, PSW_IE, PSW_U, REGISTERS

from .machine import ConsoleInput, ConsoleOutput, Machine, load_executable
from .machine.boot import load_modules
from .monitor.guest import GuestConfig
from .monitor.monitor import Monitor
from .monitor.strategies import STRATEGY_NAMES

DEFAULT_SEARCH = 1_000_000          # instructions recorded when looking for a divergence

LESSONS = {
    "rdpsw": "rdpsw is sensitive but unprivileged: run directly in the guest kernel, which the "
             "monitor runs in real user mode, it read the real psw (U=1) instead of trapping, so "
             "the guest saw that it is not in kernel mode.",
    "wrpsw": "wrpsw is sensitive but unprivileged: in real user mode it is silently ignored, so "
             "the guest kernel's change of IE was lost and the monitor never knew.",
}


@dataclass
class Run:
    """One run of the guest: bare (strategy None) or under the monitor."""
    name: str
    output: bytes = b""
    status: int = 0
    how: str = ""                       # how it ended: halt, power_off, crash, limit
    instructions: int = 0
    seconds: float = 0.0
    entries: dict[str, int] = field(default_factory=dict)   # monitor entries by reason
    emulated: int = 0
    message: str = ""                   # the crash report, if any
    other_image: bool = False           # ran another build of the kernel (para): its instructions differ

    def same_as(self, bare: "Run") -> bool:
        if self.other_image:
            return (self.output, self.status) == (bare.output, bare.status)
        return (self.output, self.status, self.instructions) == (bare.output, bare.status, bare.instructions)


@dataclass
class Divergence:
    count: int                          # instructions completed before the one that differs
    pc: int
    word: int | None
    what: list[str]                     # e.g. "a0: bare 00000000, trap 00000001"
    lesson: str

    def to_json(self) -> dict:
        return {"instruction": self.count + 1, "pc": self.pc, "word": self.word,
                "text": disassemble(self.word, self.pc) if self.word is not None else None,
                "differences": self.what, "lesson": self.lesson}


@dataclass
class Guest:
    """What every run is given."""
    image: str
    modules: list[str]
    mem: int
    input: bytes
    max_instructions: int
    para_image: str | None = None       # what runs under para (a kernel built for it), if not image

    def image_for(self, strategy: str | None) -> str:
        return self.para_image if strategy == "para" and self.para_image else self.image


# --- the runs --------------------------------------------------------------------------------
def boot_bare(guest: Guest, out: io.BytesIO) -> Machine:
    machine = Machine(guest.mem, console_in=ConsoleInput.from_bytes(guest.input),
                      console_out=ConsoleOutput(out))
    image = load_executable(machine, guest.image)
    machine.pc = image.entry
    if guest.modules:
        machine.regs[REGISTERS["a0"]] = load_modules(machine, guest.modules, image.end)
    return machine


def boot_monitor(guest: Guest, strategy: str, out: io.BytesIO) -> Monitor:
    config = GuestConfig(guest.image_for(strategy), list(guest.modules), guest.mem, None, guest.max_instructions)
    monitor = Monitor([config], [(ConsoleInput.from_bytes(guest.input), ConsoleOutput(out))],
                      strategy=strategy)
    monitor.boot()
    return monitor


def run_bare(guest: Guest) -> Run:
    out = io.BytesIO()
    machine = boot_bare(guest, out)
    started = time.perf_counter()
    stop = machine.run(guest.max_instructions)
    seconds = time.perf_counter() - started
    return Run("bare", out.getvalue(), stop.exit_status if stop.kind != "limit" else 124, stop.kind,
               machine.count, seconds, message=stop.message)


def run_strategy(guest: Guest, strategy: str) -> Run:
    out = io.BytesIO()
    monitor = boot_monitor(guest, strategy, out)
    started = time.perf_counter()
    stop = monitor.run()[0]
    seconds = time.perf_counter() - started
    s = monitor.guests[0].stats
    entries = {
        "privileged instructions": sum(s.privileged.values()),
        "sensitive instructions": sum(s.sensitive.values()),
        "hypercalls": sum(s.hypercalls.values()),
        "device accesses": sum(s.devices.values()),
        "hidden page faults": s.hidden_faults,
        "binary translation faults": s.bt_faults,
        "system calls reflected": s.syscalls,
        "faults reflected": sum(s.true_faults.values()) + sum(s.reflected.values()),
        "total": s.entries,
    }
    return Run(strategy, out.getvalue(), stop.exit_status, stop.kind, sum(s.instructions), seconds,
               entries, s.emulated, stop.message, guest.image_for(strategy) != guest.image)


# --- the first divergence --------------------------------------------------------------------
class _Found(Exception):
    """Raised inside the recording run at the first divergence (ends that run)."""


class Recorder:
    """A tracer (the machine's ``--trace`` interface) that keeps what the guest can see after each
    completed instruction: (pc, word, registers changed, psw U and IE). With ``against`` (a
    recording of the bare run) it compares instead and stops at the first difference. Keeping
    only the registers that changed keeps a million-instruction recording small; equal change
    lists from equal starting registers mean equal registers."""

    def __init__(self, psw_of, limit: int, against: "Recorder | None" = None, label: str = ""):
        self.psw_of = psw_of
        self.limit = limit
        self.steps: list[tuple] = []
        self.complete = True               # the whole run is recorded (it ended within limit)
        self.against = against
        self.label = label
        self.found: Divergence | None = None
        self.regs = [0] * 32               # the registers after the last step
        self.bare_regs = [0] * 32
        self.n = 0                         # instructions seen

    @staticmethod
    def snapshot(machine) -> None:
        return None

    def trap(self, machine, cause: int, tval: int) -> None:
        pass

    def instruction(self, machine, before, pc: int, word: int | None) -> None:
        now, prev = machine.regs, self.regs
        changes = ()
        if now != prev:
            changes = tuple((i, v) for i, (v, o) in enumerate(zip(now, prev)) if v != o)
            prev[:] = now
        step = (pc, word, changes, self.psw_of() & (PSW_U | PSW_IE))
        n, self.n = self.n, self.n + 1
        if self.against is None:
            self.steps.append(step)
            if self.n >= self.limit:
                self.complete = False
                raise _Found
            return
        bare = self.against
        if n >= len(bare.steps):
            if bare.complete:
                self.found = Divergence(n, pc, word, [f"the bare machine stopped after {n:,} instructions; "
                                                      f"{self.label} runs on"], "")
            raise _Found
        expected = bare.steps[n]
        for i, v in expected[2]:
            self.bare_regs[i] = v
        if step != expected:
            self.found = describe(n, expected, step, self.bare_regs, now, self.label)
            raise _Found


def describe(n: int, bare: tuple, other: tuple, bare_regs: list, regs: list, label: str) -> Divergence:
    bpc, bword, _, bpsw = bare
    pc, word, _, psw = other
    if bpc != pc:
        return Divergence(n, bpc, bword, [f"pc: bare runs {bpc:08x} ({_text(bword, bpc)}), {label} runs "
                                          f"{pc:08x} ({_text(word, pc)})"],
                          "The guest took a different path here: an interrupt or trap came at a "
                          "different point than on the bare machine.")
    what = [f"{ABI_NAMES[i]}: bare {b:08x}, {label} {o:08x}"
            for i, (b, o) in enumerate(zip(bare_regs, regs)) if b != o]
    for bit, name in ((PSW_U, "psw.U"), (PSW_IE, "psw.IE")):
        if (bpsw ^ psw) & bit:
            what.append(f"{name}: bare {int(bool(bpsw & bit))}, {label} {int(bool(psw & bit))}")
    mnemonic = _text(bword, bpc).split()[0] if bword is not None else ""
    return Divergence(n, bpc, bword, what, LESSONS.get(mnemonic, "The instruction's effect differs."))


def _text(word: int | None, pc: int) -> str:
    return disassemble(word, pc) if word is not None else "?"


def first_divergence(guest: Guest, strategy: str, limit: int = DEFAULT_SEARCH) -> Divergence | None:
    """Run bare and under ``strategy`` instruction by instruction; where they first differ."""
    machine = boot_bare(guest, io.BytesIO())
    bare = Recorder(lambda: machine.psw, min(limit, guest.max_instructions))
    machine.tracer = bare
    try:
        machine.run(guest.max_instructions)
    except _Found:
        pass
    monitor = boot_monitor(guest, strategy, io.BytesIO())
    vcpu = monitor.guests[0].vcpu
    other = Recorder(lambda: vcpu.psw, limit, bare, strategy)
    monitor.machine.tracer = other
    monitor.run()              # _Found ends the guest inside the scheduler (a monitor error)
    return other.found


# --- the report --------------------------------------------------------------------------------
def compare(guest: Guest, strategies=STRATEGY_NAMES, search: int = DEFAULT_SEARCH) -> dict:
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
                 f"pc {divergence.pc:08x}: {_text(divergence.word, divergence.pc)}")
    lines += [f"    {w}" for w in divergence.what]
    if divergence.lesson:
        lines += textwrap.wrap(f"why: {divergence.lesson}", 100, initial_indent="  ", subsequent_indent="       ")
    return lines


def load_guest(image: str, modules, mem: int, input_path: str | None, max_instructions: int,
               para_image: str | None = None) -> Guest:
    data = b""
    if input_path is not None:
        with open(input_path, "rb") as f:
            data = f.read()
    return Guest(image, list(modules), mem, data, max_instructions, para_image)

