"""docs/spec.md, the project's machine contract, must stay true to isa/ and be the one every doc
points at.

The numbers: each table of docs/spec.md preceded by a ``<!-- checked: KIND -->`` comment is parsed
(first column: a name in backticks; second: its value, hex or decimal, backticks optional) and
compared with isa/ in both directions -- every name in the doc exists in isa/ with that value, and
every name isa/ has of that kind is in the doc. ``constants`` tables (there may be several) are
checked one way only: each row names a constant of isa/machine.py or isa/instructions.py.

The links: README.md and every docs/*.md link to docs/spec.md by a relative path that exists (and
an anchor that exists, if any), and none refers to the old external contract.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from isa import instructions as ins_table
from isa import machine as m
from isa.paravirt import HYPERCALLS, VCPU_FIELDS
from isa.symbols import PREDEFINED

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "docs" / "spec.md"
MARKER = re.compile(r"^<!--\s*checked:\s*([a-z-]+)\s*-->\s*$")


def parse_tables(text: str) -> list[tuple[str, list[list[str]]]]:
    """(kind, rows) for every checked table; rows are lists of cells, backticks removed."""
    lines = text.splitlines()
    tables = []
    for i, line in enumerate(lines):
        marker = MARKER.match(line.strip())
        if not marker:
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        block = []
        while j < len(lines) and lines[j].lstrip().startswith("|"):
            block.append(lines[j].strip())
            j += 1
        assert len(block) >= 3, f"docs/spec.md line {i + 1}: marker {marker.group(1)!r} is not followed by a table"
        assert set(block[1].replace("|", "").strip()) <= set("-: "), f"line {i + 2}: no header separator"
        rows = [[cell.strip().strip("`").strip() for cell in row.strip("|").split("|")] for row in block[2:]]
        tables.append((marker.group(1), rows))
    return tables


def number(cell: str) -> int:
    return int(cell.replace(",", ""), 0)


@pytest.fixture(scope="module")
def tables() -> dict[str, list[list[str]]]:
    by_kind: dict[str, list[list[str]]] = {}
    for kind, rows in parse_tables(SPEC.read_text()):
        if kind != "constants":
            assert kind not in by_kind, f"two tables marked {kind!r}"
        by_kind.setdefault(kind, []).extend(rows)
    return by_kind


def values(rows: list[list[str]]) -> dict[str, int]:
    table: dict[str, int] = {}
    for row in rows:
        assert row[0] not in table, f"{row[0]} listed twice"
        table[row[0]] = number(row[1])
    return table


TOY32 = [i for i in ins_table.INSTRUCTIONS if i.ext == "TOY32"]

# kind -> what isa/ says (the doc's table must list exactly these names with these values)
EXPECTED: dict[str, dict[str, int]] = {
    "special-registers": dict(m.SR_NUMBERS),
    "psw-bits": {name: value for name, (value, _) in m.PSW_BITS.items()},
    "pmar": {"PMAR_ON": m.PMAR_ON, "PMAR_ROOT_MASK": m.PMAR_ROOT_MASK},
    "causes": dict(m.CAUSE_BY_NAME),
    "page-map": {"PAGE_SIZE": m.PAGE_SIZE, "PTE_ADDR_MASK": m.PTE_ADDR_MASK,
                 **{name: value for name, (value, _) in m.PTE_FLAGS.items()}},
    "devices": dict(m.DEVICE_BY_NAME),
    "device-bits": {name: value for name, (value, _) in m.DEVICE_BITS.items()},
    "hypercalls": {name: value for name, (value, _) in HYPERCALLS.items()},
    "vcpu-page": {name: value for name, (value, _) in VCPU_FIELDS.items()},
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_table_matches_isa(tables, kind):
    assert kind in tables, f"docs/spec.md has no table marked <!-- checked: {kind} -->"
    doc = values(tables[kind])
    isa = EXPECTED[kind]
    assert sorted(set(isa) - set(doc)) == [], f"{kind}: in isa/ but not in docs/spec.md"
    assert sorted(set(doc) - set(isa)) == [], f"{kind}: in docs/spec.md but not in isa/"
    wrong = {name: (hex(doc[name]), hex(isa[name])) for name in isa if doc[name] != isa[name]}
    assert wrong == {}, f"{kind}: docs/spec.md value, isa/ value"


def test_cause_symbols(tables):
    for name, _, symbol, *_ in tables["causes"]:
        assert symbol == "CAUSE_" + name
        assert PREDEFINED[symbol][0] == m.CAUSE_BY_NAME[name]


def test_device_access_and_bit_registers(tables):
    access = {d.name: d.access for d in m.DEVICE_REGISTERS}
    for name, _, mode, *_ in tables["devices"]:
        assert mode == access[name], name
    for name, _, register, *_ in tables["device-bits"]:
        # isa/machine.py describes each bit as "REGISTER: ..."
        assert m.DEVICE_BITS[name][1].split(":")[0] == register, name
        assert register in m.DEVICE_BY_NAME


def test_toy32_instructions(tables):
    rows = tables["instructions"]
    doc = {row[0].split()[0]: row for row in rows}
    assert sorted(doc) == sorted(i.mnemonic for i in TOY32)
    for instr in TOY32:
        syntax, funct3, funct7, match, mask, *_ = doc[instr.mnemonic]
        assert syntax == " ".join([instr.mnemonic, ", ".join(instr.operands)]).strip(), instr.mnemonic
        assert (number(match), number(mask)) == (instr.match, instr.mask), instr.mnemonic
        assert number(funct3) == (instr.match >> 12) & 7, instr.mnemonic
        if funct7 != "-":
            assert number(funct7) == instr.match >> 25, instr.mnemonic
        else:   # bits 31..25 are the sr field or must be zero
            assert instr.match >> 25 == 0, instr.mnemonic
        assert instr.match & 0x7F == ins_table.OPCODE_TOY32


def test_constants(tables):
    rows = tables.get("constants", [])
    assert rows, "docs/spec.md has no constants table"
    for name, value, *_ in rows:
        source = m if hasattr(m, name) else ins_table
        assert hasattr(source, name), f"{name} is not a constant of isa/machine.py or isa/instructions.py"
        assert number(value) == getattr(source, name), name


def test_every_predefined_symbol_is_in_the_contract():
    """The boot-info symbols are explained in docs/boot.md; every other one is on this page."""
    text = SPEC.read_text()
    missing = [name for name in PREDEFINED
               if not name.startswith(("BI_", "BOOTINFO_")) and f"`{name}`" not in text]
    assert missing == []


def test_every_special_register_and_toy32_mnemonic_is_named():
    text = SPEC.read_text()
    for sr in m.SPECIAL_REGISTERS:
        assert f"`{sr.name}`" in text
    for instr in TOY32:
        assert f"`{instr.mnemonic}" in text


# --- links -----------------------------------------------------------------------------------
LINK = re.compile(r"\]\(([^)\s]+)\)")
DOCS = [ROOT / "README.md"] + sorted(p for p in (ROOT / "docs").glob("*.md") if p != SPEC)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def spec_anchors() -> set[str]:
    return {slug(line.lstrip("#")) for line in SPEC.read_text().splitlines() if line.startswith("#")}


def spec_links(path: Path) -> list[tuple[str, Path, str]]:
    """(target as written, resolved path, anchor) of every link in path that names spec.md."""
    found = []
    for target in LINK.findall(path.read_text()):
        file, _, anchor = target.partition("#")
        if file.lower().endswith("spec.md"):
            found.append((target, (path.parent / file).resolve(), anchor))
    return found


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_links_the_contract(path):
    text = path.read_text()
    assert "../shared" not in text, f"{path.name} still points outside the repository"
    assert "SPEC.md" not in text, f"{path.name} still names the external SPEC.md"
    links = spec_links(path)
    assert links, f"{path.name} has no link to docs/spec.md"
    anchors = spec_anchors()
    for target, resolved, anchor in links:
        assert not Path(target.partition("#")[0]).is_absolute(), f"{path.name}: {target} is not relative"
        assert resolved == SPEC, f"{path.name}: {target} does not lead to docs/spec.md"
        assert not anchor or anchor in anchors, f"{path.name}: {target}: no such heading in docs/spec.md"


def test_spec_relative_links_exist():
    for target in LINK.findall(SPEC.read_text()):
        file, _, anchor = target.partition("#")
        if file and "://" not in file:
            assert (SPEC.parent / file).exists(), f"docs/spec.md links to missing {target}"
        elif anchor:
            assert anchor in spec_anchors(), target
