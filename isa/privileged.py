"""The privileged layer's behaviour, defined once (SPEC §2-§5): trap entry, ``rti``, the
privileged and sensitive instructions, the page-map walk, and the rules that stop a processor
which can no longer make progress.

Whoever executes TOY32 -- the bare machine (vmm/machine) on its real state, the monitor
(vmm/monitor) on a guest's virtual state, every strategy -- calls these functions, so "a guest
behaves as on the bare machine" does not rest on copies staying in step. They act on a
``Processor``: anything with the six methods below. The general registers are passed as a list.

    read_sr(number) -> int          psw, epc, cause, tval, tvec, scratch (numbers: isa.machine)
    write_sr(number, value)         writing psw may switch mode (the caller's business)
    read_pmar() -> int
    write_pmar(value)               stpmar: install a root and discard cached translations
    flush_translations()            tlbflush
    halt()
"""
from __future__ import annotations

from .decode import Decoded
from .machine import (CAUSE_BY_NAME, CAUSE_NAMES, EXIT_MMAP_FAULT, EXIT_PAGE_FAULT, INTERRUPT_BIT,
                      MMAP_FAULT_WALK, MMAP_GUEST_KERNEL, PAGE_SHIFT, PMAR_ON, PMAR_ROOT_MASK, PSW_IE,
                      PSW_PIE, PSW_PU, PSW_U, PSW_WRITABLE, PTE_ADDR_MASK, PTE_R, PTE_U, PTE_V, PTE_W,
                      PTE_X, SR_NUMBERS)

MASK = 0xFFFFFFFF
SR_PSW, SR_EPC, SR_CAUSE, SR_TVAL, SR_TVEC = (SR_NUMBERS[n] for n in ("psw", "epc", "cause", "tval", "tvec"))
C = CAUSE_BY_NAME


# --- trap entry and return (SPEC §4, §3) ------------------------------------------------------
def trap_psw(psw: int) -> int:
    """The psw after trap entry: PU <- U, PIE <- IE, U <- 0, IE <- 0."""
    return (PSW_PU if psw & PSW_U else 0) | (PSW_PIE if psw & PSW_IE else 0)


def rti_psw(psw: int) -> int:
    """The psw after ``rti``: U <- PU, IE <- PIE; PU and PIE unchanged."""
    return (psw & ~(PSW_U | PSW_IE) | (PSW_U if psw & PSW_PU else 0)
            | (PSW_IE if psw & PSW_PIE else 0)) & PSW_WRITABLE


def wrpsw_psw(psw: int, value: int) -> int:
    """The psw after a kernel-mode ``wrpsw value``: only IE changes."""
    return psw & ~PSW_IE | value & PSW_IE


def enter_trap(cpu, pc: int, cause: int, tval: int) -> int:
    """SPEC §4 trap entry on ``cpu`` for a trap at ``pc``; returns the new pc (tvec)."""
    cpu.write_sr(SR_EPC, pc & MASK)
    cpu.write_sr(SR_CAUSE, cause)
    cpu.write_sr(SR_TVAL, tval & MASK)
    cpu.write_sr(SR_PSW, trap_psw(cpu.read_sr(SR_PSW)))
    return cpu.read_sr(SR_TVEC)


# --- the system instructions -----------------------------------------------------------------
def _mfsr(cpu, d: Decoded, regs: list[int], pc: int) -> int:
    if d.rd:
        regs[d.rd] = cpu.read_sr(d.imm)
    return (pc + 4) & MASK


def _mtsr(cpu, d: Decoded, regs: list[int], pc: int) -> int:
    cpu.write_sr(d.imm, regs[d.rs1])
    return (pc + 4) & MASK


def _rti(cpu, d: Decoded, regs: list[int], pc: int) -> int:
    epc = cpu.read_sr(SR_EPC)
    cpu.write_sr(SR_PSW, rti_psw(cpu.read_sr(SR_PSW)))
    return epc


def _ldpmar(cpu, d: Decoded, regs: list[int], pc: int) -> int:
    if d.rd:
        regs[d.rd] = cpu.read_pmar()
    return (pc + 4) & MASK


