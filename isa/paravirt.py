"""The paravirtual interface (SPEC §3: "a hypercall instruction for paravirtualized guests may be
added; name it in isa/"): what a guest kernel built for the monitor (``--strategy para``, as
Xen's guests) may ask of it instead of executing sensitive or privileged instructions.

The call: ``hypercall`` with the function number in a7 and arguments in a0..a5; the result comes
back in a0 (negative: refused). On a bare machine, and under any other strategy, ``hypercall``
raises VIRTUALIZATION_TRAP at the kernel's own tvec: a paravirtual kernel cannot run there.

The shared *vcpu page*: a page of guest-physical memory the kernel registers with HC_SET_VCPU.
From then on, at every trap or interrupt the monitor reflects to the guest, it writes the
virtual epc, cause, tval and psw of SPEC §4 trap entry into this page, and saves the interrupted
a7 in VCPU_SCRATCH: the kernel's trap entry reads them with plain loads instead of trapping on
``mfsr`` five times, and may use a7 at once (it needs no ``mtsr scratch``). HC_RTI is the way
back: one hypercall does what ``mtsr epc``, ``mtsr psw`` and ``rti`` do, taking epc and psw
from the page, and restores a7 from VCPU_SCRATCH. HC_RDPSW and HC_WRPSW stand in for the two
sensitive-unprivileged instructions, so a paravirtual kernel never executes them.
"""
from __future__ import annotations

HYPERCALLS: dict[str, tuple[int, str]] = {
    "HC_SET_VCPU": (1, "hypercall: a0 = guest-physical address of a page-aligned page the monitor "
                       "fills at every trap (VCPU_*); a0 <- 0, or -1 when it is not the guest's RAM"),
    "HC_RTI": (2, "hypercall: epc <- VCPU_EPC, psw <- VCPU_PSW, then rti; a7 <- VCPU_SCRATCH"),
    "HC_PUTC": (3, "hypercall: the low byte of a0 goes to the console (no device trap)"),
    "HC_RDPSW": (4, "hypercall: a0 <- the virtual psw (what rdpsw would read on the bare machine)"),
    "HC_WRPSW": (5, "hypercall: psw.IE <- the IE bit of a0 (what wrpsw does in kernel mode)"),
}

VCPU_FIELDS: dict[str, tuple[int, str]] = {
    "VCPU_EPC": (0, "vcpu page: epc of the last trap the monitor reflected (HC_RTI returns there)"),
    "VCPU_CAUSE": (4, "vcpu page: its cause"),
    "VCPU_TVAL": (8, "vcpu page: its tval"),
    "VCPU_PSW": (12, "vcpu page: the psw after trap entry (PU, PIE say where it came from); "
                     "HC_RTI installs it before returning"),
    "VCPU_SCRATCH": (16, "vcpu page: a7 at the trap (the monitor saves it); HC_RTI restores a7"),
}

HC_SET_VCPU = HYPERCALLS["HC_SET_VCPU"][0]
HC_RTI = HYPERCALLS["HC_RTI"][0]
HC_PUTC = HYPERCALLS["HC_PUTC"][0]
HC_RDPSW = HYPERCALLS["HC_RDPSW"][0]
HC_WRPSW = HYPERCALLS["HC_WRPSW"][0]
VCPU_EPC = VCPU_FIELDS["VCPU_EPC"][0]
VCPU_CAUSE = VCPU_FIELDS["VCPU_CAUSE"][0]
VCPU_TVAL = VCPU_FIELDS["VCPU_TVAL"][0]
VCPU_PSW = VCPU_FIELDS["VCPU_PSW"][0]
VCPU_SCRATCH = VCPU_FIELDS["VCPU_SCRATCH"][0]


def symbols() -> dict[str, tuple[int, str]]:
    return {**HYPERCALLS, **VCPU_FIELDS}
