"""Surfaces the learner types in: `from_expression("sin(x)*cos(y)")` becomes a `Landscape`.

The text comes from a web page, so it is treated as hostile. It is never handed to `eval`, `exec`,
`compile`-to-code, `sympify` or `parse_expr`. The pipeline is:

1. pre-checks on the raw text: length, an allow-list of characters, balanced parentheses, and a small
   tokenizer that refuses unknown names, stray dots and implicit products ("2x") with a message a learner
   can act on;
2. `ast.parse(..., mode="eval")` (a parse tree only, nothing is compiled to code) and a walk of that tree
   against an allow-list of node types, with limits on size, nesting and power towers;
3. the SymPy expression is built node by node from the tree, with checks before and after every step so
   that SymPy is never asked to compute a huge number (see `_Builder`); log, abs, sinh, cosh and tanh
   are opaque functions SymPy cannot rewrite or expand (see `_Opaque`);
4. the exact gradient comes from `sympy.diff` (refused if it is enormous); value and gradient are compiled
   with `sympy.lambdify` from the expressions built here (lambdify generates code from our tree, never
   from the learner's text);
5. the minimum is estimated on a dense grid over the bounds and polished by a short compass search.

These limits bound the work by construction (a fuzzer of 20,000 random formulas at the limits found
nothing above about 0.4 s); the one-second budget checked after each stage is only a safety net.

Columns in messages are 1-based and count characters of the text as the learner typed it.
"missing ')' for the '(' at column N" points at the opening parenthesis that is never closed (the
innermost one, when several are open); "unexpected ')' at column N" points at a closing parenthesis that
has nothing to close.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import time
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import sympy

from landscapes.base import Bounds, Landscape, Point

__all__ = ["EXAMPLES", "FUNCTION_NAMES", "TOO_LONG_TO_SHOW", "Example", "ExpressionError", "ParsedExpression",
           "from_expression", "parse_expression"]

# ---------------------------------------------------------------------------------------------------------
# Limits. Each one keeps a server alive; together they bound the work SymPy and NumPy can be asked to do.
# ---------------------------------------------------------------------------------------------------------
MAX_LENGTH = 300  # characters of text
MAX_NODES = 200  # numbers, names, operators and function calls in the parse tree
MAX_DEPTH = 20  # nesting; a long sum a + b + c + ... or product a*b*c*... counts as one level
MAX_PAREN_DEPTH = 20  # parentheses inside parentheses
MAX_TOWER = 2  # powers inside exponents: x^y^2 is fine, x^x^x^x is not
MAX_EXPONENT = 10.0  # |exponent| when the exponent is a number (or a formula without x and y)
MAX_MERGED_EXPONENT = 100  # |number in an exponent| once SymPy has merged powers, (x^10)^10 = x^100
MAX_LITERAL = 1e6  # the largest number that may be typed
MAX_DENOMINATOR = 12  # exact fractions keep denominators up to this; others become decimals
MAX_BITS = 1000  # integers (and numerators/denominators) SymPy may hold: about 1e301
MAX_GRADIENT_NODES = 3000  # size of each gradient component: a product of n factors has n^2 pieces
MAX_LATEX_NODES = 600  # a longer gradient component is not printed as LaTeX (nobody reads it; it is slow)
# Safety net: a build that takes longer is refused. Counted in this thread's CPU time, so a busy server
# (other sessions, other processes) does not turn an acceptable formula into a refusal.
BUDGET_SECONDS = 1.0
GRID_RESOLUTION = 401  # points per axis of the grid that estimates the minimum

# The functions a learner may call, each with its NumPy twin for evaluating constant parts.
_NUMPY_FUNCTIONS: dict[str, Callable[[np.float64], np.float64]] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
    "abs": np.abs, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh, "arctan": np.arctan,
}
# `atan` is accepted as another spelling of `arctan`: it is what most programming languages and many
# calculators call it, and refusing it would only teach a naming convention.
_ALIASES = {"atan": "arctan"}
FUNCTION_NAMES = tuple(_NUMPY_FUNCTIONS)
_FUNCTION_LIST = ", ".join(FUNCTION_NAMES) + " (atan works too)"
_VARIABLES = ("x", "y")
_CONSTANTS = ("pi", "e")

_ALLOWED_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t.+-*/^(),")
_WHAT_YOU_CAN_USE = (
    "use x, y, numbers, + - * / ^, parentheses, pi, e and the functions " + _FUNCTION_LIST
)

X = sympy.Symbol("x", real=True)
Y = sympy.Symbol("y", real=True)


class ExpressionError(ValueError):
    """A formula (or its bounds) that cannot become a landscape; the message tells the learner why.

    `column` is the 1-based column of the problem in the text as typed, or None when it has no place
    (an empty formula, bad bounds, a surface with no real values).
    """

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.column = column


# ---------------------------------------------------------------------------------------------------------
# Functions SymPy must leave alone.
# ---------------------------------------------------------------------------------------------------------
class _Opaque(sympy.Function):
    """A function of one argument that SymPy keeps exactly as typed: no rewriting when it is built, and
    cheap answers when SymPy's assumption system asks about it.

    Subclasses name the SymPy function they stand for (`native`, used for printing and for numbers) and
    give their derivative. Why not use the native classes, see each subclass.
    """

    nargs = 1
    native: type[sympy.Function]

    def _eval_evalf(self, prec):  # numbers only: SymPy sorts and compares constant terms numerically
        return self.native(self.args[0], evaluate=False)._eval_evalf(prec)

    def _eval_is_extended_real(self):
        return True if self.args[0].is_extended_real else None

    def _latex(self, printer, **kwargs):
        return printer._print(self.native(self.args[0], evaluate=False), **kwargs)

    def _numpycode(self, printer, **kwargs):
        return printer._print(self.native(self.args[0], evaluate=False), **kwargs)

    def _sympystr(self, printer, **kwargs):
        return printer._print(self.native(self.args[0], evaluate=False), **kwargs)


class _Log(_Opaque):
    """Natural logarithm. `sympy.log` lets SymPy fold exp(k*log(u)) (and sinh, cosh, tanh of it) into u**k
    when it is built: exp(1000000*log(999999*x)) would compute 999999**1000000, seconds or worse."""

    native = sympy.log

    def fdiff(self, argindex=1):
        return 1 / self.args[0]

    def _eval_is_extended_real(self):
        return True if self.args[0].is_extended_positive else None


class _Abs(_Opaque):
    """Absolute value with the real-analysis derivative sign(u)*u'. `sympy.Abs` differentiates |u| into
    re(u), im(u) and unevaluated derivatives unless SymPy can prove u real, which it cannot for log(x) or
    sqrt(x); where u is not real the surface is NaN anyway, so sign(u)*u' is what the optimizers need."""

    native = sympy.Abs

    def fdiff(self, argindex=1):
        return sympy.sign(self.args[0])

    def _eval_is_extended_real(self):
        return True

    def _eval_is_extended_nonnegative(self):
        return True