def _stpmar(cpu, d: Decoded, regs: list[int], pc: int) -> int:
    cpu.write_pmar(regs[d.rs1])
    return (pc + 4) & MASK


def _tlbflush(cpu, d: Decoded, regs: list[int], pc: int) -> int:
    cpu.flush_translations()
    return (pc + 4) & MASK


def _halt(cpu, d: Decoded, regs: list[int], pc: int) -> int:
    cpu.halt()
    return (pc + 4) & MASK


# Each privileged instruction's behaviour in kernel mode: (cpu, decoded, registers, pc) -> next pc.
PRIVILEGED = {"mfsr": _mfsr, "mtsr": _mtsr, "rti": _rti, "ldpmar": _ldpmar, "stpmar": _stpmar,
              "tlbflush": _tlbflush, "halt": _halt}


def execute_privileged(cpu, d: Decoded, regs: list[int], pc: int) -> int:
    """Perform a privileged instruction in kernel mode; returns the next pc."""
    return PRIVILEGED[d.instr.mnemonic](cpu, d, regs, pc)


def execute_sensitive(cpu, d: Decoded, regs: list[int], pc: int) -> int:
    """``rdpsw``/``wrpsw`` as the bare machine runs them in the mode ``cpu``'s psw says (SPEC §3:
    user mode reads the real psw, and its wrpsw is silently ignored); returns the next pc."""
    psw = cpu.read_sr(SR_PSW)
    if d.instr.mnemonic == "rdpsw":
        if d.rd:
            regs[d.rd] = psw
    elif not psw & PSW_U:
        cpu.write_sr(SR_PSW, wrpsw_psw(psw, regs[d.rs1]))
    return (pc + 4) & MASK


def write_pmar_value(value: int) -> int:
    """What ``stpmar`` keeps of a value: the root's page address and PMAR_ON."""
    return value & (PMAR_ROOT_MASK | PMAR_ON)


# --- the page-map walk (SPEC §5) ---------------------------------------------------------------
READ, WRITE, EXEC = PTE_R, PTE_W, PTE_X
FAULT_OF_ACCESS = {READ: C["PAGE_FAULT_LOAD"], WRITE: C["PAGE_FAULT_STORE"], EXEC: C["PAGE_FAULT_FETCH"]}
ACCESS_OF_FAULT = {cause: access for access, cause in FAULT_OF_ACCESS.items()}
ACCESS_NAMES = {READ: "read", WRITE: "write", EXEC: "execute"}
POINTER_FLAGS = PTE_R | PTE_W | PTE_X | PTE_U


class WalkFault(Exception):
    """The walk cannot produce a leaf: ``cause`` is the trap to raise (BUS_ERROR when a page-map
    word lies outside memory, else the access's page fault)."""

    def __init__(self, cause: int):
        super().__init__(cause)
        self.cause = cause


def walk(read_word, size: int, pmar: int, va: int, access: int) -> tuple[int, int]:
    """(root entry, leaf entry) for va, reading page-map words with ``read_word(address)`` from a
    memory of ``size`` bytes; no permission check on the leaf (see ``leaf_allows``).

    A page-map word outside memory is a BUS_ERROR for the access being translated (a choice SPEC
    leaves open, docs/spec.md)."""
    root_addr = (pmar & PMAR_ROOT_MASK) + ((va >> 22) << 2)
    if root_addr >= size:
        raise WalkFault(C["BUS_ERROR"])
    root = read_word(root_addr)
    if not root & PTE_V or root & POINTER_FLAGS:
        raise WalkFault(FAULT_OF_ACCESS[access])
    leaf_addr = (root & PTE_ADDR_MASK) + (((va >> PAGE_SHIFT) & 0x3FF) << 2)
    if leaf_addr >= size:
        raise WalkFault(C["BUS_ERROR"])
    return root, read_word(leaf_addr)


def leaf_allows(leaf: int, access: int, user: bool) -> bool:
    return bool(leaf & PTE_V and leaf & access and (not user or leaf & PTE_U))


