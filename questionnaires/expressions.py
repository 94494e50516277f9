"""The expression language of skip logic, constraints, required-ness and computed values.

Written as in XLSForm: `${item}` is an earlier answer or a case field, `.` the value being checked
(constraints only). Comparisons (`=`/`==`, `!=`, `<`, `<=`, `>`, `>=`), `and`/`or`/`not`, arithmetic
(`+ - * /`, `div`, `mod`), membership (`${x} in ('a', 'b')`, `not in`), string and number literals,
and the whitelisted functions in `FUNCTIONS`.

Parsing uses a LALR grammar (lark) into a small AST that our own interpreter walks: nothing is
ever handed to Python's `eval`, there is no attribute access, and only whitelisted functions can be
called. Limits on length, nesting, literal size and result size turn absurd input into an
`ExpressionError` that names the character, before any work is done.

Missing values (unanswered or irrelevant items) are `None`; they equal `''`, make comparisons
false and arithmetic missing, as XLSForm's empty string does.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from questionnaires.errors import ExpressionError

MAX_LENGTH = 1000
MAX_DEPTH = 32
#: Depth of the parse tree: chains like `a or b or c …` nest one level per operand.
MAX_TREE_DEPTH = 120
MAX_LITERAL_DIGITS = 15
MAX_STRING_LENGTH = 500
MAX_MAGNITUDE = 1e15
MAX_IN_OPTIONS = 200

_GRAMMAR = r"""
?start: or_expr

?or_expr: and_expr
        | or_expr OR and_expr          -> or_
?and_expr: not_expr
         | and_expr AND not_expr       -> and_
?not_expr: NOT not_expr               -> not_
         | comparison
?comparison: sum
           | sum COMP_OP sum           -> compare
           | sum IN options            -> in_
           | sum NOT IN options        -> not_in
?sum: product
    | sum ADD_OP product               -> binary
?product: unary
        | product MUL_OP unary         -> binary
?unary: MINUS unary                    -> neg
      | atom
?atom: NUMBER                          -> number
     | STRING                          -> string
     | REF                             -> ref
     | DOT                             -> current
     | NAME "(" [arguments] ")"        -> call
     | NAME                            -> bare_name
     | "(" or_expr ")"
options: "(" or_expr ("," or_expr)* ")"
arguments: or_expr ("," or_expr)*

OR: "or"
AND: "and"
NOT: "not"
IN: "in"
COMP_OP: "==" | "!=" | "<=" | ">=" | "=" | "<" | ">"
ADD_OP: "+" | "-"
MINUS: "-"
MUL_OP: "*" | "/" | "div" | "mod"
DOT: "."
NUMBER: /[0-9]+(\.[0-9]+)?/
STRING: /'[^']*'/ | /"[^"]*"/
REF: /\$\{[^}]*\}/
NAME: /[A-Za-z_][A-Za-z0-9_\-]*/

%ignore /[ \t\r\n]+/
"""

_PARSER = Lark(_GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


# --- the AST -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any
    pos: int


@dataclass(frozen=True, slots=True)
class Ref:
    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Current:
    pos: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Member:
    operand: Node
    options: tuple[Node, ...]
    negated: bool
    pos: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]
    pos: int


Node = Literal | Ref | Current | Unary | Binary | Member | Call


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its source, its AST and the names it reads.

    `reads` (each name once, in order of appearance) and `volatile` (it calls `today()`) are its
    dependencies: given the same values for `reads`, the same `current` and the same `today`, it
    evaluates to the same result, which lets the interview engine skip re-evaluating it.
    """

    source: str
    root: Node
    refs: tuple[tuple[str, int], ...]
    uses_current: bool
    current_pos: int | None
    reads: tuple[str, ...] = ()
    volatile: bool = False

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self.refs}


# --- functions ---------------------------------------------------------------------------------

#: Callable functions and their (min, max) number of arguments.
FUNCTIONS: dict[str, tuple[int, int]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "today": (0, 0),
    "date": (1, 1),
    "if": (3, 3),
    "string-length": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "pow": (2, 2),
    "min": (1, 10),
    "max": (1, 10),
    "coalesce": (2, 2),
    "true": (0, 0),
    "false": (0, 0),
}


# --- parsing -----------------------------------------------------------------------------------


