"""A Pratt parser from tokens to a small syntax tree with source spans.

Precedence, loosest first: ``+ -``; ``* / @ .* ./``; unary ``-``; ``^ ** .^`` (right
associative, so ``-x^2`` is ``-(x^2)``); postfix ``'`` and ``.T``; calls and atoms.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Union

from matcalc.core.errors import ParseError
from matcalc.faces.parsing.lexer import Token, tokenize
from matcalc.faces.parsing.vocabulary import KNOWN

BINARY = {"+": 10, "-": 10, "*": 20, "/": 20, "@": 20, ".*": 20, "./": 20,
          "^": 40, "**": 40, ".^": 40}
RIGHT_ASSOCIATIVE = {"^", "**", ".^"}
UNARY = 30


@dataclass(frozen=True)
class Num:
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Name:
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple["Node", ...]
    start: int
    end: int
    name_end: int
    #: keyword arguments, as (name, value) pairs: sum(X, axis=0)
    keywords: tuple[tuple["Name", "Node"], ...] = ()


@dataclass(frozen=True)
class BinOp:
    op: str
    left: "Node"
    right: "Node"
    pos: int  # of the operator
    start: int
    end: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: "Node"
    start: int
    end: int


@dataclass(frozen=True)
class Postfix:
    op: str
    operand: "Node"
    pos: int
    start: int
    end: int


Node = Union[Num, Name, Call, BinOp, Unary, Postfix]

MAX_DEPTH = 200  # nesting beyond this is refused with a clear error, not a RecursionError


class Parser:
    def __init__(self, text: str, hints: bool = True):
        self.text = text
        self.hints = hints  # off while a hint's own suggestion is tried
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, message: str, pos: int | None = None) -> ParseError:
        if self.hints and pos is None and self.i > 0 and side_by_side(self.tokens[self.i - 1], self.tok):
            message += implicit_product_hint(self.text, self.tokens, self.i)
        return ParseError(message, self.text, self.tok.pos if pos is None else pos)

    def expect(self, text: str) -> Token:
        if self.tok.kind == "op" and self.tok.text == text:
            return self.advance()
        found = "the end" if self.tok.kind == "end" else repr(self.tok.text)
        raise self.error(f"expected {text!r} but found {found}")

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.error("empty expression")
        node = self.expression(0)
        if self.tok.kind != "end":
            raise self.error(f"unexpected {self.tok.text!r} after a complete expression")
        return node

    def expression(self, min_prec: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the expression nests deeper than {MAX_DEPTH} levels")
        left = self.prefix()
        while True:
            tok = self.tok
            if tok.kind == "op" and tok.text in ("'", ".T"):
                self.advance()
                left = Postfix(tok.text, left, tok.pos, left.start, tok.pos + len(tok.text))
                continue
            if tok.kind != "op" or tok.text not in BINARY:
                break
            prec = BINARY[tok.text]
            if prec < min_prec:
                break
            self.advance()
            next_min = prec if tok.text in RIGHT_ASSOCIATIVE else prec + 1
            if tok.text in RIGHT_ASSOCIATIVE and self.tok.kind == "op" and self.tok.text in "+-":
                right = self.prefix()  # x^-1
            else:
                right = self.expression(next_min)
            left = BinOp(tok.text, left, right, tok.pos, left.start, right.end)
        self.depth -= 1
        return left

    def argument(self, args: list, keywords: list) -> None:
        """One argument of a call: an expression, or name=expression after the positional ones."""
        value = self.expression(0)
        if isinstance(value, Name) and self.tok.kind == "op" and self.tok.text == "=":
            if any(key.name == value.name for key, _ in keywords):
                raise ParseError(f"the keyword {value.name} is given twice", self.text,
                                 value.start)
            self.advance()
            keywords.append((value, self.expression(0)))
            return
        if keywords:
            raise ParseError("a positional argument after a keyword argument", self.text,
                             value.start)
        args.append(value)

    def prefix(self) -> Node:
        tok = self.tok
        if tok.kind == "op" and tok.text in ("-", "+"):
            self.advance()
            operand = self.expression(UNARY)
            return Unary(tok.text, operand, tok.pos, operand.end)
        if tok.kind == "number":
            self.advance()
            return Num(tok.text, tok.pos, tok.pos + len(tok.text))
        if tok.kind == "name":
            self.advance()
            if self.tok.kind == "op" and self.tok.text == "(":
                self.advance()
                args: list[Node] = []
                keywords: list[tuple[Name, Node]] = []
                if not (self.tok.kind == "op" and self.tok.text == ")"):
                    self.argument(args, keywords)
                    while self.tok.kind == "op" and self.tok.text == ",":
                        self.advance()
                        self.argument(args, keywords)
                close = self.expect(")")
                return Call(tok.text, tuple(args), tok.pos, close.pos + 1, tok.pos + len(tok.text),
                            tuple(keywords))
            return Name(tok.text, tok.pos, tok.pos + len(tok.text))
        if tok.kind == "op" and tok.text == "(":
            self.advance()
            inner = self.expression(0)
            close = self.expect(")")
            # the span takes the parentheses, so that messages quote (v).T', not v).T'
            return replace(inner, start=tok.pos, end=close.pos + 1)
        if tok.kind == "end":
            raise self.error("the expression ends too early")
        raise self.error(f"unexpected {tok.text!r}")


PYTHON_MARKS = ("@", ".T", "**")
MATCALC_MARKS = ("'", "^", ".*", "./", ".^")


def detect_syntax(text: str) -> str:
    python = any(mark in text for mark in PYTHON_MARKS)
    matcalc = any(mark in text for mark in MATCALC_MARKS)
    if python and matcalc:
        return "python" if "@" in text else "matcalc"
    return "python" if python else "matcalc" if matcalc else "auto"


def side_by_side(a: Token, b: Token) -> bool:
    """Two operands with no operator between them (2x, x' A, (a)(b)): a product was meant.
    A name before "(" is a call, not a product."""
    ends = a.kind in ("number", "name") or (a.kind == "op" and a.text in (")", "'", ".T"))
    starts = b.kind in ("number", "name") or (b.kind == "op" and b.text == "(")
    return ends and starts and not (a.kind == "name" and b.text == "(")


#: a suggestion longer than this shows only the spot, not the whole text
HINT_LENGTH = 60


def implicit_product_hint(text: str, tokens: list[Token], i: int) -> str:
    """"; did you mean x'*A*x?": the text with a product sign wherever two operands stand side
    by side (@ in Python's syntax, * in matrixcalculus.org's or next to a number), or only the
    spot at token i when the whole text would be long or still not parse."""

    def sign(a: Token, b: Token) -> str:
        python = detect_syntax(text) == "python"
        return "@" if python and "number" not in (a.kind, b.kind) else "*"

    def called(k: int) -> bool:
        """sin x: a function's name, then one operand that ends the argument (the text ends,
        or a sum or a bracket follows); in sum x.^2 or log det X the argument is unclear."""
        a, b = tokens[k], tokens[k + 1]
        after = tokens[k + 2] if k + 2 < len(tokens) else None
        return (a.kind == "name" and a.text in KNOWN and b.kind in ("name", "number")
                and b.text not in KNOWN
                and (after is None or after.kind == "end" or after.text in (")", ",", "+", "-")))

    def function_first(k: int) -> bool:
        return tokens[k].kind == "name" and tokens[k].text in KNOWN and not called(k)

    whole, last = [], 0
    for k, (a, b) in enumerate(zip(tokens, tokens[1:])):
        if side_by_side(a, b) and called(k):
            whole += [text[last:a.pos + len(a.text)], f"({b.text})"]
            last = b.pos + len(b.text)
        elif side_by_side(a, b) and function_first(k):
            return f"; call a function with brackets: {a.text}(...)"
        elif side_by_side(a, b):
            whole += [text[last:a.pos + len(a.text)], sign(a, b)]
            last = b.pos
    fixed = "".join(whole) + text[last:]
    try:
        Parser(fixed, hints=False).parse()
        parses = True
    except ParseError:
        parses = False
    a, b = tokens[i - 1], tokens[i]
    spot = f"{a.text}({b.text})" if called(i - 1) else a.text + sign(a, b) + b.text
    suggestion = fixed if parses and len(fixed) <= HINT_LENGTH else spot
    return f"; did you mean {suggestion}?"


def parse_tree(text: str) -> Node:
    return Parser(text).parse()


def children(node: Node) -> list[Node]:
    """The nodes below a node: a call's arguments (keyword values too), an operator's operands."""
    if isinstance(node, Call):
        return [*node.args, *(value for _, value in node.keywords)]
    if isinstance(node, BinOp):
        return [node.left, node.right]
    if isinstance(node, (Unary, Postfix)):
        return [node.operand]
    return []


def names_in(node: Node) -> list[Name]:
    """The names in a dimension argument: n, m*n, n^2."""
    if isinstance(node, Name):
        return [node]
    return [n for child in children(node) for n in names_in(child)]