def translate(read_word, size: int, pmar: int, va: int, access: int, user: bool) -> tuple[int, int, int]:
    """(physical address, root entry, leaf entry) of an allowed access, else WalkFault.
    Translation off: (va, 0, 0)."""
    if not pmar & PMAR_ON:
        return va, 0, 0
    root, leaf = walk(read_word, size, pmar, va, access)
    if not leaf_allows(leaf, access, user):
        raise WalkFault(FAULT_OF_ACCESS[access])
    return (leaf & PTE_ADDR_MASK) | (va & ((1 << PAGE_SHIFT) - 1)), root, leaf


def _flags(entry: int) -> str:
    names = [n for bit, n in ((PTE_V, "V"), (PTE_R, "R"), (PTE_W, "W"), (PTE_X, "X"), (PTE_U, "U")) if entry & bit]
    return "|".join(names) or "none"


def explain_walk(read_word, size: int, pmar: int, va: int, access: int, user: bool) -> list[str]:
    """The walk for va step by step, in words, ending at the step that refuses the access: what a
    crash report shows under a page fault so the reader sees *why*, not only where."""
    mode = "user" if user else "kernel"
    what = f"{mode}-mode {ACCESS_NAMES[access]} of {va:08x}"
    if not pmar & PMAR_ON:
        return [f"{what}: translation is off (pmar {pmar:08x})"]
    index1, index2 = va >> 22, (va >> PAGE_SHIFT) & 0x3FF
    root_addr = (pmar & PMAR_ROOT_MASK) + (index1 << 2)
    lines = [f"{what} through the page map at {pmar & PMAR_ROOT_MASK:08x}:"]
    if root_addr >= size:
        return lines + [f"  root entry {index1} at {root_addr:08x} is outside memory -> BUS_ERROR"]
    root = read_word(root_addr)
    lines.append(f"  root entry {index1} at {root_addr:08x} = {root:08x} ({_flags(root)})")
    if not root & PTE_V:
        return lines + ["  -> not valid (PTE_V clear)"]
    if root & POINTER_FLAGS:
        return lines + ["  -> refused: a root entry with R/W/X/U set (TOY32 has no superpages; a root "
                        "entry must be V alone, pointing at a second-level map)"]
    leaf_addr = (root & PTE_ADDR_MASK) + (index2 << 2)
    if leaf_addr >= size:
        return lines + [f"  second-level entry {index2} at {leaf_addr:08x} is outside memory -> BUS_ERROR"]
    leaf = read_word(leaf_addr)
    lines.append(f"  second-level entry {index2} at {leaf_addr:08x} = {leaf:08x} ({_flags(leaf)})")
    if not leaf & PTE_V:
        return lines + ["  -> not valid (PTE_V clear)"]
    if not leaf & access:
        flag = {READ: "PTE_R", WRITE: "PTE_W", EXEC: "PTE_X"}[access]
        return lines + [f"  -> refused: {flag} is clear"]
    if user and not leaf & PTE_U:
        return lines + ["  -> refused: user mode and PTE_U is clear (a kernel-only page)"]
    return lines + [f"  -> allowed now, physical {(leaf & PTE_ADDR_MASK) | (va & 0xFFF):08x} (the entry was "
                    "changed since, or a stale cached translation refused it: run tlbflush after editing a map)"]


# --- nested paging (SPEC §9) ------------------------------------------------------------------
class MachineMapFault(Exception):
    """The machine map gives no host page for guest-physical ``gpa``: MMAP_FAULT, for the monitor.
    ``info`` is what the gpainfo register holds: the access, plus MMAP_FAULT_WALK when gpa is a
    word of the guest's own page map that the walk had to read."""

    def __init__(self, gpa: int, info: int):
        super().__init__(gpa, info)
        self.gpa = gpa
        self.info = info


ALL_ACCESS = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U


def host_address(read_word, size: int, mmap: int, gpa: int, info: int) -> int:
    """The host-physical address of guest-physical gpa through the machine map rooted at mmap:
    the same two-level walk as SPEC §5 (two memory references). A machine-map leaf with PTE_V
    maps its page for every access (its other flags are ignored); anything else -- an entry
    without PTE_V, a root entry with more than PTE_V, a machine-map word outside host RAM -- is
    a MachineMapFault(gpa, info)."""
    try:
        _, leaf = walk(read_word, size, mmap, gpa, READ)
    except WalkFault:
        raise MachineMapFault(gpa, info) from None
    if not leaf & PTE_V:
        raise MachineMapFault(gpa, info)
    return (leaf & PTE_ADDR_MASK) | (gpa & 0xFFF)


