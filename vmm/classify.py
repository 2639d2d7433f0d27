"""`toyvm classify`: the Popek-Goldberg classification of TOY32, found by experiment.

Every instruction of ``isa.INSTRUCTIONS`` is encoded from its match bits and operand fields
with representative operands and *run* on a fresh ``vmm.machine.Machine``; the classes come
from comparing what the runs did. The table's ``privileged``/``sensitive``/``virtualizable``/
``kind`` attributes are never read: only the mnemonic, the encoding and the operand syntax
(tests/test_classify.py hands the classifier a table on which reading them raises).

The laboratory
--------------
A 64 KiB machine. Virtual page 1 is the code page: a *primer* ``lw x0, 0(x0)`` and then the
instruction under test. Virtual page 2 is the data page (random bytes); every memory operand
points into it, word-aligned. Virtual page 0 is the *probe*: the primer loads from it, so the
TLB caches its translation, and then the page map is edited in place to send it to another
physical page. Whether a later fetch from the probe still reads the old page ("a stale
translation is cached") is how a TLB flush is seen -- by observation, not by looking inside
the MMU. Every mapped page is V|R|W|X|U, so page protection (Popek and Goldberg's *memory
traps*) plays no part. A monitor is attached that records a trap and stops the machine, so
one trapping instruction is one observation and the trap handler never runs.

A *start* is: random registers, the operands' registers fixed up (memory operands point into
the data page), random data, psw's IE/PU/PIE bits, random epc/cause/tval/tvec/scratch, and a
*configuration* of the privileged state:

  ``identity``   translation on, every virtual page at the same physical address
  ``relocated``  translation on, the same virtual view at other physical pages (other maps,
                 other pmar)
  ``off``        translation off (physical = virtual, as the identity map)
  ``varied``     identity, but the other privileged registers differ: psw IE/PU/PIE flipped,
                 other epc/cause/tval/tvec/scratch

The four configurations give the program the same *virtual view* -- registers, pc, and the
bytes it can address -- and differ only in what a VMM would keep for itself. Each start is run
in kernel mode (psw.U = 0) and in user mode (psw.U = 1): 8 runs per start, ``STATES`` starts
(seeded from the mnemonic, so every run of the command gives the same table).

What a run records: the trap it raised (cause) or none; then, before and after the
instruction, x1..x31, pc, the virtual view's memory, psw, pmar, epc, cause, tval, tvec,
scratch, whether a stale translation is cached ("tlb") and whether the machine halted.

The classes
-----------
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
  two runs that start from the same virtual view disagree about the effect, where the pairs
  are kernel/user (same configuration; skipped when the user run traps and the kernel run
  does not -- that is privilege, the point of the first test) and identity/relocated,
  identity/off, identity/varied (same mode). "Disagree" is made precise per bit of every
  recorded value: the two runs agree on a bit if it ends equal in both, or if neither run
  changed it. So a component the two starts deliberately differ in (pmar, the U bit, IE...)
  is not a difference unless the instruction treats it differently: ``add`` agrees
  everywhere, a load through the relocated map reads the same bytes, ``wrpsw`` in the varied
  configuration sets IE to rs1's bit in both (agree), but kernel vs user it sets IE in one and
  leaves it in the other (disagree); ``rdpsw`` puts different values in rd (disagree).
  TOY32's privileged state is richer than PG's model (mode + relocation register), so
  depending on IE/PU/PIE or epc/cause/tval/tvec/scratch counts as depending on the
  configuration, just as depending on pmar does: a VMM virtualizes them all.

*innocuous*: none of the above. *sensitive* = control- or behaviour-sensitive.

*user-sensitive* (PG 1974, section on hybrid VMMs: sensitive from a user-mode state): some
  user-mode run completes and changes the configuration, or two user-mode runs of the
  location/configuration pairs disagree. The kernel/user pair cannot count: a hybrid monitor
  runs only virtual-user-mode code directly, and in real user mode.

Verdicts: Theorem 1 holds when sensitive is a subset of privileged, Theorem 3 when
user-sensitive is; the offenders are the differences.
"""
from __future__ import annotations

import json
import random
import textwrap
from dataclasses import dataclass, field, replace

from isa import BY_MNEMONIC, FIELDS, INSTRUCTIONS
from isa.machine import (CAUSE_BY_NAME, CAUSE_NAMES, PMAR_ON, PSW_BITS, PSW_IE, PSW_PIE, PSW_PU, PSW_U,
                         PAGE_SHIFT, PAGE_SIZE, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X,
                         SPECIAL_REGISTERS)

from .machine import Machine, Stop