class _Sinh(_Opaque):
    """Hyperbolic sine. SymPy's sinh, cosh and tanh answer "is this real?" for an argument it cannot prove
    real by splitting it into real and imaginary parts, which expands powers: asking about
    sinh(sqrt((x^2 + 1)^(999999*x + 999999))) (as differentiation does) multiplies out a polynomial with a
    million terms."""

    native = sympy.sinh

    def fdiff(self, argindex=1):
        return _Cosh(self.args[0])


class _Cosh(_Opaque):
    """Hyperbolic cosine (see `_Sinh`)."""

    native = sympy.cosh

    def fdiff(self, argindex=1):
        return _Sinh(self.args[0])

    def _eval_is_extended_positive(self):
        return True if self.args[0].is_extended_real else None


class _Tanh(_Opaque):
    """Hyperbolic tangent (see `_Sinh`)."""

    native = sympy.tanh

    def fdiff(self, argindex=1):
        return 1 - _Tanh(self.args[0]) ** 2


_SYMPY_FUNCTIONS: dict[str, Callable[[sympy.Expr], sympy.Expr]] = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp, "log": _Log, "sqrt": sympy.sqrt,
    "abs": _Abs, "tanh": _Tanh, "sinh": _Sinh, "cosh": _Cosh, "arctan": sympy.atan,
}
_NO_VALUE = (sympy.S.ComplexInfinity, sympy.S.NaN, sympy.S.Infinity, sympy.S.NegativeInfinity)


TOO_LONG_TO_SHOW = r"\text{(too long to show)}"


@dataclass(frozen=True)
class ParsedExpression:
    """A checked formula: normalized text, SymPy expression, exact gradient and their LaTeX.

    The app shows `latex` as f(x, y) and `grad_latex` as the two components of the gradient; a component
    too long to read (more than MAX_LATEX_NODES pieces) is `TOO_LONG_TO_SHOW` instead.
    """

    text: str
    expr: sympy.Expr
    gradient: tuple[sympy.Expr, sympy.Expr]
    latex: str
    grad_latex: tuple[str, str]


class Example(NamedTuple):
    label: str
    formula: str


EXAMPLES: tuple[Example, ...] = (
    Example("Waves", "sin(x)*cos(y)"),
    Example("Tilted bowl", "x^2 + 3*y^2 + 2*x*y - x"),
    Example("Two valleys", "x^4 - x^2 + y^2"),
    Example("Egg crate", "(x^2 + y^2)/4 + sin(3*x)^2 + sin(3*y)^2"),
    Example("Sharp corners", "abs(x) + abs(y)"),
    Example("Soft valley", "log(1 + x^2 + 10*y^2)"),
)


# ---------------------------------------------------------------------------------------------------------
# Step 1: the raw text.
# ---------------------------------------------------------------------------------------------------------
_CHARACTER_HINTS = {
    "[": "use round brackets ( )", "]": "use round brackets ( )",
    "{": "use round brackets ( )", "}": "use round brackets ( )",
    "=": "type only the formula, without '=' (for example x^2 + y^2)",
    ";": "type a single formula", "_": "names are x, y, pi, e and the functions " + _FUNCTION_LIST,
    "'": "type the formula without quotes", '"': "type the formula without quotes",
    "\u00d7": "write * to multiply", "\u00b7": "write * to multiply", "\u22c5": "write * to multiply",
    "\u00f7": "write / to divide", "\u2212": "use the plain minus sign -", "\u2013": "use the plain minus sign -",
    "\u00b2": "write ^2 for a square", "\u00b3": "write ^3 for a cube", "\u03c0": "write pi",
    "%": "there is no '%': write /100 for a percentage", "|": "write abs(...) for an absolute value",
}


def _describe_character(ch: str) -> str:
    named = {"\n": "a line break", "\r": "a carriage return", "\x00": "a NUL character (U+0000)"}
    if ch in named:
        return named[ch]
    if unicodedata.category(ch).startswith(("C", "Z")):
        return f"the invisible character U+{ord(ch):04X}"
    if ch.isascii():
        return f"'{ch}'"
    return f"'{ch}' (U+{ord(ch):04X})"


def _check_characters(text: str) -> None:
    for index, ch in enumerate(text):
        if ch not in _ALLOWED_CHARACTERS:
            hint = _CHARACTER_HINTS.get(ch, _WHAT_YOU_CAN_USE)
            raise ExpressionError(f"{_describe_character(ch)} at column {index + 1} is not allowed: {hint}",
                                  index + 1)