def nested_walk(read_word, size: int, mmap: int, pmar: int, va: int, access: int) -> tuple[int, int]:
    """(guest leaf, memory references) for va under nested paging: the guest's own two-level
    walk (SPEC §5) from the guest-physical root in ``pmar``, each page-map word's guest-physical
    address first translated through the machine map (host_address). Guest translation off:
    va is the guest-physical address, a leaf allowing everything. No permission check on the
    leaf; its address is still guest-physical. A guest root entry refused by SPEC §5 raises
    the guest's own page fault (WalkFault); a page-map word the machine map does not give
    raises MachineMapFault with MMAP_FAULT_WALK (outside the guest's RAM the monitor makes
    that the BUS_ERROR of SPEC §5)."""
    if not pmar & PMAR_ON:
        return (va & PTE_ADDR_MASK) | ALL_ACCESS, 0
    root_gpa = (pmar & PMAR_ROOT_MASK) + ((va >> 22) << 2)
    root = read_word(host_address(read_word, size, mmap, root_gpa, access | MMAP_FAULT_WALK))
    if not root & PTE_V or root & POINTER_FLAGS:
        raise WalkFault(FAULT_OF_ACCESS[access])
    leaf_gpa = (root & PTE_ADDR_MASK) + (((va >> PAGE_SHIFT) & 0x3FF) << 2)
    leaf = read_word(host_address(read_word, size, mmap, leaf_gpa, access | MMAP_FAULT_WALK))
    return leaf, 6


def nested_translate(read_word, size: int, mmap: int, pmar: int, va: int, access: int,
                     user: bool) -> tuple[int, int, int]:
    """(host-physical address, combined leaf, memory references) of an access the guest's map
    allows and the machine map backs; else WalkFault (the guest's own page fault, checked
    first, as SPEC §5 checks permission before the physical target) or MachineMapFault. The
    combined leaf -- the host page with the guest leaf's flags -- is what the TLB caches.
    MMAP_GUEST_KERNEL in mmap: the guest's leaves count as having PTE_U (a monitor running the
    guest's kernel in real user mode sets it while the guest is in its kernel mode).

    References: up to (2+1) x (2+1) - 1 = 8 -- two machine-map words for each of the guest's
    root entry, its leaf and the final page, plus the two guest entries -- where SPEC §5 needs 2."""
    leaf, refs = nested_walk(read_word, size, mmap, pmar, va, access)
    if mmap & MMAP_GUEST_KERNEL:
        leaf |= PTE_U
    if not leaf_allows(leaf, access, user):
        raise WalkFault(FAULT_OF_ACCESS[access])
    gpa = (leaf & PTE_ADDR_MASK) | (va & 0xFFF)
    host = host_address(read_word, size, mmap, gpa, access)
    return host, (host & PTE_ADDR_MASK) | (leaf & ALL_ACCESS), refs + 2


# --- the guest mode (SPEC §9) -------------------------------------------------------------------
# Instructions of the guest's kernel mode that leave the guest mode for the monitor; the others
# act on the guest's own copies. With shadow paging the monitor must also see every change of
# the guest's page map (it builds the shadow the processor walks) -- ldpmar reads the copy.
EXITING_INSTRUCTIONS = frozenset({"halt", "hypercall"})
SHADOW_EXITING_INSTRUCTIONS = EXITING_INSTRUCTIONS | {"stpmar", "tlbflush"}
PAGING_TRAPS = frozenset(C[n] for n in ("PAGE_FAULT_FETCH", "PAGE_FAULT_LOAD", "PAGE_FAULT_STORE", "BUS_ERROR"))


def instruction_exits(mnemonic: str, nested: bool) -> bool:
    """Does this instruction, in the guest's kernel mode, exit to the monitor?"""
    return mnemonic in (EXITING_INSTRUCTIONS if nested else SHADOW_EXITING_INSTRUCTIONS)


