"""docs/isa.md is generated from isa/ and must not go stale; the reference names everything."""
from __future__ import annotations

from pathlib import Path

import pytest

from asm.isadoc import render
from isa import INSTRUCTIONS, PREDEFINED
from isa.machine import CAUSES, SPECIAL_REGISTERS

DOC = Path(__file__).resolve().parent.parent / "docs" / "isa.md"


def test_docs_isa_md_is_up_to_date():
    assert DOC.read_text() == render(markdown=True), "docs/isa.md is stale: run `make docs`"


@pytest.mark.parametrize("markdown", [False, True])
def test_reference_lists_every_instruction_register_cause_and_symbol(markdown):
    text = render(markdown=markdown)
    first_cells = [line.strip("| ").split() for line in text.splitlines()]
    rows = {cells[0].strip("`") for cells in first_cells if cells}
    assert {ins.mnemonic for ins in INSTRUCTIONS} <= rows
    assert {sr.name for sr in SPECIAL_REGISTERS} <= rows
    assert {cause.name for cause in CAUSES} <= rows
    assert set(PREDEFINED) <= rows
    for name, (value, _) in PREDEFINED.items():
        assert f"{value:#010x}" in text, name
