"""Region discovery: which instructions one translated function covers.

A *region* is the code reachable from an entry pc through direct branches and jumps inside one
page: a few basic blocks (bounded by MAX_BLOCK, MAX_REGION_BLOCKS and MAX_REGION_INSNS). A block
ends at a branch or jump, or at an instruction the CPU must execute itself (``ends_block``:
system instructions, words that are no instruction), after which control leaves the region.
"""
from __future__ import annotations

from dataclasses import dataclass

from isa import Decoded, decode
from isa.machine import PAGE_SIZE, SR_NAMES

MASK = 0xFFFFFFFF
MAX_BLOCK = 64          # instructions in one basic block
MAX_REGION_BLOCKS = 12
MAX_REGION_INSNS = 200
# Instructions after which a basic block ends, and those the CPU executes through ``SYS``.
BRANCHES = {"branch", "jal", "jalr"}
_SYSTEM = {"ecall", "ebreak", "priv", "sensitive", "hypercall"}
# ... except these, which in kernel mode only move a value between a general and a special
# register (SPEC §3): they cannot trap or change the mode, the maps or the pc, so kernel-mode
# regions run them in line instead of leaving the region (a kernel's trap path is full of them).
# mtsr psw is not among them in kernel mode: it may switch the mode or enable a pending interrupt.


# In user mode the same mfsr/mtsr trap, but a monitor may perform them for its guest's virtual
# kernel in line (Machine.emulate_in_line): user-mode regions ask it first, and leave through SYS
# only when it declines (a real user program, a guest in virtual user mode, a watched run, an
# mtsr psw that could change the guest's mode or let an interrupt in).


def _stays_in_region(d: Decoded, kernel: bool) -> bool:
    if d.instr.kind != "priv":
        return False
    name = d.instr.mnemonic
    if name == "ldpmar":
        return kernel
    return name in ("mfsr", "mtsr") and d.imm in SR_NAMES and not (kernel and name == "mtsr"
                                                                  and SR_NAMES[d.imm] == "psw")


def ends_block(d: Decoded | None, kernel: bool) -> bool:
    """Does the CPU have to execute ``d`` itself (through ``SYS``), leaving the region?"""
    return d is None or (d.instr.kind in _SYSTEM and not _stays_in_region(d, kernel))


@dataclass
class Block:
    pc: int
    insns: list[tuple[int, int, Decoded | None]]     # (pc, word, decoded)
    kernel: bool = False                             # compiled for kernel mode

    @property
    def last(self) -> Decoded | None:
        return self.insns[-1][2]

    @property
    def ends_in_system(self) -> bool:
        return ends_block(self.last, self.kernel)

    def jump_target(self) -> int | None:
        """Where the jal/jalr ending the block goes, when that is known at translation time
        (a jalr through a register set by lui/auipc/addi earlier in the block: a call)."""
        pc, _, d = self.insns[-1]
        if d is None or d.instr.kind not in ("jal", "jalr"):
            return None
        if d.instr.kind == "jal":
            return (pc + d.imm) & MASK
        known = {0: 0}
        for ipc, _, x in self.insns[:-1]:
            rd = x.rd if "rd" in x.instr.operands else 0
            if not rd:
                continue
            if x.instr.kind == "lui":
                known[rd] = (x.imm << 12) & MASK
            elif x.instr.kind == "auipc":
                known[rd] = (ipc + (x.imm << 12)) & MASK
            elif x.instr.mnemonic == "addi" and x.rs1 in known:
                known[rd] = (known[x.rs1] + x.imm) & MASK
            else:
                known.pop(rd, None)
        return (known[d.rs1] + d.imm) & 0xFFFFFFFE if d.rs1 in known else None

    def return_site(self) -> int | None:
        """pc + 4 of the call (jal/jalr writing a register) ending the block."""
        pc, _, d = self.insns[-1]
        if d is not None and d.instr.kind in ("jal", "jalr") and d.rd:
            return pc + 4
        return None

    def successors(self, page_end: int) -> list[int]:
        """Blocks control can reach next from here (return sites of calls included)."""
        pc, _, d = self.insns[-1]
        if self.ends_in_system:
            return []
        if d.instr.kind in ("jal", "jalr"):
            targets = [t for t in (self.jump_target(), self.return_site()) if t is not None]
        elif d.instr.kind == "branch":
            targets = [(pc + d.imm) & MASK, pc + 4]
        else:
            targets = [pc + 4]
        return [t for t in targets if page_end - PAGE_SIZE <= t < page_end and not t & 3]


def scan_block(fetch, pc: int, page_end: int, max_len: int, kernel: bool) -> Block:
    insns = []
    while True:
        word = fetch(pc)
        d = decode(word)
        insns.append((pc, word, d))
        pc += 4
        if ends_block(d, kernel) or d.instr.kind in BRANCHES:
            break
        if pc >= page_end or len(insns) >= max_len:
            break
    return Block(insns[0][0], insns, kernel)


def find_region(fetch, entry: int, single: bool, kernel: bool = False) -> list[Block]:
    """The blocks of the region at ``entry`` (one instruction when ``single``) for kernel or
    user mode."""
    page_end = (entry & ~(PAGE_SIZE - 1)) + PAGE_SIZE
    if single:
        return [scan_block(fetch, entry, page_end, 1, kernel)]
    blocks: dict[int, Block] = {}
    work = [entry]
    total = 0
    while work and len(blocks) < MAX_REGION_BLOCKS and total < MAX_REGION_INSNS:
        pc = work.pop(0)
        if pc in blocks:
            continue
        block = scan_block(fetch, pc, page_end, MAX_BLOCK, kernel)
        blocks[pc] = block
        total += len(block.insns)
        work.extend(t for t in block.successors(page_end) if t not in blocks)
    return list(blocks.values())