def _check_parentheses(text: str) -> None:
    open_columns: list[int] = []
    for index, ch in enumerate(text):
        if ch == "(":
            open_columns.append(index + 1)
            if len(open_columns) > MAX_PAREN_DEPTH:
                raise ExpressionError(
                    f"too many parentheses inside each other at column {index + 1}: "
                    f"at most {MAX_PAREN_DEPTH} levels", index + 1)
        elif ch == ")":
            if not open_columns:
                raise ExpressionError(
                    f"unexpected ')' at column {index + 1}: there is no '(' for it to close", index + 1)
            open_columns.pop()
    if open_columns:
        column = open_columns[-1]
        raise ExpressionError(
            f"missing ')' for the '(' at column {column}: add a ')' where that part ends", column)


class _Token(NamedTuple):
    kind: str  # "number", "name", "op"
    text: str
    column: int  # 1-based


_TOKEN_PATTERN = re.compile(
    r"(?P<space>[ \t]+)"
    r"|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z][A-Za-z0-9]*)"
    r"|(?P<op>\*\*|[-+*/^(),])"
    r"|(?P<dot>\.)"
)
_NAME_HINTS = {
    "ln": "write log(...): log is the natural logarithm",
    "pow": "write a^b for a power",
    "sign": "there is no sign function; abs(x)/x comes close",
}


def _split_into_known_names(name: str) -> list[str] | None:
    """'xy' -> ['x', 'y'], 'pix2' -> ['pi', 'x', '2']: for the hint 'write x*y'."""
    parts: list[str] = []
    rest = name
    while rest:
        match = re.match(r"pi|[xye]|[0-9]+", rest)
        if match is None:
            return None
        parts.append(match.group())
        rest = rest[match.end():]
    return parts if len(parts) > 1 else None


def _name_problem(name: str, called: bool) -> str | None:
    """What is wrong with a name, or None if it is one of ours (and used the right way)."""
    canonical = _ALIASES.get(name, name)
    if canonical in _NUMPY_FUNCTIONS:
        return None if called else f"'{name}' is a function: write {name}(...) with the value in parentheses"
    if name in _VARIABLES or name in _CONSTANTS:
        return None
    if name in _NAME_HINTS:
        return f"unknown {'function' if called else 'name'} '{name}': {_NAME_HINTS[name]}"
    lowered = name.lower()
    if lowered != name and (lowered in _NUMPY_FUNCTIONS or lowered in _ALIASES or lowered in _VARIABLES
                            or lowered in _CONSTANTS):
        return f"unknown name '{name}': names are lower case, write {lowered}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"'{name}' is not allowed: a formula is made of numbers, x, y, operators and functions"
    if called:
        return f"'{name}' is not allowed: the functions are {_FUNCTION_LIST}"
    parts = _split_into_known_names(name)
    if parts is not None:
        return f"unknown name '{name}': write {'*'.join(parts)} to multiply"
    for function in sorted([*_NUMPY_FUNCTIONS, *_ALIASES], key=len, reverse=True):
        rest = name[len(function):]
        if name.startswith(function) and (rest in _VARIABLES or rest in _CONSTANTS or rest.isdigit()):
            return f"unknown name '{name}': write {function}({rest}) with parentheses"
    return f"unknown name '{name}': use x and y (and the constants pi and e)"


def _tokenize(text: str) -> list[_Token]:
    """Split the text and refuse what Python would misread or explain badly.

    Refused here: stray dots (attribute access), unknown names, numbers out of range and two operands in
    a row with no operator between them ("2x", "sin x", "x(y)", ")(" ...).
    """
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_PATTERN.match(text, position)
        if match is None:  # unreachable after _check_characters; kept as a guard
            raise ExpressionError(f"cannot read column {position + 1}: {_WHAT_YOU_CAN_USE}", position + 1)
        kind, piece, column = match.lastgroup, match.group(), position + 1
        position = match.end()
        if kind == "space":
            continue
        if kind == "dot":
            raise ExpressionError(
                f"'.' at column {column} is not allowed here: a dot can only be part of a number like 0.5",
                column)
        if kind == "number":
            _check_literal(piece, column)
        tokens.append(_Token(kind, piece, column))

    for index, token in enumerate(tokens):  # names first: "x if y" is about 'if', not a missing '*'
        called = index + 1 < len(tokens) and tokens[index + 1].text == "("
        if token.kind == "name":
            problem = _name_problem(token.text, called)
            if problem is not None:
                raise ExpressionError(f"{problem} (column {token.column})", token.column)
    for index, (token, following) in enumerate(pairwise(tokens)):
        if token.text == "(" and following.text == ")":
            before = tokens[index - 1].text if index > 0 else ""
            if _ALIASES.get(before, before) in _NUMPY_FUNCTIONS:
                problem = f"{before}() needs a value inside its parentheses, like {before}(x)"
            else:
                problem = "empty parentheses: put a value inside them"
            raise ExpressionError(f"{problem} (column {token.column})", token.column)
        ends_operand = token.kind in ("number", "name") or token.text == ")"
        starts_operand = following.kind in ("number", "name") or following.text == "("
        is_call = token.kind == "name" and _ALIASES.get(token.text, token.text) in _NUMPY_FUNCTIONS
        if ends_operand and starts_operand and not is_call:
            left = "(...)" if token.text == ")" else token.text
            right = following.text
            if right == "(" or _ALIASES.get(right, right) in _NUMPY_FUNCTIONS:
                right = "(...)" if right == "(" else f"{right}(...)"
            raise ExpressionError(
                f"missing an operator between '{token.text}' and '{following.text}' at column "
                f"{following.column}: write {left}*{right} to multiply", following.column)
    return tokens


def _check_literal(piece: str, column: int) -> None:
    value = float(piece)  # a digits-and-exponent string matched by _TOKEN_PATTERN: a number parser only
    if not math.isfinite(value) or abs(value) > MAX_LITERAL:
        raise ExpressionError(
            f"the number {piece} at column {column} is too large: numbers may be at most 1000000 (1e6)",
            column)
    if value == 0.0 and re.search(r"[1-9]", piece.split("e")[0].split("E")[0]):
        raise ExpressionError(
            f"the number {piece} at column {column} is too small to tell apart from 0", column)


