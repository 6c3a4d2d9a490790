"""Tokens of the text syntax: matrixcalculus.org's and Python's spellings.  No eval, ever."""

from __future__ import annotations

from dataclasses import dataclass

from matcalc.core.errors import ParseError

# longest first, so that ".*" wins over "." and "**" over "*"
OPERATORS = (".*", "./", ".^", "**", ".T", "+", "-", "*", "/", "^", "@", "'", "(", ")", ",", "=")


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op", "end"
    text: str
    pos: int


# transposes as they arrive from PDFs and papers, and the minus sign and product dots that
# printed results use, so that a result pasted back reads as it prints
_QUOTES = {"\u2019": "'", "\u2032": "'", "\u1d40": "'", "\u2212": "-", "\u00b7": "*",
           "\u22c5": "*"}
#: the elementwise product and quotient as results print them
_PRINTED_OPERATORS = {"⊙": ".*", "⊘": "./"}
#: MATLAB's plain (non-conjugating) transpose, the same on real matrices
_PLAIN_TRANSPOSE = ".'"


#: a number literal longer than this is refused (Python refuses integers over 4,300 digits)
MAX_NUMBER_LENGTH = 100
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))


def _digit(ch: str) -> bool:
    """0–9 only: str.isdigit also holds for ² and other digits int() refuses."""
    return "0" <= ch <= "9"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    text = "".join(_QUOTES.get(ch, ch) for ch in text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if _digit(ch) or (ch == "." and i + 1 < n and _digit(text[i + 1])):
            j = i
            while j < n and _digit(text[j]):
                j += 1
            if j < n and text[j] == "." and not (j + 1 < n and text[j + 1] in "*/^T"):
                j += 1
                while j < n and _digit(text[j]):
                    j += 1
            if j < n and text[j] in "eE" and j + 1 < n and (
                _digit(text[j + 1]) or (text[j + 1] in "+-" and j + 2 < n and _digit(text[j + 2]))
            ):
                j += 2
                while j < n and _digit(text[j]):
                    j += 1
            if j - i > MAX_NUMBER_LENGTH:
                raise ParseError(f"a number of {j - i} characters is too long (at most "
                                 f"{MAX_NUMBER_LENGTH})", text, i)
            tokens.append(Token("number", text[i:j], i))
            i = j
            continue
        if ch.isalpha() or ch == "_":
            j = i
            while j < n and (text[j].isalpha() or _digit(text[j]) or text[j] == "_"):
                j += 1
            tokens.append(Token("name", text[i:j], i))
            i = j
            continue
        if ch in _PRINTED_OPERATORS:
            tokens.append(Token("op", _PRINTED_OPERATORS[ch], i))
            i += 1
            continue
        if text.startswith(_PLAIN_TRANSPOSE, i):
            tokens.append(Token("op", "'", i))
            i += 2
            continue
        if text.startswith("||", i) or ch == "‖":
            raise ParseError("write norm2(x) for ‖x‖₂ (and the Frobenius norm of a matrix); "
                             "|x| is abs(x)", text, i)
        for op in OPERATORS:
            if text.startswith(op, i):
                if op == ".T" and i + 2 < n and (text[i + 2].isalnum() or text[i + 2] == "_"):
                    continue  # ".Tx" is not a transpose
                tokens.append(Token("op", op, i))
                i += len(op)
                break
        else:
            run = ""
            while i + len(run) < n and text[i + len(run)] in SUPERSCRIPTS:
                run += text[i + len(run)]
            power = "".join(SUPERSCRIPTS[c] for c in run)
            hint = f"; write ^{power} for a power" if run else ""
            raise ParseError(f"unexpected character {ch!r}{hint}", text, i)
    tokens.append(Token("end", "", n))
    return tokens
