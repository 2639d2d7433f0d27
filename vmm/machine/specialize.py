"""Semantic expressions specialised for one instruction: the instruction table's ``expr``
strings (isa/instructions.py, over ``a`` = rs1 and ``b`` = rs2 or the immediate) with operands
substituted and simplified -- constants folded, ``s32`` inlined, signed comparisons done by
flipping sign bits -- as Python source for the region compiler.

Caches: ``_parsed`` holds one tree per distinct expression of the instruction table (a few dozen,
so it needs no bound); ``specialize`` keeps the 16 Ki most recent results.
"""
from __future__ import annotations

import ast
import copy
import operator
from functools import lru_cache

from isa.semantics import HELPERS

MASK = 0xFFFFFFFF
SIGN = 0x80000000


@lru_cache(maxsize=None)
def _parsed(expr: str) -> ast.expr:
    return ast.parse(expr, mode="eval").body


_OPERATORS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.LShift: operator.lshift,
    ast.RShift: operator.rshift, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne,
}


def _const(node: ast.AST) -> int | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, int) else None


def _is_s32(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "s32"


class _Specialize(ast.NodeTransformer):
    """Substitute the operands, then simplify: fold constants, inline s32, turn int(cmp) into a
    conditional, compare signed values by flipping their sign bits."""

    def __init__(self, a: ast.expr, b: ast.expr):
        self.operands = {"a": a, "b": b}

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.operands.get(node.id, node)

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        left, right = node.left, node.comparators[0]
        if _is_s32(left) and _is_s32(right):   # s32(x) < s32(y)  <=>  x^SIGN < y^SIGN
            left = ast.BinOp(left.args[0], ast.BitXor(), ast.Constant(SIGN))
            right = ast.BinOp(right.args[0], ast.BitXor(), ast.Constant(SIGN))
            node = ast.Compare(left, node.ops, [right])
        node = self.generic_visit(node)
        left, right = _const(node.left), _const(node.comparators[0])
        if left is not None and right is not None:
            return ast.Constant(_OPERATORS[type(node.ops[0])](left, right))
        return node

    def visit_Call(self, node: ast.Call) -> ast.expr:
        node = self.generic_visit(node)
        name = node.func.id
        args = [_const(arg) for arg in node.args]
        if name == "int":
            test = node.args[0]
            if isinstance(test, ast.Constant):
                return ast.Constant(int(test.value))
            return ast.IfExp(test, ast.Constant(1), ast.Constant(0))
        if all(v is not None for v in args) and name in HELPERS:
            return ast.Constant(HELPERS[name](*args))
        if name == "s32":
            flipped = ast.BinOp(node.args[0], ast.BitXor(), ast.Constant(SIGN))
            return ast.BinOp(flipped, ast.Sub(), ast.Constant(SIGN))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        node = self.generic_visit(node)
        left, right = _const(node.left), _const(node.right)
        if left is not None and right is not None:
            return ast.Constant(_OPERATORS[type(node.op)](left, right))
        neutral = isinstance(node.op, (ast.Add, ast.Sub, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift))
        if neutral and right == 0:
            return node.left
        if isinstance(node.op, (ast.Add, ast.BitOr, ast.BitXor)) and left == 0:
            return node.right
        return node


def _in_range(node: ast.AST) -> bool:
    """True when node's value is surely in 0 .. 2**32-1 (needs no masking)."""
    if isinstance(node, ast.Name) or isinstance(node, ast.IfExp):
        return True
    value = _const(node)
    if value is not None:
        return 0 <= value <= MASK
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
            return _in_range(node.left) and _in_range(node.right)
        if isinstance(node.op, ast.RShift):
            return _in_range(node.left)
    if isinstance(node, ast.Call) and node.func.id in ("divu", "remu"):
        return True
    return False


@lru_cache(maxsize=1 << 14)
def specialize(expr: str, a: str | int, b: str | int, mask: bool = True) -> str:
    """Python source of ``expr`` with operands a and b (local names or constants)."""
    def operand(x):
        return ast.Constant(x) if isinstance(x, int) else ast.Name(x, ast.Load())
    tree = _Specialize(operand(a), operand(b)).visit(copy.deepcopy(_parsed(expr)))
    if mask:
        value = _const(tree)
        if value is not None:
            return str(value & MASK)
        if not _in_range(tree):
            tree = ast.BinOp(tree, ast.BitAnd(), ast.Constant(MASK))
    return ast.unparse(tree)