def _normalize(tokens: list[_Token]) -> str:
    """The formula with tidy spacing and ^ for powers, e.g. 'x^2 + 3*y'. Used as the landscape's title."""
    out: list[str] = []
    previous: _Token | None = None
    for token in tokens:
        text = "^" if token.text in ("^", "**") else token.text
        sign = token.text in ("+", "-")
        unary = sign and (previous is None or previous.kind == "op" and previous.text != ")")
        if sign and not unary:
            out.append(f" {text} ")
        elif text == ",":
            out.append(", ")
        else:
            out.append(text)
        previous = token
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------
# Step 2: the parse tree, checked against an allow-list.
# ---------------------------------------------------------------------------------------------------------
class _Source:
    """The text given to ast.parse (leading blanks dropped, ^ spelled **) and a map back to columns."""

    def __init__(self, text: str):
        pieces: list[str] = []
        columns: list[int] = []
        start = len(text) - len(text.lstrip(" \t"))
        for index in range(start, len(text)):
            piece = "**" if text[index] == "^" else text[index]
            pieces.append(piece)
            columns.extend([index + 1] * len(piece))
        self.code = "".join(pieces)
        self._columns = columns
        self._end = len(text) + 1

    def column(self, offset: int | None) -> int:
        """Original 1-based column of a 0-based offset into `code` (the end for anything past it)."""
        if offset is None or offset < 0 or offset >= len(self._columns):
            return self._end
        return self._columns[offset]

    def find(self, character: str, start: int) -> int:
        """Column of the first `character` at or after offset `start` (the end if there is none)."""
        offset = self.code.find(character, start)
        return self.column(offset if offset >= 0 else None)

    def operator_column(self, node: ast.BinOp) -> int:
        """Column of the operator of a binary operation (the tree records only where operands are)."""
        start, stop = node.left.end_col_offset or 0, node.right.col_offset
        for offset in range(start, stop):
            if self.code[offset] not in " \t()":
                return self.column(offset)
        return self.column(node.col_offset)


_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^"}
_UNARY = (ast.UAdd, ast.USub)
_EXPRESSION_NODES = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant)
_CHAINS = ((ast.Add, ast.Sub), (ast.Mult, ast.Div))
_NODE_WORDS = {
    ast.Tuple: "a list of values separated by ','", ast.FloorDiv: "'//'", ast.Mod: "'%'",
    ast.Attribute: "'.' after a name", ast.Subscript: "brackets after a name", ast.Starred: "'*' before a value",
    ast.Compare: "a comparison", ast.BoolOp: "'and'/'or'", ast.IfExp: "'if ... else'",
    ast.Lambda: "'lambda'", ast.GeneratorExp: "'for' inside a formula", ast.NamedExpr: "':='",
    ast.Not: "'not'", ast.Invert: "'~'", ast.keyword: "a keyword or '**' inside a function call",
}


def _parse_tree(source: _Source, text: str) -> ast.expr:
    try:
        tree = ast.parse(source.code, mode="eval")  # a parse tree only: nothing is compiled or run
    except (SyntaxError, RecursionError, MemoryError, ValueError, OverflowError) as error:
        offset = getattr(error, "offset", None)  # 1-based in source.code; 0 or None when unknown
        if not offset or offset > len(source.code):
            column = len(text) + 1
            message = (f"the formula seems to end too early (column {column}): is a number, a name or a "
                       f"')' missing after '{text.rstrip()[-10:]}'?")
        else:
            column = source.column(offset - 1)
            message = (f"this is not a formula I can read near column {column}: check for a missing value "
                       f"or an extra operator around there")
        raise ExpressionError(message, column) from None
    return tree.body


def _refuse_node(node: ast.AST, source: _Source, column: int | None = None) -> ExpressionError:
    if column is None and isinstance(node, ast.Tuple) and node.elts:
        column = source.find(",", node.elts[0].end_col_offset or 0)
    if column is None:
        column = source.column(getattr(node, "col_offset", None))
    what = _NODE_WORDS.get(type(node), f"this kind of expression ({type(node).__name__})")
    return ExpressionError(f"{what} at column {column} is not allowed: {_WHAT_YOU_CAN_USE}", column)


def _check_tree(root: ast.expr, source: _Source) -> None:
    """Walk the whole tree (iteratively) against the allow-list and the size, depth and tower limits."""
    nodes = 0
    stack: list[tuple[ast.AST, int, int]] = [(root, 1, 0)]  # node, depth, powers stacked in exponents
    while stack:
        node, depth, tower = stack.pop()
        if not isinstance(node, _EXPRESSION_NODES):
            raise _refuse_node(node, source)
        column = source.column(node.col_offset)
        nodes += 1
        if nodes > MAX_NODES:
            raise ExpressionError(
                f"this formula is too long: at most {MAX_NODES} numbers, names and operations", None)
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"this formula is nested too deeply at column {column}: at most {MAX_DEPTH} levels", column)

        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):  # bool is a subclass of int: exact type check
                raise _refuse_node(node, source)
        elif isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load) or (node.id not in _VARIABLES and node.id not in _CONSTANTS):
                problem = _name_problem(node.id, called=False) or f"'{node.id}' cannot be used here"
                raise ExpressionError(f"{problem} (column {column})", column)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, _UNARY):
                raise _refuse_node(node.op, source, column)
            stack.append((node.operand, depth + 1, tower))
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _OPERATORS:
                raise _refuse_node(node.op, source, source.operator_column(node))
            left_depth = depth + 1
            for chain in _CHAINS:
                if isinstance(node.op, chain) and isinstance(node.left, ast.BinOp) and isinstance(
                        node.left.op, chain):
                    left_depth = depth  # a + b + c is one long level, not a nesting
            if isinstance(node.op, ast.Pow):
                if tower + 1 > MAX_TOWER:
                    raise ExpressionError(
                        f"too many powers stacked at column {source.operator_column(node)}: at most "
                        f"{MAX_TOWER} levels, like x^y^2", source.operator_column(node))
                stack.append((node.right, depth + 1, tower + 1))
            else:
                stack.append((node.right, depth + 1, tower))
            stack.append((node.left, left_depth, tower))
        else:  # ast.Call
            _check_call(node, source, column)
            stack.append((node.args[0], depth + 1, tower))


