"""Output for a terminal that cannot show matcalc's symbols: each written the way one types it
in ASCII (‖x‖² as ||x||^2, Aᵀ as A', ⊙ as .*, ∂ as d, α as alpha), not as '?'."""

from __future__ import annotations

import re
import unicodedata

SYMBOLS = {
    "∂": "d", "ᵀ": "'", "⊙": ".*", "⊘": "./", "⊗": " kron ", "‖": "||", "−": "-", "×": "x",
    "·": "*", "∈": "in", "ℝ": "R", "𝟏": "1", "→": "->", "≤": "<=", "≥": ">=", "≠": "!=",
    "≈": "~", "√": "sqrt", "∑": "sum", "Σ": "Sum", "⁺": "^+", "…": "...", "⋯": "...",
    "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "′": "'", "∘": "o",
}
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾", "0123456789-()")
SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉₍₎ₘₙₖᵢⱼ", "0123456789()mnkij")
RUNS = re.compile(r"([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾]+)|([₀₁₂₃₄₅₆₇₈₉₍₎ₘₙₖᵢⱼ]+)")


def asciify(text: str) -> str:
    """``text`` in ASCII: symbols spelled out, runs of superscripts as ^…, of subscripts as _…,
    Greek letters by name, accents dropped; '?' only for what has no spelling."""
    if text.isascii():
        return text
    text = RUNS.sub(lambda m: "^" + m.group(1).translate(SUPERSCRIPTS) if m.group(1)
                    else "_" + m.group(2).translate(SUBSCRIPTS), text)
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif ch in SYMBOLS:
            out.append(SYMBOLS[ch])
        else:
            out.append(_spelled(ch))
    return "".join(out)


def _spelled(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith("GREEK"):  # GREEK SMALL LETTER ALPHA -> alpha, CAPITAL SIGMA -> Sigma
        word = name.split()[-1].lower()
        return word.capitalize() if "CAPITAL" in name else word
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    return plain or "?"


class AsciiStream:
    """A text stream that writes through ``asciify`` to another."""

    encoding = "ascii"

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(asciify(text))

    def __getattr__(self, name):  # flush, fileno, isatty, … as the stream has them
        return getattr(self.stream, name)
