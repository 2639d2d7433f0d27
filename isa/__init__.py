"""TOY32 as data: the single source of truth for the assembler, disassembler, interpreter,
monitor and reference docs. docs/spec.md is the contract these tables implement."""
from .decode import Decoded, decode, operand_fields
from .fields import FIELDS, Field, sign_extend
from .instructions import BY_MNEMONIC, INSTRUCTIONS, Instr
from .symbols import PREDEFINED, PREDEFINED_VALUES

__all__ = ["BY_MNEMONIC", "INSTRUCTIONS", "Instr", "FIELDS", "Field", "sign_extend",
           "Decoded", "decode", "operand_fields", "PREDEFINED", "PREDEFINED_VALUES"]