def _check_call(node: ast.Call, source: _Source, column: int) -> None:
    if not isinstance(node.func, ast.Name):
        raise ExpressionError(
            f"only the functions {_FUNCTION_LIST} can be called (column {column}); "
            f"write * to multiply", column)
    name = node.func.id
    if _ALIASES.get(name, name) not in _NUMPY_FUNCTIONS:
        problem = _name_problem(name, called=True) or f"'{name}' cannot be called"
        raise ExpressionError(f"{problem} (column {column})", column)
    if node.keywords:
        keyword_node = node.keywords[0]
        raise _refuse_node(keyword_node, source)
    for argument in node.args:
        if isinstance(argument, ast.Starred):
            raise _refuse_node(argument, source)
    if len(node.args) != 1:
        found = "nothing" if not node.args else f"{len(node.args)} values"
        where = source.column(node.args[1].col_offset) if len(node.args) > 1 else column
        raise ExpressionError(
            f"{name} takes exactly one value, like {name}(x); found {found} (column {where})", where)


# ---------------------------------------------------------------------------------------------------------
# Step 3: the SymPy expression, built from the checked tree.
# ---------------------------------------------------------------------------------------------------------
def _exact_or_decimal(value: Fraction) -> sympy.Expr:
    """A SymPy number: an exact fraction if its denominator is small, else a 15-digit decimal.

    Large denominators are where SymPy's root extraction gets expensive ((c*x)**(p/q) factors c and
    raises parts of it to powers up to q), so they never enter an expression.
    """
    if value.denominator == 1:
        return sympy.Integer(value.numerator)
    if value.denominator <= MAX_DENOMINATOR:
        return sympy.Rational(value.numerator, value.denominator)
    return sympy.Float(float(value))


class _Built(NamedTuple):
    expr: sympy.Expr
    value: float | None  # the float64 value when the part has no x and no y, else None


class _Builder:
    """Builds the SymPy expression bottom-up from a tree that passed `_check_tree`.

    Invariants after every node, which keep each SymPy step cheap:
    * a part written without x and y has a finite real float64 value, computed with NumPy *before* SymPy
      sees it (so 9^9^9, exp(exp(exp(10))), 1/0 or log(-1) are refused without SymPy evaluating anything);
      a part whose x and y cancel (x - x + 10) must come out as a plain number;
    * no zoo, nan or oo anywhere (refused: that part has no value);
    * every exact number has a numerator and denominator below 2**MAX_BITS, and exact fractions (also
      fractional exponents) have denominators <= MAX_DENOMINATOR; other fractions are decimals;
    * constant exponents are numbers at most MAX_EXPONENT in size as typed, and MAX_MERGED_EXPONENT once
      SymPy merges powers of powers; a number added in an exponent obeys the same bound, and also may
      not make its base (a number) huge; log, abs, sinh, cosh, tanh are opaque (see `_Opaque`).
    """

    def __init__(self, source: _Source):
        self.source = source

    def build(self, node: ast.expr) -> _Built:
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            symbols = {"x": X, "y": Y, "pi": sympy.pi, "e": sympy.E}
            values = {"x": None, "y": None, "pi": math.pi, "e": math.e}
            return _Built(symbols[node.id], values[node.id])
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            if isinstance(node.op, ast.UAdd):
                return operand
            value = None if operand.value is None else -operand.value
            return self._tidy(-operand.expr, value, node)
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise _refuse_node(node, self.source)  # unreachable after _check_tree

    def _column(self, node: ast.AST) -> int:
        return self.source.column(getattr(node, "col_offset", None))

    def _number(self, node: ast.Constant) -> _Built:
        value = node.value
        if isinstance(value, int):
            return _Built(sympy.Integer(value), float(value))
        # repr() is the shortest decimal that round-trips, so 0.1 becomes exactly 1/10.
        return _Built(_exact_or_decimal(Fraction(repr(value))), float(value))

    def _binary(self, node: ast.BinOp) -> _Built:
        left, right = self.build(node.left), self.build(node.right)
        op = type(node.op)
        column = self.source.operator_column(node)
        if op is ast.Div and right.value == 0.0:
            raise ExpressionError(f"division by zero at column {column}: the '/' divides by 0", column)
        a, b = left.expr, right.expr
        if op is ast.Pow and not b.free_symbols:
            exponent_column = self._column(node.right)
            # Without a NumPy value, b is a Number: _tidy refuses other constants that lost their x and y.
            exponent_value = right.value if right.value is not None else float(b)
            if not abs(exponent_value) <= MAX_EXPONENT:
                raise ExpressionError(
                    f"the exponent at column {exponent_column} is too large: a number as exponent may be at "
                    f"most {MAX_EXPONENT:g} in size", exponent_column)
            if not b.is_Number:
                # pi, sqrt(2), 1/(1 - tanh(1)) ... as exponents become their decimal value: SymPy's printers
                # and assumption system ask questions about such exponents that SymPy answers slowly.
                b = sympy.Float(exponent_value)

        value = None
        if left.value is not None and right.value is not None:
            with np.errstate(all="ignore"):
                numpy_op = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
                            ast.Pow: np.power}[op]
                value = float(numpy_op(np.float64(left.value), np.float64(right.value)))
            if not math.isfinite(value):
                if op is ast.Pow and left.value < 0:
                    reason = "a negative number to a fractional power has no real value"
                elif op is ast.Pow and left.value == 0:
                    reason = "0 to a negative power has no value"
                else:
                    reason = "the result is too large to compute"
                raise ExpressionError(f"'{_OPERATORS[op]}' at column {column}: {reason}", column)

        if op is ast.Add:
            expr = a + b
        elif op is ast.Sub:
            expr = a - b
        elif op is ast.Mult:
            expr = a * b
        elif op is ast.Div:
            expr = a / b
        else:
            expr = sympy.Pow(a, b)
        return self._tidy(expr, value, node)

    def _call(self, node: ast.Call) -> _Built:
        if not isinstance(node.func, ast.Name):  # unreachable after _check_call
            raise _refuse_node(node, self.source)
        name = _ALIASES.get(node.func.id, node.func.id)
        argument = self.build(node.args[0])
        value = None
        if argument.value is not None:
            with np.errstate(all="ignore"):
                value = float(_NUMPY_FUNCTIONS[name](np.float64(argument.value)))
            if not math.isfinite(value):
                column = self._column(node)
                reasons = {
                    "log": "log needs a number above 0",
                    "sqrt": "sqrt needs a number that is not negative",
                }
                reason = reasons.get(name, "the result is too large to compute")
                raise ExpressionError(f"{node.func.id}(...) at column {column} has no value: {reason}", column)
        return self._tidy(_SYMPY_FUNCTIONS[name](argument.expr), value, node)

    def _tidy(self, expr: sympy.Expr, value: float | None, node: ast.AST) -> _Built:
        column = self.source.operator_column(node) if isinstance(node, ast.BinOp) else self._column(node)
        if value is None and not expr.is_Number and not expr.free_symbols:
            # x and y cancelled out (x - x + 10): a constant whose size was never checked with NumPy.
            raise ExpressionError(
                f"the part at column {column} does not depend on x or y once simplified: write it as a "
                f"plain number instead", column)
        return _Built(_check_numbers(expr, column), value)