WIDTH = 100                         # text output: paragraphs are wrapped to this
STATES = 8                          # random starts per instruction (x 4 configurations x 2 modes)
RAM = 16 * PAGE_SIZE
PROBE_VA, CODE_VA, DATA_VA = 0x0000, 0x1000, 0x2000
PRIMER_PC = CODE_VA + 0x800         # mid-page: no branch offset matters, nothing is fetched after
TEST_PC = PRIMER_PC + 4
PRIMER = BY_MNEMONIC["lw"].match           # lw x0, 0(x0): a load from the probe page
STALE, FRESH = 0x5A1E5A1E, 0xF4E5F4E5      # the probe's old and new page (first word)
LEAF = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U
SRS = ("epc", "cause", "tval", "tvec", "scratch")
CONTROL = ("psw", "pmar") + SRS + ("tlb", "halted")
MEMORY_TRAPS = {CAUSE_BY_NAME[name] for name in (
    "MISALIGNED_FETCH", "MISALIGNED_LOAD", "MISALIGNED_STORE", "PAGE_FAULT_FETCH", "PAGE_FAULT_LOAD",
    "PAGE_FAULT_STORE", "BUS_ERROR")}
MODES = {0: "kernel", 1: "user"}


@dataclass(frozen=True)
class Layout:
    """Where a configuration puts the virtual pages in physical memory."""
    translation: bool
    code: int = CODE_VA
    data: int = DATA_VA
    root: int = 0x3000
    leaves: int = 0x4000
    stale: int = 0x5000
    fresh: int = 0x6000


IDENTITY = Layout(True)
RELOCATED = Layout(True, 0x9000, 0xA000, 0xB000, 0xC000, 0xD000, 0xE000)
PHYSICAL = Layout(False)


@dataclass(frozen=True)
class Start:
    """A starting state, less the mode: the virtual view and the privileged configuration."""
    word: int
    regs: tuple[int, ...]
    psw: int                        # IE/PU/PIE; U is added per run
    srs: tuple[int, ...]            # epc cause tval tvec scratch
    data: bytes
    layout: Layout = IDENTITY


@dataclass
class Run:
    trap: int | None                # the cause, or None when the instruction completed
    before: dict[str, int]
    after: dict[str, int]


class _TrapRecorder:
    """A monitor that notes the trap and stops: the trap handler never runs."""
    cause: int | None = None

    def on_trap(self, machine: Machine, cause: int, tval: int) -> None:
        self.cause = cause
        machine.stop(Stop("trap"))


# --- one run -------------------------------------------------------------------------------------
def _observe(m: Machine, layout: Layout, halted: bool = False) -> dict[str, int]:
    """What a run records before and after the instruction (see the module doc)."""
    state = {f"x{i}": m.regs[i] for i in range(1, 32)}
    view = m.mem.read(layout.code, PAGE_SIZE) + m.mem.read(layout.data, PAGE_SIZE)
    state.update(pc=m.pc, memory=int.from_bytes(view, "little"), psw=m.psw, pmar=m.pmar,
                 tlb=int(m.peek_instruction(PROBE_VA) == STALE), halted=int(halted))
    state.update({name: getattr(m, name) for name in SRS})
    return state


def run(start: Start, user: int, hw_assist: bool) -> Run:
    """Run the instruction of ``start`` once, in user mode if ``user``, on a fresh machine."""
    m = Machine(RAM, hw_assist=hw_assist)
    recorder = m.monitor = _TrapRecorder()
    lay = start.layout
    m.write_word(lay.code + (PRIMER_PC - CODE_VA), PRIMER)
    m.write_word(lay.code + (TEST_PC - CODE_VA), start.word)
    m.write_bytes(lay.data, start.data)
    if lay.translation:
        m.write_word(lay.root, lay.leaves | PTE_V)          # root entry 0 -> the leaf map
        for va, pa in ((PROBE_VA, lay.stale), (CODE_VA, lay.code), (DATA_VA, lay.data)):
            m.write_word(lay.leaves + (va >> PAGE_SHIFT) * 4, pa | LEAF)
        m.write_word(lay.stale, STALE)
        m.write_word(lay.fresh, FRESH)
        m.set_pmar(lay.root | PMAR_ON)
    for i, value in enumerate(start.regs):
        m.regs[i] = value
    m.set_psw(start.psw | (PSW_U if user else 0))
    for name, value in zip(SRS, start.srs):
        setattr(m, name, value)
    m.pc = PRIMER_PC
    m.run(1)                                                 # the primer caches the probe's translation
    assert recorder.cause is None and m.pc == TEST_PC, "the primer must complete"
    if lay.translation:                                      # edit the map in place: now it is stale
        m.write_word(lay.leaves + (PROBE_VA >> PAGE_SHIFT) * 4, lay.fresh | LEAF)
    before = _observe(m, lay)
    stop = m.run(1)                                          # the instruction under test
    return Run(recorder.cause, before, _observe(m, lay, halted=stop.kind == "halt"))


