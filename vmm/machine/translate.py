"""The region compiler: TOY32 code in RAM -> Python functions.

A *region* (regions.py: the code reachable from an entry pc through direct branches and jumps
inside one page) becomes one Python function whose registers live in locals, whose arithmetic is
the instruction table's semantic ``expr`` strings specialised for their operands
(specialize.py), and whose control flow between its own blocks is a ``while`` loop over a block
number (details in ``RegionCompiler``), so a hot loop runs without leaving the function.

Protocol: ``region(budget) -> (next_pc, completed)``. The region never completes more than
``budget`` instructions: before each block it checks the block fits, else returns with what it
has done (0 at the entry tells the CPU to single-step). Memory accesses take an inline fast path
(RAM, aligned, fast map hit) and otherwise call a CPU helper: in a region of many instructions
the helper finishes a plain RAM access (a TLB miss) itself and bails out (``RegionBail``) for
anything else, and the region writes its registers back on the way out; a one-instruction
region (single-stepping) writes its registers back first and calls the precise helpers, which
trap, touch devices and drop overwritten code. Helpers set the CPU's pc and count themselves.

Code generated for translation off indexes RAM directly by physical address; with translation
on it consults the fast maps of the mode the region was compiled for (the CPU keys regions by
translation on/off and mode).
"""
from __future__ import annotations

from functools import lru_cache

from isa import Decoded
from isa.instructions import Instr
from isa.machine import PAGE_SIZE, SR_NAMES

from .regions import BRANCHES, Block, ends_block
from .specialize import specialize

MASK = 0xFFFFFFFF
SIGN = 0x80000000
COMPILED_SOURCES = 2048  # code objects kept for reuse (a large region's is ~30 KB: ~60 MB at most)
MAX_RETURN_TESTS = 4    # return sites a jalr compares its target with before leaving the region
LOAD_KINDS = ((1, False), (1, True), (2, False), (2, True), (4, False))   # (width, signed)


class RegionExit(Exception):
    """Raised by the CPU's helpers when control must return to the dispatcher, after they
    have acted on committed registers (system instructions, precise memory accesses)."""


class RegionBail(Exception):
    """Raised by the memory helpers of a multi-instruction region when an access needs more
    than RAM (a fault, a device, translated code): the region writes its registers back and
    re-raises, and the CPU runs that instruction again, alone and precisely."""


class _Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.depth = 0

    def __call__(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)


def _reg(n: int) -> str | int:
    return f"x{n}" if n else 0