def _bits(number: sympy.Rational) -> int:
    """Size of an exact number: bits of its numerator or denominator, whichever is larger (about log2)."""
    return max(abs(number.p).bit_length(), number.q.bit_length())


def _check_numbers(expr: sympy.Expr, column: int | None, what: str = "this part of the formula") -> sympy.Expr:
    """Refuse zoo/nan/oo and oversized numbers; turn large-denominator fractions into decimals."""
    where = f" at column {column}" if column is not None else ""
    if expr.has(*_NO_VALUE):
        raise ExpressionError(
            f"{what}{where} has no value (it contains something like 1/0 or log(0)): change the formula so it "
            "is defined", column)
    replacements: dict[sympy.Expr, sympy.Expr] = {}
    for atom in expr.atoms(sympy.Number):
        if isinstance(atom, sympy.Rational):
            if _bits(atom) > MAX_BITS:
                raise ExpressionError(f"the numbers in {what} grow too large{where} (beyond 1e300)", column)
            if atom.q > MAX_DENOMINATOR:
                replacements[atom] = sympy.Float(float(Fraction(atom.p, atom.q)))
        elif isinstance(atom, sympy.Float):
            magnitude = abs(float(atom))
            if not magnitude <= 1e300:
                raise ExpressionError(f"the numbers in {what} grow too large{where} (beyond 1e300)", column)
    for power in expr.atoms(sympy.Pow):
        base, exponent = power.args
        # A number in an exponent, as the whole exponent or added to it, after SymPy has merged powers:
        # ((x^10)^10)^10 is x^1000, and SymPy multiplies out such powers when it splits an expression
        # into real and imaginary parts.
        shift = exponent if exponent.is_Number else exponent.as_coeff_Add()[0]
        if shift.is_Number and not abs(float(shift)) <= MAX_MERGED_EXPONENT:
            raise ExpressionError(
                f"the powers in {what} grow too large{where}: after combining powers of powers, a number in "
                f"an exponent may be at most {MAX_MERGED_EXPONENT} in size", column)
        if base.is_Rational and exponent.free_symbols:
            # 13**(y - 1000000) is harmless as it stands, but SymPy's factor_terms (run when this power
            # ends up inside another exponent) splits off 13**-1000000 and computes it exactly.
            constant = exponent.as_coeff_Add()[0]
            if constant.is_Rational and float(abs(constant)) * _bits(base) > MAX_BITS:
                raise ExpressionError(
                    f"the numbers in {what} grow too large{where}: a power has a number in its exponent "
                    "that is too large for its base", column)
        # An exact root of a number (sqrt(2)) is kept only for small bases: SymPy merges such roots when
        # they meet in a product, and merging big ones means factoring big numbers.
        if base.is_Rational and exponent.is_Rational and not exponent.is_Integer and _bits(base) > 64:
            replacements[power] = sympy.Float(base) ** exponent
    if replacements:
        expr = expr.xreplace(replacements)
        if expr.has(*_NO_VALUE):
            raise ExpressionError(f"{what}{where} has no value", column)
    return expr


# ---------------------------------------------------------------------------------------------------------
# Putting it together.
# ---------------------------------------------------------------------------------------------------------
def _latex(expr: sympy.Expr) -> str:
    """LaTeX of an expression, with every non-numeric exponent (and exp argument) printed on its own.

    SymPy's LaTeX printer splits products into numerator and denominator, and for a power whose exponent
    it can prove negative (x*exp(-x^2 - 1) with real x) it asks whether that exponent "is constant", which
    runs `simplify`: hundreds of milliseconds, unbounded in general. Here such exponents are swapped for
    placeholder symbols (no assumptions, so nothing to prove) whose names are their own LaTeX, in a copy
    built without evaluation. The output is the same, except that e^{-u} stays e^{-u} instead of 1/e^{u}.
    """
    names: dict[sympy.Symbol, str] = {}

    def placeholder(exponent: sympy.Expr) -> sympy.Symbol:
        symbol = sympy.Dummy()
        names[symbol] = _latex(exponent)
        return symbol

    def mask(node: sympy.Expr) -> sympy.Expr:
        # Only nodes that change are rebuilt (unevaluated): SymPy's construction cache is shared, so an
        # unevaluated copy of an ordinary node must never be made where an evaluated one could be asked for.
        if node.is_Atom:
            return node
        if isinstance(node, sympy.exp):
            return sympy.exp(placeholder(node.args[0]))
        if node.is_Pow and not node.exp.is_Number:
            return sympy.Pow(mask(node.base), placeholder(node.exp))
        args = [mask(arg) for arg in node.args]
        if all(new is old for new, old in zip(args, node.args, strict=True)):
            return node
        return node.func(*args)

    with sympy.evaluate(False):
        masked = mask(expr)
    return sympy.latex(masked, symbol_names=names)