# --- starts --------------------------------------------------------------------------------------
def encode(ins, rng: random.Random, seed: int) -> tuple[int, dict[int, int], dict[str, str]]:
    """The instruction word with representative operands, the register values its memory
    operand needs (base + offset = a word in the data page), and the operand registers' names
    ("x5" -> "rd (x5)") for the evidence."""
    regs = iter(rng.sample(range(1, 32), 3))
    word, fixed, names = ins.match, {}, {}
    for token in ins.operands:
        if "(" in token:                                     # imm12(rs1), simm12(rs1)
            imm_name, reg_name = token.rstrip(")").split("(")
            imm, reg = rng.randint(FIELDS[imm_name].lo, FIELDS[imm_name].hi), next(regs)
            fixed[reg] = (DATA_VA + 4 * rng.randrange(PAGE_SIZE // 4) - imm) & 0xFFFFFFFF
            word |= FIELDS[imm_name].pack(imm) | FIELDS[reg_name].pack(reg)
            names[f"x{reg}"] = f"{reg_name} (x{reg})"
        elif token in ("rd", "rs1", "rs2"):
            reg = next(regs)
            word |= FIELDS[token].pack(reg)
            names[f"x{reg}"] = f"{token} (x{reg})"
        elif token == "sr":                                  # each special register in turn
            word |= FIELDS[token].pack(SPECIAL_REGISTERS[seed % len(SPECIAL_REGISTERS)].number)
        else:
            f = FIELDS[token]
            value = rng.randint(f.lo, f.hi)
            word |= f.pack(value - value % f.align)
    assert word & ins.mask == ins.match, ins.mnemonic
    return word, fixed, names


def starts(ins, seed: int) -> tuple[dict[str, Start], dict[str, str]]:
    """The four configurations of one random start (see the module doc), and the names of
    the operand registers."""
    rng = random.Random(f"{ins.mnemonic}/{seed}")
    word, fixed, names = encode(ins, rng, seed)
    regs = [0] + [rng.getrandbits(32) for _ in range(31)]
    for reg, value in fixed.items():
        regs[reg] = value
    psw = (PSW_IE if seed & 1 else 0) | (PSW_PIE if seed & 2 else 0) | (PSW_PU if seed & 4 else 0)
    base = Start(word, tuple(regs), psw, tuple(rng.getrandbits(32) & ~3 for _ in SRS), rng.randbytes(PAGE_SIZE))
    others = tuple(v ^ (rng.getrandbits(31) << 1 | 4) & ~3 for v in base.srs)    # each one differs
    return {"identity": base,
            "relocated": replace(base, layout=RELOCATED),
            "off": replace(base, layout=PHYSICAL),
            "varied": replace(base, psw=psw ^ (PSW_IE | PSW_PU | PSW_PIE), srs=others)}, names


# --- comparing runs ------------------------------------------------------------------------------
PSW_NAMES = {mask: name.removeprefix("PSW_") for name, (mask, _) in PSW_BITS.items()}
PAIRS = {"relocated": ("identity map", "relocated map"), "off": ("translation on", "translation off"),
         "varied": ("privileged registers as set", "changed")}


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


# --- classifying ---------------------------------------------------------------------------------
@dataclass
class Verdict:
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


# --- the whole instruction set and the theorems ---------------------------------------------------
THEOREM_1 = ("Theorem 1 (Popek & Goldberg 1974): for any conventional third-generation computer, a virtual "
             "machine monitor may be constructed if the set of sensitive instructions for that computer is a "
             "subset of the set of privileged instructions.")
THEOREM_3 = ("Theorem 3: a hybrid virtual machine monitor may be constructed for any conventional "
             "third-generation machine in which the set of user-sensitive instructions is a subset of the set "
             "of privileged instructions.")


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


# --- text for a student ---------------------------------------------------------------------------
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


INTRO = ("Every instruction was encoded from the isa table and run on the machine from {states} random states, "
         "in kernel and in user mode, with an identity page map, a relocated map with the same virtual view, "
         "translation off, and other privileged-register values (docs/virtualizability.md). Columns: priv = "
         "traps in user mode but not in kernel mode; ctrl = changes psw/pmar/epc/.../the TLB or halts; "
         "behav = its effect depends on the mode or the configuration; user = sensitive from user mode.")


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
