"""Tokens of the text syntax: matrixcalculus.org's and Python's spellings.  No eval, ever."""

from __future__ import annotations

from dataclasses import dataclass

from matcalc.core.errors import ParseError

# longest first, so that ".*" wins over "." and "**" over "*"
OPERATORS = (".*", "./", ".^", "**", ".T", "+", "-", "*", "/", "^", "@", "'", "(", ")", ",")


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op", "end"
    text: str
    pos: int


# transposes as they arrive from PDFs and papers
_QUOTES = {"\u2019": "'", "\u2032": "'", "\u1d40": "'"}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    text = "".join(_QUOTES.get(ch, ch) for ch in text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and text[j].isdigit():
                j += 1
            if j < n and text[j] == "." and not (j + 1 < n and text[j + 1] in "*/^T"):
                j += 1
                while j < n and text[j].isdigit():
                    j += 1
            if j < n and text[j] in "eE" and j + 1 < n and (
                text[j + 1].isdigit() or (text[j + 1] in "+-" and j + 2 < n and text[j + 2].isdigit())
            ):
                j += 2
                while j < n and text[j].isdigit():
                    j += 1
            tokens.append(Token("number", text[i:j], i))
            i = j
            continue
        if ch.isalpha() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("name", text[i:j], i))
            i = j
            continue
        for op in OPERATORS:
            if text.startswith(op, i):
                if op == ".T" and i + 2 < n and (text[i + 2].isalnum() or text[i + 2] == "_"):
                    continue  # ".Tx" is not a transpose
                tokens.append(Token("op", op, i))
                i += len(op)
                break
        else:
            raise ParseError(f"unexpected character {ch!r}", text, i)
    tokens.append(Token("end", "", n))
    return tokens
