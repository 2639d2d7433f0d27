"""The TOY32 reference page (``toyasm isa``, ``docs/isa.md``), printed from the isa/ tables.

Nothing here states a number of its own: every row comes from ``isa``, so the page cannot
disagree with the assembler, the disassembler or the machine. ``render(markdown=False)`` is the
terminal form (aligned columns), ``render(markdown=True)`` the markdown of docs/isa.md.
"""
from __future__ import annotations

from isa import FIELDS, INSTRUCTIONS, PREDEFINED
from isa import machine as m

def _syntax(ins) -> str:
    return f"{ins.mnemonic} {', '.join(ins.operands)}".strip()


class _Page:
    """Headings, paragraphs and tables, as markdown or as plain text."""

    def __init__(self, markdown: bool):
        self.markdown = markdown
        self.parts: list[str] = []

    def heading(self, text: str, level: int = 2) -> None:
        if self.markdown:
            self.parts.append(f"{'#' * level} {text}")
        else:
            self.parts.append(f"{text}\n{'=-'[level > 1] * len(text)}")

    def para(self, text: str) -> None:
        self.parts.append(text if self.markdown else text.replace("`", "").replace("*", ""))

    def table(self, headers: list[str], rows: list[list[str]], code: tuple[int, ...] = (0,)) -> None:
        """``code``: the columns shown as code in markdown."""
        if self.markdown:
            def cell(i: int, text: str) -> str:
                text = text.replace("|", "\\|")
                if i in code and text:
                    return f"`{text}`"
                return text.replace("*", "\\*").replace("~", "\\~")
            lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
            lines += ["| " + " | ".join(cell(i, c) for i, c in enumerate(row)) + " |" for row in rows]
        else:
            widths = [max(len(r[i]) for r in [headers] + rows) for i in range(len(headers))]
            def line(row: list[str]) -> str:
                return "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
            lines = [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]
        self.parts.append("\n".join(lines))

    def text(self) -> str:
        return "\n\n".join(self.parts) + "\n"


def _hex(value: int, digits: int = 8) -> str:
    return f"0x{value:0{digits}x}"


def _instructions(page: _Page) -> None:
    page.heading("Instructions")
    page.para("A word `w` is the instruction when `w & mask == match`; the operand fields are below. "
              "*Privileged* instructions do nothing in user mode and raise PRIVILEGED_INSTRUCTION; "
              "*sensitive* ones read or change state a monitor must control; an instruction is "
              "*virtualizable* (Popek-Goldberg) unless it is sensitive but not privileged. "
              "`toyasm disasm` prints these base forms, never pseudo-instructions.")
    rows = []
    for ins in INSTRUCTIONS:
        desc = ins.description + "".join(f" (alias: {a})" for a in ins.aliases)
        rows.append([_syntax(ins), ins.ext, ins.fmt, _hex(ins.match), _hex(ins.mask),
                     "yes" if ins.privileged else "", "yes" if ins.sensitive else "",
                     "yes" if ins.virtualizable else "no", desc])
    page.table(["syntax", "ext", "format", "match", "mask", "privileged", "sensitive",
                "virtualizable", "description"], rows, code=(0, 3, 4))

    page.heading("Operand fields", 3)
    page.table(["operand", "values", "bits"],
               [[f.name, f"{f.lo} .. {f.hi}" + (f", multiple of {f.align}" if f.align > 1 else ""), f.doc]
                for f in FIELDS.values()])
    page.para("Registers are written `x0`..`x31` or by ABI name; `pred`/`succ` as `iorw` letters; "
              "`sr` as a special-register name; `bimm12`/`jimm20` as a label or expression "
              "(the target address).")


def _registers(page: _Page) -> None:
    page.heading("Registers")
    page.table(["register", "ABI name"], [[f"x{i}", name + (", fp" if name == "s0" else "")]
                                          for i, name in enumerate(m.ABI_NAMES)], code=(0, 1))
    page.heading("Special registers (mfsr / mtsr)", 3)
    page.table(["name", "number", "description"],
               [[sr.name, str(sr.number), sr.description] for sr in m.SPECIAL_REGISTERS])
    page.heading("psw bits", 3)
    page.table(["symbol", "mask", "meaning"], [[n, _hex(v, 2), d] for n, (v, d) in m.PSW_BITS.items()])
    page.heading("pmar", 3)
    page.table(["field", "mask", "meaning"], [
        ["root", _hex(m.PMAR_ROOT_MASK), "physical address of the root page map"],
        ["PMAR_ON", _hex(m.PMAR_ON), "translation on (clear: addresses are physical)"]])


def _traps(page: _Page) -> None:
    page.heading("Trap causes")
    page.para(f"Interrupt causes have bit 31 set ({_hex(m.INTERRUPT_BIT)}). "
              "The assembler predefines `CAUSE_<name>` for each.")
    page.table(["cause", "value", "kind", "meaning"],
               [[c.name, _hex(c.value), "interrupt" if c.is_interrupt else "exception", c.description]
                for c in m.CAUSES])


def _memory(page: _Page) -> None:
    entries = m.PAGE_SIZE // 4
    index_bits = entries.bit_length() - 1
    low, mid = m.PAGE_SHIFT, m.PAGE_SHIFT + index_bits
    page.heading("Page maps")
    page.para(f"{m.PAGE_SIZE}-byte pages, two levels of {entries} 32-bit entries. Virtual address: "
              f"bits 31..{mid} index the root map, {mid - 1}..{low} the second-level map, "
              f"{low - 1}..0 the offset. An entry holds a physical page address "
              f"(mask `{_hex(m.PTE_ADDR_MASK)}`) and flags. A root entry with V set and R=W=X=U=0 "
              "points to a second-level map; second-level entries are leaves.")
    page.table(["flag", "mask", "meaning"], [[n, _hex(v, 2), d] for n, (v, d) in m.PTE_FLAGS.items()])

    page.heading("Physical memory")
    page.table(["what", "address", "notes"], [
        ["RAM", f"{_hex(m.RAM_BASE)} .. RAM size", f"default size {m.DEFAULT_RAM_SIZE // (1 << 20)} MiB"],
        ["device registers", _hex(m.DEVICE_BASE), "one kernel-only page, aligned word accesses only"],
        ["default text base", _hex(m.DEFAULT_TEXT_BASE), "where toyasm places .text; data follows, page-aligned"],
    ], code=())

    page.heading("Devices", 3)
    page.table(["register", "address", "access", "meaning"],
               [[d.name, _hex(d.address), {"r": "read", "w": "write"}[d.access], d.description]
                for d in m.DEVICE_REGISTERS])
    page.table(["bit", "mask", "meaning"], [[n, _hex(v, 2), d] for n, (v, d) in m.DEVICE_BITS.items()])


def _symbols(page: _Page) -> None:
    page.heading("Predefined assembler symbols")
    page.para("Every program may use these names; bit names are masks.")
    page.table(["symbol", "value", "meaning"], [[n, _hex(v), d] for n, (v, d) in PREDEFINED.items()])


def render(markdown: bool = False) -> str:
    """The TOY32 reference: instructions, registers, traps, page maps, memory, devices, symbols."""
    page = _Page(markdown)
    page.heading("TOY32 instruction set reference", 1)
    page.para("Generated from `isa/` by `toyasm isa` (`make docs` writes docs/isa.md); do not edit by hand. "
              "The contract behind these tables is [spec.md](spec.md); the unprivileged core is RV32IM.")
    for section in (_instructions, _registers, _traps, _memory, _symbols):
        section(page)
    return page.text()