def parse(source: str) -> Expression:
    """Parse an expression once; errors name the character (1-based) where the problem starts."""
    if not isinstance(source, str):
        raise ExpressionError(f"an expression must be text, not {type(source).__name__}")
    return _parse_cached(source)


@lru_cache(maxsize=4096)
def _parse_cached(source: str) -> Expression:
    _check_text(source)
    if not source.strip():
        raise ExpressionError("the expression is empty", source=source)
    try:
        tree = _PARSER.parse(source)
    except UnexpectedInput as error:
        raise _syntax_error(source, error) from None
    _check_tree_depth(tree, source)
    builder = _Builder(source)
    root = builder.build(tree)
    _check_constants(root, source)
    return Expression(
        source=source,
        root=root,
        refs=tuple(builder.refs),
        uses_current=builder.current_pos is not None,
        current_pos=builder.current_pos,
        reads=tuple(dict.fromkeys(name for name, _ in builder.refs)),
        volatile=builder.volatile,
    )


def _check_constants(root: Node, source: str) -> None:
    """Evaluate every part that reads nothing (no item, no '.', no today()) once, at parse time.

    A constant that cannot be computed (``pow(9, pow(9, 9))``, ``1 div 0``) would fail in every
    interview; refusing it here means a questionnaire that loads can also run.
    """
    evaluator = _Evaluator(source, Context(values={}))

    def constant(node: Node) -> bool:
        if isinstance(node, Literal):
            return True
        if isinstance(node, Ref | Current):
            return False
        if isinstance(node, Unary):
            children: tuple[Node, ...] = (node.operand,)
        elif isinstance(node, Binary):
            children = (node.left, node.right)
        elif isinstance(node, Member):
            children = (node.operand, *node.options)
        else:
            children = node.args
        flags = [constant(child) for child in children]
        if not all(flags) or (isinstance(node, Call) and node.name == "today"):
            return False
        evaluator.eval(node)  # raises the same ExpressionError the interview would
        return True

    constant(root)


def _check_text(source: str) -> None:
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(source)} characters long; at most {MAX_LENGTH} are allowed",
            position=MAX_LENGTH + 1,
        )
    depth = 0
    quote: str | None = None
    for index, char in enumerate(source):
        if char not in "\t\r\n" and unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
            raise ExpressionError(
                f"invisible or control character U+{ord(char):04X} is not allowed; retype the expression",
                source=source,
                position=index + 1,
            )
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(
                    f"parentheses nested more than {MAX_DEPTH} deep; simplify the expression",
                    source=source,
                    position=index + 1,
                )
        elif char == ")":
            depth = max(depth - 1, 0)


def _syntax_error(source: str, error: UnexpectedInput) -> ExpressionError:
    if isinstance(error, UnexpectedEOF):
        return ExpressionError(
            "the expression ends too early (a missing operand or closing parenthesis?)",
            source=source,
            position=len(source) + 1,
        )
    if isinstance(error, UnexpectedToken) and error.token.type == "$END":
        return ExpressionError(
            "the expression ends too early (a missing operand or closing parenthesis?)",
            source=source,
            position=len(source) + 1,
        )
    index = error.pos_in_stream if error.pos_in_stream is not None else 0
    if isinstance(error, UnexpectedToken):
        index = error.token.start_pos if error.token.start_pos is not None else index
    rest = source[index:]
    if rest.startswith("**") or rest.startswith("^") or source[index - 1 : index + 1] == "**":
        message = "powers are written pow(x, y)"
    elif rest[:1] in ("'", '"'):
        message = f"the text starting here has no closing {rest[0]}"
    elif rest.startswith("${"):
        message = "'${' has no closing '}'"
    elif (word := _WORD.match(rest)) is not None:
        message = _word_message(word.group(0))
    elif isinstance(error, UnexpectedCharacters):
        message = f"unexpected character {source[index]!r}"
    else:
        message = f"unexpected {rest[:10]!r}"
    return ExpressionError(message, source=source, position=index + 1)


def _word_message(word: str) -> str:
    if "__" in word:
        return f"names with double underscores are not allowed ({word!r})"
    return f"unexpected word {word!r}: refer to answers and case fields as ${{{word}}}"


