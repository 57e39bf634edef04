"""Span offsets: what unit they count, said once, in every schema field that holds one.

Offsets index the enriched article's normalized `body` the way Python slices a str: in Unicode
code points (scalar values), not UTF-16 code units (Java, JavaScript, C#) nor UTF-8 bytes. The two
differ after any character above U+FFFF (most emoji, some CJK), which takes two UTF-16 units.
"""

from typing import Annotated

from pydantic import Field

UNIT = (
    "Offset into the enriched article's `body`, counted in Unicode code points (scalar values; Python "
    "str indices), not UTF-16 code units nor bytes. To convert for UTF-16 strings (Java, JavaScript, "
    "C#), add 1 for every code point above U+FFFF before the offset; for UTF-8, take the byte length of "
    "body[:offset]."
)

Start = Annotated[int, Field(ge=0, description=f"Start of the span (inclusive). {UNIT}")]
End = Annotated[int, Field(ge=0, description=f"End of the span (exclusive). {UNIT}")]