def _size(expr: sympy.Expr) -> int:
    """Number of nodes in an expression tree (repeated parts counted each time, as printers see them)."""
    return sum(1 for _ in sympy.preorder_traversal(expr))


def _refuse_slow(started: float) -> None:
    """The safety net behind the limits: refuse a formula whose preparation overran the time budget."""
    elapsed = time.thread_time() - started
    if elapsed > BUDGET_SECONDS:
        raise ExpressionError(f"this formula is too complicated: preparing it took {elapsed:.1f} s (the limit "
                              f"is {BUDGET_SECONDS:g} s); try a shorter one")


@lru_cache(maxsize=1)
def _warm_up() -> None:
    """Pay the one-time costs (lambdify's first `from numpy import *`, SymPy's lazy imports: about half a
    second per process) before any clock starts, so the time budget measures formulas, not first calls."""
    expr = sympy.sin(X) * _Log(Y) ** 2 + _Abs(X) * sympy.sqrt(Y) / X
    for part in (expr, sympy.diff(expr, X)):
        sympy.latex(part)
        sympy.lambdify((X, Y), part, modules="numpy")


def parse_expression(text: str) -> ParsedExpression:
    """Check `text` and turn it into a SymPy expression with its exact gradient and LaTeX.

    Raises `ExpressionError` (with a learner-readable message and a column) for anything that is not a
    formula in x and y made of the allowed pieces, or that would be too expensive to prepare.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"the formula must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"this formula is too long: {len(text)} characters, at most {MAX_LENGTH}", MAX_LENGTH + 1)
    _warm_up()
    return _parse_cached(text)


@lru_cache(maxsize=128)  # exceptions are not cached; only formulas that passed every check are
def _parse_cached(text: str) -> ParsedExpression:
    started = time.thread_time()
    if not text.strip(" \t"):
        raise ExpressionError("type a formula in x and y, for example sin(x)*cos(y)")
    _check_characters(text)
    _check_parentheses(text)
    tokens = _tokenize(text)
    source = _Source(text)
    root = _parse_tree(source, text)
    _check_tree(root, source)
    with _failures_refused():
        expr = _Builder(source).build(root).expr
        _refuse_slow(started)
        gradient = tuple(_check_numbers(sympy.diff(expr, symbol), None, "the gradient of this formula")
                         for symbol in (X, Y))
        sizes = [_size(component) for component in gradient]
        if max(sizes) > MAX_GRADIENT_NODES:
            raise ExpressionError("the gradient of this formula is too long to work with (a product of many "
                                  "factors, perhaps): try a shorter formula")
        if any(component.has(sympy.Derivative) for component in gradient):
            raise ExpressionError("I cannot find an exact gradient for this formula")
        _refuse_slow(started)
        parsed = ParsedExpression(
            text=_normalize(tokens),
            expr=expr,
            gradient=(gradient[0], gradient[1]),
            latex=_latex(expr),
            grad_latex=tuple(_latex(component) if size <= MAX_LATEX_NODES else TOO_LONG_TO_SHOW
                             for component, size in zip(gradient, sizes, strict=True)),
        )
    _refuse_slow(started)
    return parsed


@contextmanager
def _failures_refused():
    """Turn SymPy or NumPy giving up on an odd formula (an OverflowError deep in an assumption query, say)
    into a refusal. The text has passed every check by then; this keeps the boundary: ExpressionError out."""
    try:
        yield
    except ExpressionError:
        raise
    except Exception as error:  # the boundary between SymPy and the learner: nothing else gets out
        raise ExpressionError(
            f"this formula could not be prepared ({type(error).__name__}): try writing it differently"
        ) from None


def _check_bounds(bounds) -> Bounds:
    message = ("bounds must be ((x_min, x_max), (y_min, y_max)) with finite numbers between -1e6 and 1e6 "
               "and each min below its max")
    try:
        (x0, x1), (y0, y1) = bounds
        values = [float(v) for v in (x0, x1, y0, y1) if not isinstance(v, (bool, str, bytes))]
    except (TypeError, ValueError):
        raise ExpressionError(f"{message}; got {bounds!r:.80}") from None
    if len(values) != 4 or not all(math.isfinite(v) and abs(v) <= 1e6 for v in values):
        raise ExpressionError(f"{message}; got {bounds!r:.80}")
    x0, x1, y0, y1 = values
    if not (x1 - x0 >= 1e-6 and y1 - y0 >= 1e-6):
        raise ExpressionError(f"{message} (by at least 1e-6); got {bounds!r:.80}")
    return (x0, x1), (y0, y1)


def _real(raw, shape: tuple[int, ...]) -> np.ndarray:
    """A float64 array of `shape`: complex values with an imaginary part, inf and -inf become NaN."""
    array = np.asarray(raw)
    if np.iscomplexobj(array):
        array = np.where(array.imag == 0, array.real, np.nan)
    out = np.array(np.broadcast_to(array, shape), dtype=np.float64)
    out[~np.isfinite(out)] = np.nan
    return out


def _for_numpy(expr: sympy.Expr) -> sympy.Expr:
    """Integers beyond 2**53 become floats: a NumPy ufunc cannot take a Python int too large for int64
    (tanh(999999^5) would raise TypeError at every call), and no float tells them apart anyway."""
    big = {n: sympy.Float(n) for n in expr.atoms(sympy.Integer) if abs(n) > 2**53}
    return expr.xreplace(big) if big else expr


def _compile(parsed: ParsedExpression):
    # docstring_limit=0: lambdify would otherwise print the whole expression once more, for a docstring
    value, d_dx, d_dy = (sympy.lambdify((X, Y), _for_numpy(part), modules="numpy", docstring_limit=0)
                         for part in (parsed.expr, *parsed.gradient))

    def value_fn(x, y) -> np.ndarray:
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        shape = np.broadcast_shapes(x.shape, y.shape)
        with np.errstate(all="ignore"):
            return _real(value(x, y), shape)

    def grad_fn(x, y) -> tuple[np.ndarray, np.ndarray]:
        # The gradient is a vector: where f or either component is undefined, both components are NaN.
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        shape = np.broadcast_shapes(x.shape, y.shape)
        with np.errstate(all="ignore"):
            gx, gy = _real(d_dx(x, y), shape), _real(d_dy(x, y), shape)
            undefined = np.isnan(gx) | np.isnan(gy) | np.isnan(_real(value(x, y), shape))
        gx[undefined] = np.nan
        gy[undefined] = np.nan
        return gx, gy

    return value_fn, grad_fn


def _estimate_minimum(value_fn, bounds: Bounds) -> tuple[Point, float, np.ndarray]:
    """Grid search over the bounds, then a compass search from the best grid point (NaN is ignored)."""
    (x0, x1), (y0, y1) = bounds
    xs, ys = np.linspace(x0, x1, GRID_RESOLUTION), np.linspace(y0, y1, GRID_RESOLUTION)
    grid_x, grid_y = np.meshgrid(xs, ys)
    values = value_fn(grid_x, grid_y)
    if np.isnan(values).all():
        raise ExpressionError("this formula has no real values on these bounds: try other bounds or "
                              "another formula (log and sqrt need positive numbers)")
    row, col = np.unravel_index(np.nanargmin(values), values.shape)
    best = np.array([xs[col], ys[row]])
    best_value = float(values[row, col])
    step = np.array([xs[1] - xs[0], ys[1] - ys[0]])
    low, high = np.array([x0, y0]), np.array([x1, y1])
    directions = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    for _ in range(200):
        if (step < 1e-12 * (high - low)).all():
            break
        candidates = np.clip(best + directions * step, low, high)
        trial = value_fn(candidates[:, 0], candidates[:, 1])
        if np.isfinite(trial).any() and np.nanmin(trial) < best_value:
            index = int(np.nanargmin(trial))
            best, best_value = candidates[index], float(trial[index])
        else:
            step = step / 2
    return (float(best[0]), float(best[1])), best_value, values


def _wants_log_scale(values: np.ndarray, min_value: float) -> bool:
    """True when the surface climbs about three decades (10**2.5) from its low ground to its high ground.

    Low ground is the 5th percentile of heights above the minimum, high ground the 99th (robust to poles).
    """
    with np.errstate(all="ignore"):
        heights = values[np.isfinite(values)] - min_value
        low, high = np.percentile(heights, [5.0, 99.0])
        return bool(high > 0 and high > 10**2.5 * low)  # inf heights (f near +-1e308) count as high


def _pick_start(value_fn, grad_fn, bounds: Bounds, minimum: Point) -> Point:
    """Three quarters of the way from the centre towards a corner, upper-left first, where f is defined."""
    (x0, x1), (y0, y1) = bounds
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    half = np.array([(x1 - x0) / 2, (y1 - y0) / 2])
    corners = [(-1, 1), (1, 1), (-1, -1), (1, -1)]
    candidates = np.array([centre + fraction * half * corner for fraction in (0.75, 0.5, 0.25)
                           for corner in corners] + [centre])
    values = value_fn(candidates[:, 0], candidates[:, 1])
    gx, gy = grad_fn(candidates[:, 0], candidates[:, 1])
    far = np.hypot(*((candidates - minimum) / half).T) > 0.1
    for ok in (np.isfinite(values) & np.isfinite(gx) & np.isfinite(gy) & far, np.isfinite(values)):
        if ok.any():
            point = candidates[int(np.argmax(ok))]
            return float(point[0]), float(point[1])
    return float(candidates[0, 0]), float(candidates[0, 1])


def from_expression(text: str, bounds: Bounds = ((-3, 3), (-3, 3))) -> Landscape:
    """The learner's own lock: a `Landscape` for a formula in x and y, over `bounds`.

    Raises `ExpressionError` for anything that is not an allowed formula or for bad bounds. The minimum is
    an estimate (`minimum_is_estimate=True`) from a grid search over the bounds.
    """
    _warm_up()
    started = time.thread_time()
    checked_bounds = _check_bounds(bounds)
    parsed = parse_expression(text)
    with _failures_refused():
        value_fn, grad_fn = _compile(parsed)
        _refuse_slow(started)
        minimum, min_value, values = _estimate_minimum(value_fn, checked_bounds)
        start = _pick_start(value_fn, grad_fn, checked_bounds, minimum)
        log_scale = _wants_log_scale(values, min_value)
    _refuse_slow(started)
    return Landscape(
        key="custom",
        title=parsed.text,
        description=(
            f"Your own lock: f(x, y) = {parsed.text}. Its combination (the lowest point) is an estimate from "
            f"a {GRID_RESOLUTION}x{GRID_RESOLUTION} grid search over the bounds, polished by a short local "
            "search, so it is not guaranteed to be exact."
        ),
        latex=parsed.latex,
        bounds=checked_bounds,
        minima=(minimum,),
        min_value=min_value,
        start=start,
        value_fn=value_fn,
        grad_fn=grad_fn,
        log_scale=log_scale,
        minimum_is_estimate=True,
        formula=text,
    )
