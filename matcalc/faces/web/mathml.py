"""LaTeX -> MathML, made on the server so that the page typesets math offline (browsers render
MathML Core natively; no script, no CDN).

The LaTeX comes from matcalc's own printers, but the MathML is inserted into the page as markup,
so it is parsed and checked here: only MathML elements and presentation attributes pass.  What
does not convert or does not pass is ``None``, and the page shows the unicode text instead.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Optional

from latex2mathml.converter import convert

NAMESPACE = "{http://www.w3.org/1998/Math/MathML}"
#: MathML Core's presentation elements
ELEMENTS = frozenset("""
    math mrow mi mn mo ms mtext mspace msub msup msubsup mfrac msqrt mroot mover munder
    munderover mtable mtr mtd mstyle mpadded mphantom menclose merror semantics annotation
""".split())
#: presentation attributes only: no event handlers, no links, no style
ATTRIBUTES = frozenset("""
    display stretchy fence form mathvariant movablelimits width height depth lspace rspace
    separator accent accentunder largeop symmetric minsize maxsize linethickness displaystyle
    scriptlevel columnalign rowspacing columnspacing notation encoding
""".split())


#: Unicode's mathematical bold digits and Latin letters (𝟏, 𝐱, 𝐀)
BOLD = {**{chr(48 + i): chr(0x1D7CE + i) for i in range(10)},
        **{chr(65 + i): chr(0x1D400 + i) for i in range(26)},
        **{chr(97 + i): chr(0x1D41A + i) for i in range(26)}}


def to_mathml(latex: str, display: bool = False) -> Optional[str]:
    """``<math>…</math>`` for ``latex``, or None where it cannot be converted safely."""
    try:
        markup = convert(latex, display="block" if display else "inline")
        root = ET.fromstring(markup)
    except Exception:  # noqa: BLE001 - latex2mathml raises many kinds; the page falls back
        return None
    bolded = False
    for element in root.iter():
        tag = element.tag
        if not tag.startswith(NAMESPACE) or tag[len(NAMESPACE):] not in ELEMENTS:
            return None
        if any(name not in ATTRIBUTES for name in element.attrib):
            return None
        if element.attrib.get("mathvariant") == "bold" and element.text \
                and all(ch in BOLD for ch in element.text):
            # MathML Core renders no mathvariant but "normal": the bold characters themselves
            element.text = "".join(BOLD[ch] for ch in element.text)
            del element.attrib["mathvariant"]
            bolded = True
    if bolded:
        ET.register_namespace("", NAMESPACE[1:-1])
        return ET.tostring(root, encoding="unicode")
    return markup
