"""Text from a model, a corpus or an imported file, made safe to put on a terminal.

An answer is whatever characters the model learned, and metadata is whatever the file says: an
ESC in either would reach the terminal as a command (a title change, a cleared screen, a hyperlink).
Every control character except newline and tab is shown as a visible stand-in instead: the C0
ones and DEL as their Unicode control pictures (ESC as ␛), the C1 ones (U+0080-U+009F, which
some terminals obey as ESC sequences) as the replacement character. The CLI and the app both
print through `visible`; what is saved (conversations, exports) keeps the text as it is.
"""

from __future__ import annotations

import json
import re

_TABLE = {code: 0x2400 + code for code in range(0x20) if chr(code) not in "\n\t"}
_TABLE[0x7F] = 0x2421  # ␡
_TABLE.update({code: 0xFFFD for code in range(0x80, 0xA0)})
_C1 = re.compile("[\x80-\x9f]")


def visible(text: str) -> str:
    """`text` with every control character but newline and tab replaced by a visible stand-in."""
    return text.translate(_TABLE)


def json_text(obj, indent: int | None = 2) -> str:
    """JSON for a terminal: readable non-ASCII, and the C1 controls json leaves raw escaped as \\u0080.."""
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(obj, indent=indent, ensure_ascii=False))