def _check_tree_depth(tree: Tree, source: str) -> None:
    stack: list[tuple[Tree | Token, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            position = getattr(getattr(node, "meta", None), "start_pos", None)
            if isinstance(node, Token):
                position = node.start_pos
            raise ExpressionError(
                f"the expression is nested more than {MAX_TREE_DEPTH} levels deep; simplify it",
                source=source,
                position=(position or 0) + 1,
            )
        if isinstance(node, Tree):
            stack.extend((child, depth + 1) for child in node.children)


class _Builder:
    """Turns lark's parse tree into our AST, checking names, functions and literal sizes."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.refs: list[tuple[str, int]] = []
        self.current_pos: int | None = None
        self.volatile = False  # calls today(): its value depends on the clock

    def error(self, message: str, position: int) -> ExpressionError:
        return ExpressionError(message, source=self.source, position=position + 1)

    def build(self, node: Tree | Token) -> Node:
        if isinstance(node, Token):  # a lone token can only be a parenthesised atom's result
            raise self.error(f"unexpected {node!s}", node.start_pos or 0)
        kind = node.data
        children = node.children
        pos = node.meta.start_pos if not node.meta.empty else 0
        if kind == "number":
            return self.number(children[0])
        if kind == "string":
            return self.string(children[0])
        if kind == "ref":
            return self.ref(children[0])
        if kind == "current":
            if self.current_pos is None:
                self.current_pos = children[0].start_pos
            return Current(children[0].start_pos)
        if kind == "bare_name":
            token = children[0]
            raise self.error(_word_message(str(token)), token.start_pos)
        if kind == "call":
            return self.call(children)
        if kind in ("or_", "and_"):
            op = "or" if kind == "or_" else "and"
            return Binary(op, self.build(children[0]), self.build(children[2]), children[1].start_pos)
        if kind == "not_":
            return Unary("not", self.build(children[1]), children[0].start_pos)
        if kind == "neg":
            return Unary("-", self.build(children[1]), children[0].start_pos)
        if kind in ("compare", "binary"):
            op = str(children[1])
            op = "=" if op == "==" else op
            return Binary(op, self.build(children[0]), self.build(children[2]), children[1].start_pos)
        if kind in ("in_", "not_in"):
            operand = self.build(children[0])
            options_tree = children[-1]
            options = tuple(self.build(child) for child in options_tree.children)
            if len(options) > MAX_IN_OPTIONS:
                raise self.error(f"at most {MAX_IN_OPTIONS} options are allowed after 'in'", pos)
            return Member(operand, options, kind == "not_in", children[1].start_pos)
        raise self.error(f"unsupported construct {kind}", pos)  # pragma: no cover - grammar is closed

    def number(self, token: Token) -> Literal:
        text = str(token)
        digits = len(text.replace(".", ""))
        if digits > MAX_LITERAL_DIGITS:
            raise self.error(
                f"the number {text[:20]}… has {digits} digits; at most {MAX_LITERAL_DIGITS} are allowed",
                token.start_pos,
            )
        value: int | float = float(text) if "." in text else int(text)
        return Literal(value, token.start_pos)

    def string(self, token: Token) -> Literal:
        text = str(token)[1:-1]
        if len(text) > MAX_STRING_LENGTH:
            raise self.error(
                f"the text literal is {len(text)} characters long; at most {MAX_STRING_LENGTH} are allowed",
                token.start_pos,
            )
        return Literal(text, token.start_pos)

    def ref(self, token: Token) -> Ref:
        name = str(token)[2:-1].strip()
        if "__" in name:
            raise self.error(f"names with double underscores are not allowed (${{{name}}})", token.start_pos)
        if not _NAME.match(name):
            raise self.error(
                f"${{{name}}} is not a valid name: use letters, digits, '_', '-' or '.', starting with a letter",
                token.start_pos,
            )
        self.refs.append((name, token.start_pos + 1))
        return Ref(name, token.start_pos)

    def call(self, children: list) -> Call:
        token = children[0]
        name = str(token)
        if "__" in name:
            raise self.error(f"names with double underscores are not allowed ({name!r})", token.start_pos)
        if name not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise self.error(f"unknown function {name!r}; the functions are: {allowed}", token.start_pos)
        args: tuple[Node, ...] = ()
        if len(children) > 1:
            args = tuple(self.build(child) for child in children[1].children)
        self.volatile = self.volatile or name == "today"
        low, high = FUNCTIONS[name]
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise self.error(f"{name}() takes {wanted} argument(s), not {len(args)}", token.start_pos)
        return Call(name, args, token.start_pos)


# --- evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What an expression can read: values by name, the current value and today's date."""

    values: Mapping[str, Any]
    current: Any = None
    today: date | None = None


def evaluate(expression: Expression | str, context: Context | Mapping[str, Any]) -> Any:
    """The value of an expression; raises ExpressionError on a result too large to be sensible."""
    if isinstance(expression, str):
        expression = parse(expression)
    if not isinstance(context, Context):
        context = Context(values=context)
    return _Evaluator(expression.source, context).eval(expression.root)


def truthy(value: Any) -> bool:
    """How an expression's value reads as a condition: missing, '' , 0 and false are false."""
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return int(value)
    if _is_number(value):
        return value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?[0-9]{1,15}", text):
            return int(text)
        if re.fullmatch(r"-?[0-9]{1,15}\.[0-9]{1,15}", text):
            return float(text)
    return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(part) for part in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _coerce_pair(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Bring two values to a common type for comparison, or None when they cannot be compared."""
    if left is None or right is None:
        return None
    if isinstance(left, date) or isinstance(right, date):
        a, b = _as_date(left), _as_date(right)
        return (a, b) if a is not None and b is not None else None
    if _is_number(left) or _is_number(right) or isinstance(left, bool) or isinstance(right, bool):
        a, b = _as_number(left), _as_number(right)
        return (a, b) if a is not None and b is not None else None
    return _as_text(left), _as_text(right)


def _equal(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return _as_text(left) == _as_text(right)
    pair = _coerce_pair(left, right)
    if pair is None:
        return False
    return pair[0] == pair[1]


class _Evaluator:
    def __init__(self, source: str, context: Context) -> None:
        self.source = source
        self.context = context

    def error(self, message: str, pos: int) -> ExpressionError:
        return ExpressionError(message, source=self.source, position=pos + 1)

    def guard(self, value: Any, pos: int) -> Any:
        if _is_number(value):
            if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
                raise self.error("the result is not a finite number", pos)
            if abs(value) > MAX_MAGNITUDE:
                raise self.error(f"the result is larger than {MAX_MAGNITUDE:.0e}", pos)
        return value

    def eval(self, node: Node) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Ref):
            return self.context.values.get(node.name)
        if isinstance(node, Current):
            return self.context.current
        if isinstance(node, Unary):
            value = self.eval(node.operand)
            if node.op == "not":
                return not truthy(value)
            number = _as_number(value)
            return None if number is None else self.guard(-number, node.pos)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Member):
            value = self.eval(node.operand)
            options = [self.eval(option) for option in node.options]
            if isinstance(value, list | tuple):
                found = any(_equal(part, option) for part in value for option in options)
            else:
                found = any(_equal(value, option) for option in options)
            return found != node.negated
        if isinstance(node, Call):
            return self.call(node)
        raise self.error("unsupported expression", 0)  # pragma: no cover - AST is closed

    def binary(self, node: Binary) -> Any:
        op = node.op
        if op == "and":
            return truthy(self.eval(node.left)) and truthy(self.eval(node.right))
        if op == "or":
            return truthy(self.eval(node.left)) or truthy(self.eval(node.right))
        left, right = self.eval(node.left), self.eval(node.right)
        if op == "=":
            return _equal(left, right)
        if op == "!=":
            return not _equal(left, right)
        if op in ("<", "<=", ">", ">="):
            pair = _coerce_pair(left, right)
            if pair is None:
                return False
            a, b = pair
            try:
                return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
            except TypeError:
                return False
        return self.arithmetic(op, left, right, node.pos)

    def arithmetic(self, op: str, left: Any, right: Any, pos: int) -> Any:
        if isinstance(left, date) or isinstance(right, date):
            return self.date_arithmetic(op, left, right, pos)
        a, b = _as_number(left), _as_number(right)
        if a is None or b is None:
            return None
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op in ("/", "div"):
            if b == 0:
                return None
            result = a / b
            if isinstance(result, float) and result.is_integer() and abs(result) <= MAX_MAGNITUDE:
                result = int(result) if isinstance(a, int) and isinstance(b, int) else result
        elif op == "mod":
            if b == 0:
                return None
            result = math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else int(math.fmod(a, b))
        else:  # pragma: no cover - grammar is closed
            raise self.error(f"unknown operator {op}", pos)
        return self.guard(result, pos)

    def date_arithmetic(self, op: str, left: Any, right: Any, pos: int) -> Any:
        a, b = _as_date(left), _as_date(right)
        if op == "-" and a is not None and b is not None:
            return (a - b).days
        days = _as_number(right) if a is not None else _as_number(left)
        base = a if a is not None else b
        if base is None or days is None or op not in ("+", "-") or (op == "-" and a is None):
            return None
        if abs(days) > 3_000_000:
            raise self.error("the date moves outside the calendar", pos)
        try:
            return base + timedelta(days=days) if op == "+" else base - timedelta(days=days)
        except OverflowError:
            raise self.error("the date moves outside the calendar", pos) from None

    def call(self, node: Call) -> Any:
        name = node.name
        if name == "if":
            condition = truthy(self.eval(node.args[0]))
            return self.eval(node.args[1] if condition else node.args[2])
        args = [self.eval(arg) for arg in node.args]
        handler: Callable[[list[Any], int], Any] = getattr(self, "fn_" + name.replace("-", "_"))
        return handler(args, node.pos)

    def fn_selected(self, args: list[Any], pos: int) -> bool:
        value, code = args
        code_text = _as_text(code)
        if value is None:
            return False
        if isinstance(value, list | tuple):
            return code_text in [_as_text(part) for part in value]
        return code_text in _as_text(value).split()

    def fn_count_selected(self, args: list[Any], pos: int) -> int:
        value = args[0]
        if value is None:
            return 0
        if isinstance(value, list | tuple):
            return len(value)
        return len(_as_text(value).split())

    def fn_today(self, args: list[Any], pos: int) -> date:
        return self.context.today or date.today()

    def fn_date(self, args: list[Any], pos: int) -> date | None:
        if args[0] is None:
            return None
        value = _as_date(args[0])
        if value is None:
            raise self.error(f"date() needs a date written YYYY-MM-DD, not {_as_text(args[0])[:30]!r}", pos)
        return value

    def fn_string_length(self, args: list[Any], pos: int) -> int:
        return len(_as_text(args[0]))

    def fn_int(self, args: list[Any], pos: int) -> int | None:
        number = _as_number(args[0])
        return None if number is None else int(number)

    def fn_round(self, args: list[Any], pos: int) -> float | int | None:
        number = _as_number(args[0])
        places = _as_number(args[1]) if len(args) > 1 else 0
        if number is None or places is None:
            return None
        if not -15 <= places <= 15:
            raise self.error("round() takes between -15 and 15 decimal places", pos)
        return round(number, int(places))

    def fn_pow(self, args: list[Any], pos: int) -> float | int | None:
        base, exponent = _as_number(args[0]), _as_number(args[1])
        if base is None or exponent is None:
            return None
        if abs(exponent) > 64:
            raise self.error("pow() takes exponents between -64 and 64", pos)
        try:
            result = math.pow(base, exponent)
        except (OverflowError, ValueError):
            raise self.error("pow() gives a result that is too large or not a number", pos) from None
        if isinstance(base, int) and isinstance(exponent, int) and exponent >= 0:
            result = int(result) if abs(result) <= MAX_MAGNITUDE else result
        return self.guard(result, pos)

    def fn_min(self, args: list[Any], pos: int) -> Any:
        numbers = [number for number in map(_as_number, args) if number is not None]
        return min(numbers) if numbers else None

    def fn_max(self, args: list[Any], pos: int) -> Any:
        numbers = [number for number in map(_as_number, args) if number is not None]
        return max(numbers) if numbers else None

    def fn_coalesce(self, args: list[Any], pos: int) -> Any:
        return args[0] if _as_text(args[0]) != "" else args[1]

    def fn_true(self, args: list[Any], pos: int) -> bool:
        return True

    def fn_false(self, args: list[Any], pos: int) -> bool:
        return False
