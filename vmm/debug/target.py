"""The register file gdb sees, and the target description (XML) that names it.

Numbering (gdb's regnum, the order of the ``g`` packet): 0-31 the general registers, 32 pc --
gdb's standard ``org.gnu.gdb.riscv.cpu`` feature, as QEMU describes an RV32 processor -- then
the TOY32 system registers in a feature of their own, ``org.toyvm.toy32.sys``: psw, pmar, then
the special registers in their mfsr/mtsr order (epc, cause, tval, tvec, scratch). Every name and
bit comes from isa/machine.py; psw is described as flags, so ``p $psw`` shows its bits.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from isa.machine import ABI_NAMES, PSW_BITS, SPECIAL_REGISTERS

GENERAL = 32
PC = 32
SYSTEM_NAMES: tuple[str, ...] = ("psw", "pmar") + tuple(sr.name for sr in SPECIAL_REGISTERS if sr.name != "psw")
REGISTER_NAMES: tuple[str, ...] = tuple(ABI_NAMES) + ("pc",) + SYSTEM_NAMES
NUM_REGISTERS = len(REGISTER_NAMES)
_CODE = {"ra", "pc", "epc", "tvec"}
_DATA = {"sp", "gp", "tp"}


def _type(name: str) -> str:
    if name in _CODE:
        return "code_ptr"
    if name in _DATA:
        return "data_ptr"
    if name == "psw":
        return "psw_flags"
    return "int"


def _reg(name: str, regnum: int) -> str:
    return f'  <reg name="{name}" bitsize="32" type="{_type(name)}" regnum="{regnum}"/>\n'


def _psw_flags() -> str:
    fields = []
    for name, (mask, _) in PSW_BITS.items():
        bit = mask.bit_length() - 1
        fields.append(f'    <field name="{escape(name.removeprefix("PSW_"))}" start="{bit}" end="{bit}"/>\n')
    return '  <flags id="psw_flags" size="4">\n' + "".join(fields) + "  </flags>\n"


def target_xml() -> str:
    cpu = "".join(_reg(name, i) for i, name in enumerate(REGISTER_NAMES[:PC + 1]))
    system = "".join(_reg(name, PC + 1 + i) for i, name in enumerate(SYSTEM_NAMES))
    return ('<?xml version="1.0"?>\n<!DOCTYPE target SYSTEM "gdb-target.dtd">\n<target version="1.0">\n'
            "<architecture>riscv:rv32</architecture>\n<osabi>none</osabi>\n"
            '<feature name="org.gnu.gdb.riscv.cpu">\n' + cpu + "</feature>\n"
            '<feature name="org.toyvm.toy32.sys">\n' + _psw_flags() + system + "</feature>\n"
            "</target>\n")


TARGET_XML = target_xml()


def encode_word(value: int) -> str:
    """A register's value in the g/p packets: little-endian hex."""
    return (value & 0xFFFFFFFF).to_bytes(4, "little").hex()


def decode_word(text: str) -> int | None:
    try:
        data = bytes.fromhex(text)
    except ValueError:
        return None
    return int.from_bytes(data, "little") if len(data) == 4 else None
