"""TOY32 machine state and numbers: registers, special registers, psw bits, causes, page maps,
physical memory layout and devices (SPEC §1-§6). SPEC fixes the names; the numbers are chosen here,
once, and everything else reads them from this module.
"""
from __future__ import annotations

from typing import NamedTuple


# --- general registers (SPEC §1) -------------------------------------------------------------
ABI_NAMES = ("zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1",
             "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
             "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
             "t3", "t4", "t5", "t6")
REGISTERS: dict[str, int] = {f"x{i}": i for i in range(32)}
REGISTERS.update({name: i for i, name in enumerate(ABI_NAMES)})
REGISTERS["fp"] = 8


# --- special registers, as numbered in mfsr/mtsr's sr field (SPEC §2) ------------------------
class SpecialRegister(NamedTuple):
    name: str
    number: int
    description: str


SPECIAL_REGISTERS: tuple[SpecialRegister, ...] = (
    SpecialRegister("psw", 0, "processor status word (bits below)"),
    SpecialRegister("epc", 1, "pc of the trapping instruction (interrupts: of the next one to run)"),
    SpecialRegister("cause", 2, "why the last trap happened"),
    SpecialRegister("tval", 3, "faulting address, or the instruction word, or 0"),
    SpecialRegister("tvec", 4, "address of the trap handler"),
    SpecialRegister("scratch", 5, "a word for the kernel's own use"),
)
SR_NUMBERS: dict[str, int] = {sr.name: sr.number for sr in SPECIAL_REGISTERS}
SR_NAMES: dict[int, str] = {sr.number: sr.name for sr in SPECIAL_REGISTERS}

# --- psw bits (masks). All lie in bits 0..7; other bits read 0. -----------------------------
PSW_BITS: dict[str, tuple[int, str]] = {
    "PSW_U": (1 << 0, "1 = user mode, 0 = kernel mode (the U/K bit)"),
    "PSW_IE": (1 << 1, "interrupts enabled"),
    "PSW_PU": (1 << 2, "U before the last trap (restored by rti)"),
    "PSW_PIE": (1 << 3, "IE before the last trap (restored by rti)"),
}
PSW_U = PSW_BITS["PSW_U"][0]
PSW_IE = PSW_BITS["PSW_IE"][0]
PSW_PU = PSW_BITS["PSW_PU"][0]
PSW_PIE = PSW_BITS["PSW_PIE"][0]
PSW_WRITABLE = PSW_U | PSW_IE | PSW_PU | PSW_PIE

# --- pmar ---------------------------------------------------------------------------------
PMAR_ON = 1 << 0
PMAR_ROOT_MASK = 0xFFFFF000


# --- trap causes (SPEC §4) -------------------------------------------------------------------
INTERRUPT_BIT = 0x80000000


class Cause(NamedTuple):
    name: str
    value: int
    description: str

    @property
    def is_interrupt(self) -> bool:
        return bool(self.value & INTERRUPT_BIT)


CAUSES: tuple[Cause, ...] = (
    Cause("MISALIGNED_FETCH", 0, "pc not a multiple of 4 (tval = pc)"),
    Cause("PAGE_FAULT_FETCH", 1, "fetch from an unmapped or non-executable page (tval = address)"),
    Cause("ILLEGAL_INSTRUCTION", 2, "not a TOY32 instruction (tval = the word)"),
    Cause("BREAKPOINT", 3, "ebreak (tval = 0)"),
    Cause("MISALIGNED_LOAD", 4, "load address not naturally aligned (tval = address)"),
    Cause("PAGE_FAULT_LOAD", 5, "load from an unmapped or unreadable page (tval = address)"),
    Cause("MISALIGNED_STORE", 6, "store address not naturally aligned (tval = address)"),
    Cause("PAGE_FAULT_STORE", 7, "store to an unmapped or read-only page (tval = address)"),
    Cause("SVC", 8, "ecall / svc, the supervisor call (tval = 0)"),
    Cause("PRIVILEGED_INSTRUCTION", 9, "privileged instruction in user mode (tval = the word)"),
    Cause("BUS_ERROR", 10, "no memory or device at that physical address, or a device access "
                          "that is not an aligned word (tval = virtual address)"),
    Cause("VIRTUALIZATION_TRAP", 11, "rdpsw/wrpsw in user mode with hardware assist on, or a "
                                     "hypercall (tval = the word)"),
    Cause("MMAP_FAULT", 12, "nested paging: a guest-physical address the machine map does not back; "
                            "to the monitor, never to a guest (tval = virtual address; the gpa and "
                            "gpainfo registers say where)"),
    Cause("TIMER", INTERRUPT_BIT | 1, "interrupt: the timer came due"),
    Cause("CONSOLE", INTERRUPT_BIT | 2, "interrupt: console input is ready"),
)
CAUSE_BY_NAME: dict[str, int] = {c.name: c.value for c in CAUSES}
CAUSE_NAMES: dict[int, str] = {c.value: c.name for c in CAUSES}

# --- page maps (SPEC §5) --------------------------------------------------------------------
PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PTE_FLAGS: dict[str, tuple[int, str]] = {
    "PTE_V": (1 << 0, "valid"),
    "PTE_R": (1 << 1, "readable"),
    "PTE_W": (1 << 2, "writable"),
    "PTE_X": (1 << 3, "executable"),
    "PTE_U": (1 << 4, "user mode may access (without it the page is kernel-only)"),
}
PTE_V = PTE_FLAGS["PTE_V"][0]
PTE_R = PTE_FLAGS["PTE_R"][0]
PTE_W = PTE_FLAGS["PTE_W"][0]
PTE_X = PTE_FLAGS["PTE_X"][0]
PTE_U = PTE_FLAGS["PTE_U"][0]
PTE_ADDR_MASK = 0xFFFFF000