def trap_exit_reason(cause: int, nested: bool) -> int | None:
    """The exit reason of a trap in the guest mode, or None: the guest's own, to its tvec in
    hardware. MMAP_FAULT always exits; with shadow paging the page faults too (the shadow may
    only lack the leaf: the monitor tells a hidden fault from the guest's own)."""
    if cause == C["MMAP_FAULT"]:
        return EXIT_MMAP_FAULT
    if not nested and cause in PAGING_TRAPS:
        return EXIT_PAGE_FAULT
    return None


# --- when a processor cannot make progress ------------------------------------------------------
# Exceptions that are requests, not failures: the handler serves them and moves on, so the same
# one at the same pc over and over is a loop of the program's (polling with ecall), not a fault.
REQUESTS = frozenset({C["SVC"], C["BREAKPOINT"], C["VIRTUALIZATION_TRAP"]})
MEMORY_FAULTS = frozenset(C[n] for n in ("PAGE_FAULT_FETCH", "PAGE_FAULT_LOAD", "PAGE_FAULT_STORE",
                                         "MISALIGNED_FETCH", "MISALIGNED_LOAD", "MISALIGNED_STORE",
                                         "BUS_ERROR"))
DEFAULT_REPEAT_LIMIT = 1000     # repeats of one fault in a row that end the run (0: never)
SHORT_GAP = 64                  # "a few instructions": a handler that faults again at once
LONG_GAP = 10_000               # room for a handler that works hard and still fixes nothing


class ProgressWatch:
    """The rules that end a run which is going nowhere, with the same answer on the bare machine
    and under the monitor (each keeps one watch per processor it runs):

    * trap loop: an exception at pc = tvec before the handler completed a single instruction
      since the last trap entry (e.g. tvec = 0 and RAM there holding 0, an illegal word);
    * no progress: the same fault at the same pc ``repeat_limit`` times in a row (interrupts do
      not count; another exception breaks the row), each either at most SHORT_GAP instructions
      after the previous one -- a trap handler that itself faults on every entry, say through a
      misaligned kernel stack -- or, for the very same memory fault (same tval), at most LONG_GAP
      after it -- a page-fault handler that returns to an access it never makes succeed (a page
      mapped with the wrong flags). Requests (ecall, ebreak, hypercall) never count: a program
      may poll with them. 0 disables the rule.

    ``on_exception`` returns the headline of the crash report, or None to go on; ``entered``
    records a trap entry."""

    def __init__(self, repeat_limit: int = DEFAULT_REPEAT_LIMIT):
        self.repeat_limit = repeat_limit
        self.last_entry_count = -1
        self._last: tuple[int, int, int] | None = None     # (cause, pc, tval) of the last fault
        self._last_count = 0
        self._repeats = 0

    def on_exception(self, count: int, pc: int, cause: int, tval: int, tvec: int) -> str | None:
        if cause & INTERRUPT_BIT:
            return None
        if pc == tvec and count == self.last_entry_count:
            return (f"trap loop: the trap handler at tvec={tvec:08x} raised {_cause(cause)} "
                    f"(tval={tval & MASK:08x}) before completing an instruction; the trap it was "
                    f"entered for is in cause/tval/epc below")
        if cause in REQUESTS or not self.repeat_limit:
            self._last = None
            return None
        last, gap = self._last, count - self._last_count
        again = (last is not None and last[:2] == (cause, pc)
                 and (gap <= SHORT_GAP or (last[2] == tval and cause in MEMORY_FAULTS and gap <= LONG_GAP)))
        self._repeats = self._repeats + 1 if again else 1
        self._last, self._last_count = (cause, pc, tval), count
        if self._repeats >= self.repeat_limit:
            return (f"no progress: {_cause(cause)} at pc={pc:08x} {self._repeats} times in a row "
                    f"(last tval={tval & MASK:08x}, {gap} instructions since the one before): the "
                    f"trap handler never gets past this instruction (--max-repeated-faults N "
                    f"changes the bound, 0 disables it)")
        return None

    def entered(self, count: int) -> None:
        self.last_entry_count = count


def _cause(cause: int) -> str:
    return CAUSE_NAMES.get(cause, f"cause {cause:#x}")
