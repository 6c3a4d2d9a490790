"""A Pratt parser from tokens to a small syntax tree with source spans.

Precedence, loosest first: ``+ -``; ``* / @ .* ./``; unary ``-``; ``^ ** .^`` (right
associative, so ``-x^2`` is ``-(x^2)``); postfix ``'`` and ``.T``; calls and atoms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from matcalc.core.errors import ParseError
from matcalc.faces.parsing.lexer import Token, tokenize

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
    def __init__(self, text: str):
        self.text = text
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
            self.expect(")")
            return inner
        if tok.kind == "end":
            raise self.error("the expression ends too early")
        raise self.error(f"unexpected {tok.text!r}")


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