# --- physical memory layout -----------------------------------------------------------------
RAM_BASE = 0x00000000            # RAM is physical 0 .. ram size
DEFAULT_RAM_SIZE = 16 << 20      # 16 MiB
DEVICE_BASE = 0xF0000000         # one kernel-only page of device registers
# Where toyasm places .text when the user does not say: the conventional user-program base
# (ld.lld's too), inside RAM, so the same default build runs bare and as a guestos module.
DEFAULT_TEXT_BASE = 0x00010000


# --- devices (SPEC §6): one 32-bit register each, aligned word access only -------------------
class DeviceRegister(NamedTuple):
    name: str
    address: int
    access: str  # "r", "w"
    description: str


DEVICE_REGISTERS: tuple[DeviceRegister, ...] = (
    DeviceRegister("CONSOLE_TX", DEVICE_BASE + 0x00, "w", "the low byte goes to the console output"),
    DeviceRegister("CONSOLE_STATUS", DEVICE_BASE + 0x04, "r",
                   "bit CONSOLE_RX_READY: an input byte waits; bit CONSOLE_EOF: input has ended"),
    DeviceRegister("CONSOLE_RX", DEVICE_BASE + 0x08, "r", "the next input byte (consumes it)"),
    DeviceRegister("CONSOLE_CTRL", DEVICE_BASE + 0x0C, "w",
                   "bit CONSOLE_RX_IRQ enables the CONSOLE interrupt"),
    DeviceRegister("TIMER_LOAD", DEVICE_BASE + 0x10, "w",
                   "N > 0: TIMER comes due after N more completed instructions; 0: disarm. "
                   "Any write clears a pending TIMER"),
    DeviceRegister("TIMER_NOW", DEVICE_BASE + 0x14, "r", "instructions completed since reset (low 32 bits)"),
    DeviceRegister("POWER_OFF", DEVICE_BASE + 0x18, "w", "stop the machine; the value is the exit status"),
)
DEVICE_BY_NAME: dict[str, int] = {d.name: d.address for d in DEVICE_REGISTERS}
DEVICE_BITS: dict[str, tuple[int, str]] = {
    "CONSOLE_RX_READY": (1 << 0, "CONSOLE_STATUS: an input byte waits"),
    "CONSOLE_EOF": (1 << 1, "CONSOLE_STATUS: input has ended"),
    "CONSOLE_RX_IRQ": (1 << 0, "CONSOLE_CTRL: raise CONSOLE when input is ready"),
}


# --- hardware support for virtualization (SPEC §9): nested paging and the guest mode ----------
# Registers of the monitor's own, beside the special registers: no TOY32 instruction names them
# (mfsr/mtsr's sr field does not reach them), so a guest can never see or change them; toyvm's
# monitor sets and reads them through the machine (vmm/machine).
class HostRegister(NamedTuple):
    name: str
    description: str


HOST_REGISTERS: tuple[HostRegister, ...] = (
    HostRegister("mmap", "machine-map register: MMAP_ON, MMAP_GUEST_KERNEL and the host-physical "
                         "address of the root of the machine map (guest-physical -> host-physical)"),
    HostRegister("gpa", "on MMAP_FAULT: the guest-physical address the machine map did not give"),
    HostRegister("gpainfo", "on MMAP_FAULT: the access (PTE_R, PTE_W or PTE_X) and MMAP_FAULT_WALK"),
)
MMAP_ON = 1 << 0               # nested paging on: every address the guest's maps give is translated again
MMAP_GUEST_KERNEL = 1 << 1     # outside the guest mode: check the guest's leaves as for its kernel mode
MMAP_ROOT_MASK = 0xFFFFF000    # host-physical address of the machine map's root (page-aligned)
MMAP_FAULT_WALK = 1 << 5       # gpainfo: gpa is a word of the guest's own page map (the walk's read)

# The guest mode's control block: the guest's own copies of the privileged state, which
# privileged instructions, traps and rti act on while the guest runs (SPEC §9).
GUEST_STATE: tuple[str, ...] = ("psw", "pmar", "epc", "cause", "tval", "tvec", "scratch")


class ExitReason(NamedTuple):
    name: str
    value: int
    description: str


# Why the guest mode handed the processor back to the monitor (a VM exit).
EXIT_REASONS: tuple[ExitReason, ...] = (
    ExitReason("EXIT_INSTRUCTION", 1, "halt or hypercall in the guest's kernel mode; with shadow paging "
                                      "also stpmar and tlbflush (the word: tval)"),
    ExitReason("EXIT_MMAP_FAULT", 2, "MMAP_FAULT: a guest-physical address the machine map refuses "
                                     "(guest RAM not yet backed, a device register, nothing)"),
    ExitReason("EXIT_PAGE_FAULT", 3, "with shadow paging only: a page fault or BUS_ERROR (the shadow "
                                     "may lack the leaf)"),
    ExitReason("EXIT_STUCK", 4, "the guest can make no progress (SPEC §4's rules, on the guest's count)"),
    ExitReason("EXIT_TIMER", 5, "the monitor's time slice ended"),
)
EXIT_BY_NAME: dict[str, int] = {e.name: e.value for e in EXIT_REASONS}
EXIT_NAMES: dict[int, str] = {e.value: e.name for e in EXIT_REASONS}
EXIT_INSTRUCTION, EXIT_MMAP_FAULT, EXIT_PAGE_FAULT, EXIT_STUCK, EXIT_TIMER = (e.value for e in EXIT_REASONS)
