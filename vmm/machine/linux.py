"""``--syscalls linux``: run a user-mode RV32IM program the way qemu-riscv32 (qemu-user) does.

The program starts in user mode with translation off (RAM at physical 0, so programs linked at
0x10000 run where they are loaded), every other register zero, and a stack at the top of RAM
laid out as the RISC-V Linux ABI starts a process: argc = 0, the argv and envp terminators, and
an auxiliary vector holding AT_PAGESZ and AT_NULL. This environment is a monitor: ``ecall``
traps to it and is served by the host with the Linux RISC-V numbers (a7; arguments a0..a2;
result in a0): exit 93, exit_group 94, write 64 (fd 1 stdout, 2 stderr), read 63 (fd 0, the
console input), brk 214 (the break starts at the page-aligned end of the loaded image); any
other number returns -ENOSYS. Every other trap ends the program as the matching signal would
under qemu-user: a report on stderr and exit status 128 + signal (SIGSEGV 139 for page faults
and bus errors, SIGBUS 135 for misalignment, SIGILL 132, SIGTRAP 133).
"""
from __future__ import annotations

import sys

from isa.machine import CAUSE_BY_NAME, PSW_U, REGISTERS

from .errors import Stop, cause_name, crash_report
from .loader import Image

SYS_READ, SYS_WRITE, SYS_EXIT, SYS_EXIT_GROUP, SYS_BRK = 63, 64, 93, 94, 214
ENOSYS, EFAULT, EBADF = 38, 14, 9
AT_NULL, AT_PAGESZ = 0, 6
STACK_RESERVE = 1 << 20   # brk never grows into the top MiB, where the stack lives
SIGNALS = {
    "PAGE_FAULT_FETCH": (11, "SIGSEGV"), "PAGE_FAULT_LOAD": (11, "SIGSEGV"),
    "PAGE_FAULT_STORE": (11, "SIGSEGV"), "BUS_ERROR": (11, "SIGSEGV"),
    "MISALIGNED_FETCH": (7, "SIGBUS"), "MISALIGNED_LOAD": (7, "SIGBUS"), "MISALIGNED_STORE": (7, "SIGBUS"),
    "BREAKPOINT": (5, "SIGTRAP"),
}
A0, A7, SP = REGISTERS["a0"], REGISTERS["a7"], REGISTERS["sp"]
MASK = 0xFFFFFFFF


class LinuxSyscalls:
    """The monitor that serves Linux system calls for one user program."""

    def __init__(self, machine, image: Image, stderr=None):
        self.machine = machine
        self.stderr = stderr if stderr is not None else sys.stderr.buffer
        self.brk_start = self.brk = image.end
        self.brk_limit = machine.mem.size - STACK_RESERVE
        machine.monitor = self
        machine.pc = image.entry
        machine.set_psw(PSW_U)
        sp = (machine.mem.size - 64) & ~15
        for i, word in enumerate((0, 0, 0, AT_PAGESZ, 4096, AT_NULL, 0)):   # argc, argv, envp, auxv
            machine.write_word(sp + 4 * i, word)
        machine.regs[SP] = sp

    def on_trap(self, machine, cause: int, tval: int) -> None:
        if cause != CAUSE_BY_NAME["SVC"]:
            signal, name = SIGNALS.get(cause_name(cause), (4, "SIGILL"))
            machine.cause, machine.tval = cause, tval & MASK
            machine.stop(Stop("crash", 128 + signal, crash_report(
                machine, f"uncaught trap {cause_name(cause)} (tval={tval & MASK:08x}): "
                         f"the program is killed by {name}")))
            return
        regs = machine.regs
        number = regs[A7]
        args = regs[A0:A0 + 3]
        if number in (SYS_EXIT, SYS_EXIT_GROUP):
            machine.retire()
            machine.stop(Stop("exit", args[0]))
            return
        handler = {SYS_WRITE: self.write, SYS_READ: self.read, SYS_BRK: self.sys_brk}.get(number)
        result = handler(*args) if handler else -ENOSYS
        regs[A0] = result & MASK
        machine.pc = (machine.pc + 4) & MASK
        machine.retire()

    def write(self, fd: int, buf: int, count: int) -> int:
        if fd not in (1, 2):
            return -EBADF
        if not self.machine.mem.contains(buf, count):
            return -EFAULT
        data = self.machine.mem.read(buf, count)
        if fd == 1:
            self.machine.devices.console_out.write(data)
        else:
            self.machine.devices.console_out.flush()
            self.stderr.write(data)
            self.stderr.flush()
        return count

    def read(self, fd: int, buf: int, count: int) -> int:
        if fd != 0:
            return -EBADF
        if not self.machine.mem.contains(buf, count):
            return -EFAULT
        data = self.machine.devices.console_in.read(count)
        self.machine.write_bytes(buf, data)
        return len(data)

    def sys_brk(self, addr: int, *_) -> int:
        if self.brk_start <= addr <= self.brk_limit:
            if addr > self.brk:
                self.machine.write_bytes(self.brk, bytes(addr - self.brk))
            self.brk = addr
        return self.brk