class RegionCompiler:
    """Emits the Python source of a region for one context (translation on/off, ram size).

    Layout: a block reached from one place only is emitted in line at that place; the others,
    in address order inside ``while True``, are selected by a binary tree of comparisons on the
    block number ``s``, and a block that branches back to itself (a tight loop) runs as an inner
    ``while`` without going through the tree. A call whose target is known (``jal``, or
    ``auipc``+``jalr``) is a jump inside the region, and a ``jalr`` compares its target with the
    region's return sites before leaving, so recursion stays in one function. Within a block,
    registers holding constants known at translation time are folded into what follows, so a
    ``lui``/``addi`` address pair costs nothing and accesses to fixed addresses lose their checks.
    """

    def __init__(self, translated: bool, ram_size: int, single: bool = False):
        self.translated = translated
        self.ram_size = ram_size
        self.single = single      # one instruction: precise helpers, registers written back first
        self.kernel = True        # the block being written runs in kernel mode
        # one test for "misaligned or outside RAM" when the RAM size is a power of two
        self.power_of_two = ram_size & (ram_size - 1) == 0

    def source(self, blocks: list[Block]) -> str:
        entry = blocks[0].pc
        page_end = (entry & ~(PAGE_SIZE - 1)) + PAGE_SIZE
        self.blocks = {b.pc: b for b in blocks}
        predecessors = {b.pc: 0 for b in blocks}
        predecessors[entry] += 1
        for b in blocks:
            for t in set(b.successors(page_end)):
                if t in predecessors:
                    predecessors[t] += 1
        # a block reached from one place only is emitted there, outside the dispatch tree
        # (a call's return site is also reached by the callee's return: it stays in the tree)
        returns = {b.return_site() for b in blocks} & set(predecessors)
        self.inlined = {pc for pc, n in predecessors.items() if n == 1 and pc != entry and pc not in returns}
        self.self_loops = {b.pc for b in blocks if b.pc in b.successors(page_end)}
        dispatched = sorted((b for b in blocks if b.pc not in self.inlined), key=lambda b: b.pc)
        self.index = {b.pc: i for i, b in enumerate(dispatched)}
        self.returns = sorted(returns)[:MAX_RETURN_TESTS]
        used, written = set(), set()
        for b in blocks:
            for _, _, d in b.insns:
                if d is None:
                    continue
                ops = d.instr.operands
                for name in ("rs1", "rs2"):
                    if any(name in op.fields for op in ops) and getattr(d, name):
                        used.add(getattr(d, name))
                if "rd" in ops and d.rd:
                    used.add(d.rd)
                    written.add(d.rd)
        self.commit = "; ".join(f"R[{r}] = x{r}" for r in sorted(written)) or "pass"
        w = _Writer()
        w("def region(budget):")
        w.depth += 1
        for r in sorted(used):
            w(f"x{r} = R[{r}]")
        w("k = 0")
        self.loop_pc = None
        self.looping = len(dispatched) > 1 or bool(self.self_loops)
        if not self.single:
            w("try:")
            w.depth += 1
        if len(dispatched) > 1:
            w(f"s = {self.index[entry]}")
            w("while True:")
            w.depth += 1
            self.tree(w, dispatched, 0, len(dispatched))
            w.depth -= 1
        else:
            self.block(w, dispatched[0], {})
        if not self.single:
            w.depth -= 1
            w("except BAIL:")
            w(f"    {self.commit}")
            w("    raise")
        return "\n".join(w.lines) + "\n"

    def tree(self, w: _Writer, blocks: list[Block], lo: int, hi: int) -> None:
        if hi - lo == 1:
            self.block(w, blocks[lo], {})
            return
        mid = (lo + hi) // 2
        w(f"if s < {mid}:")
        w.depth += 1
        self.tree(w, blocks, lo, mid)
        w.depth -= 1
        w("else:")
        w.depth += 1
        self.tree(w, blocks, mid, hi)
        w.depth -= 1

    def goto(self, w: _Writer, target: int) -> None:
        if target == self.loop_pc:
            w("continue")
        elif target in self.inlined:
            self.block(w, self.blocks[target], dict(self.known))
        elif len(self.index) > 1 and target in self.index:
            w(f"s = {self.index[target]}")
            w("break" if self.loop_pc is not None else "continue")
        else:
            w(self.commit)
            w(f"return {target}, k")

    def block(self, w: _Writer, b: Block, known: dict[int, int]) -> None:
        """Emit block b; ``known`` maps registers to constants at its start."""
        looping = b.pc in self.self_loops
        if looping:
            self.loop_pc = b.pc
            known = {}
            w("while True:")
            w.depth += 1
        self.known = known
        n = len(b.insns)
        add = n - 1 if b.ends_in_system else n
        if add:
            w(f"k += {add}")
        w(f"if k > budget{f' - {n - add}' if n - add else ''}:")
        if add:
            w(f"    k -= {add}")
        w(f"    {self.commit}")
        w(f"    return {b.pc}, k")
        self.kernel = b.kernel
        for j, (pc, word, d) in enumerate(b.insns):
            done = f"k - {add - j}" if add - j else "k"
            if ends_block(d, b.kernel):
                self.system(w, pc, word, done)
                break
            self.instruction(w, pc, d, done)
        else:
            pc, _, d = b.insns[-1]
            if d.instr.kind not in BRANCHES:
                self.goto(w, pc + 4)
        if looping:
            w.depth -= 1
            self.loop_pc = None

    def emulated_in_line(self, w: _Writer, pc: int, d: Decoded, done: str) -> None:
        """User-mode mfsr/mtsr: VRD returns the value, VWR True, when a monitor
        performs it for its guest (Machine.emulate_in_line); when they decline (None, False) the
        instruction traps through SYS, as the bare machine's does."""
        if d.instr.mnemonic == "mtsr":
            w(f"if not VWR({d.imm}, {self.src(d.rs1)}):")
        else:
            w(f"v = VRD({d.imm})")
            w("if v is None:")
        w.depth += 1
        self.system(w, pc, d.word, done)
        w.depth -= 1
        if d.instr.mnemonic == "mfsr" and d.rd:
            self.assign(w, d.rd, "v")

    def system(self, w: _Writer, pc: int, word: int, done: str) -> None:
        """The CPU executes it (``SYS``), registers written back first; it returns the region's
        result when the mode, the maps and the code stayed as they were (else it raises)."""
        w(self.commit)
        w(f"return SYS({pc}, {word}, {done}, budget)")

    # --- operands and results, with translation-time constants ------------------------------
    def src(self, r: int) -> str | int:
        if r == 0:
            return 0
        return self.known.get(r, f"x{r}")

    def assign(self, w: _Writer, rd: int, source: str) -> None:
        """rd <- source (a Python expression); remembered when it is a constant."""
        w(f"x{rd} = {source}")
        if source.isdigit():
            self.known[rd] = int(source)
        else:
            self.known.pop(rd, None)

    def instruction(self, w: _Writer, pc: int, d: Decoded, done: str) -> None:
        ins: Instr = d.instr
        kind = ins.kind
        rd = d.rd
        if kind in ("alu", "alui", "shifti"):
            if rd:
                b = self.src(d.rs2) if kind == "alu" else d.imm & MASK
                self.assign(w, rd, specialize(ins.expr, self.src(d.rs1), b))
        elif kind == "lui":
            if rd:
                self.assign(w, rd, str((d.imm << 12) & MASK))
        elif kind == "auipc":
            if rd:
                self.assign(w, rd, str((pc + (d.imm << 12)) & MASK))
        elif kind == "fence":
            pass
        elif kind == "priv" and not self.kernel:   # user mode: a monitor's emulation in line, or SYS
            self.emulated_in_line(w, pc, d, done)
        elif kind == "priv":              # kernel mode, in line (_stays_in_region)
            name = "read_pmar()" if ins.mnemonic == "ldpmar" else SR_NAMES[d.imm]   # (SPEC §9: a copy)
            if ins.mnemonic == "mtsr":
                w(f"M.{name} = {self.src(d.rs1)}")
            elif rd:
                self.assign(w, rd, f"M.{name}")
        elif kind == "load":
            self.load(w, pc, d, done)
        elif kind == "store":
            self.store(w, pc, d, done)
        elif kind == "jal":
            if rd:
                self.assign(w, rd, str((pc + 4) & MASK))
            self.goto(w, (pc + d.imm) & MASK)
        elif kind == "jalr":
            target = specialize("(a + b) & 0xFFFFFFFE", self.src(d.rs1), d.imm & MASK, mask=False)
            if not target.isdigit():
                w(f"t = {target}")
            if rd:
                self.assign(w, rd, str((pc + 4) & MASK))
            if target.isdigit():
                self.goto(w, int(target))
                return
            for site in self.returns:      # a return to a call site of this region stays inside
                w(f"if t == {site}:")
                w.depth += 1
                self.goto(w, site)
                w.depth -= 1
            w(self.commit)
            w("return t, k")
        elif kind == "branch":
            cond = specialize(ins.expr, self.src(d.rs1), self.src(d.rs2), mask=False)
            if cond in ("True", "False"):
                self.goto(w, (pc + d.imm) & MASK if cond == "True" else pc + 4)
                return
            w(f"if {cond}:")
            w.depth += 1
            known = dict(self.known)
            self.goto(w, (pc + d.imm) & MASK)
            self.known = known
            w.depth -= 1
            self.goto(w, pc + 4)
        else:  # pragma: no cover - the table has no other kinds
            raise AssertionError(kind)

    # --- memory -----------------------------------------------------------------------------
    def _address(self, w: _Writer, d: Decoded) -> tuple[str, str, int | None]:
        """The effective address: (name to test and index with, its value for the slow path,
        the address when it is a translation-time constant). The sum is left unmasked (it may
        be negative or above 2**32): every fast-path test rejects such values, and the slow
        path gets it reduced."""
        base = self.src(d.rs1)
        if isinstance(base, int):
            const = (base + d.imm) & MASK
            return str(const), str(const), const
        if d.imm == 0:
            return base, base, None
        w(f"a = {base} {'+' if d.imm > 0 else '-'} {abs(d.imm)}")
        return "a", f"a & {MASK}", None

    def _slow_test(self, a: str, width: int, store: bool) -> str:
        """The Python condition sending an access at address ``a`` to the slow path."""
        misaligned = f"{a} & {width - 1}" if width > 1 else ""
        if self.translated:
            return " or ".join(filter(None, [misaligned, "d is None"]))
        if self.power_of_two:       # misaligned, negative, or beyond RAM: one test
            test = f"{a} & {-self.ram_size | (width - 1)}"
        else:
            test = " or ".join(filter(None, [misaligned, f"not 0 <= {a} < {self.ram_size}"]))
        return f"{test} or not PG[{a} >> 12]" if store else test

    def load(self, w: _Writer, pc: int, d: Decoded, done: str) -> None:
        width, signed = d.instr.width, d.instr.signed
        a, slow_a, const = self._address(w, d)
        self.known.pop(d.rd, None)
        view = {(1, False): "B", (1, True): "Bs", (2, False): "H", (2, True): "Hs", (4, False): "W"}[width, signed]
        shift = {1: "", 2: " >> 1", 4: " >> 2"}[width]
        where = f"({a} + d)" if self.translated else a
        value = f"{view}[{where}{shift}]" + (f" & {MASK}" if signed else "")
        if self.translated:
            w(f"d = TR.get({a} >> 12)")
        elif const is not None and not const & (width - 1) and const + width <= self.ram_size:
            if d.rd:
                w(f"x{d.rd} = {value}")
            return
        target = f"x{d.rd} = " if d.rd else ""
        kind = LOAD_KINDS.index((width, signed))
        w(f"if {self._slow_test(a, width, store=False)}:")
        if self.single:
            w(f"    {self.commit}")
            w(f"    {target}LDX({slow_a}, {kind}, {pc}, {d.rd}, {done}, budget)")
        else:
            w(f"    {target}LD({slow_a}, {kind}, {pc}, {done}, budget)")
        if d.rd:
            w("else:")
            w(f"    x{d.rd} = {value}")

    def store(self, w: _Writer, pc: int, d: Decoded, done: str) -> None:
        width = d.instr.width
        a, slow_a, _ = self._address(w, d)
        view = {1: "B", 2: "H", 4: "W"}[width]
        shift = {1: "", 2: " >> 1", 4: " >> 2"}[width]
        value = self.src(d.rs2)
        if width < 4:
            value = specialize(f"a & {(1 << 8 * width) - 1}", value, 0, mask=False)
        where = f"({a} + d)" if self.translated else a
        if self.translated:
            w(f"d = TW.get({a} >> 12)")
        w(f"if {self._slow_test(a, width, store=True)}:")
        if self.single:
            w(f"    {self.commit}")
        w(f"    {'STX' if self.single else 'ST'}({slow_a}, {self.src(d.rs2)}, {width}, {pc}, {done}, budget)")
        w("else:")
        w(f"    {view}[{where}{shift}] = {value}")


def compile_region(source: str, namespace: dict, name: str):
    """exec the region source; the CPU's views and helpers become default arguments (locals)."""
    params = ", ".join(namespace)
    defaults = ", ".join(f"{n}={n}" for n in namespace)
    source = source.replace("def region(budget):", f"def region(budget, {defaults}):", 1)
    factory = f"def make({params}):\n" + "".join("    " + line + "\n" for line in source.splitlines()) + "    return region\n"
    scope: dict = {}
    exec(_compiled(factory, name), scope)
    return scope["make"](**namespace)


@lru_cache(maxsize=COMPILED_SOURCES)
def _compiled(factory: str, name: str):
    """Python's compile() is most of the cost of translating: a region translated again (the
    same program in another Machine, as compare, grading and tests run it, or after its page
    was written) reuses the code object. The source text is the whole key: it holds every
    address and constant the code depends on."""
    return compile(factory, name, "exec")
