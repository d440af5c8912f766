"""Text from a model, a corpus or an imported file, made safe to put on a terminal.

An answer is whatever characters the model learned, and metadata is whatever the file says: an
ESC in either would reach the terminal as a command (a title change, a cleared screen, a hyperlink).
Every control character except newline and tab is shown as a visible stand-in instead: the C0
ones and DEL as their Unicode control pictures (ESC as ␛), the C1 ones (U+0080-U+009F, which
some terminals obey as ESC sequences) as the replacement character. So do the characters that are
invisible or reorder what follows: bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069, which
can make a name read backwards), zero-width spaces and joiners, the byte-order mark, line and
paragraph separators, and every other Unicode format character (category Cf; tests/test_visible.py
checks the list against unicodedata). One character in, one out: offsets into the text still hold.
The CLI's tables and lines, the app's screens and the served pages all print through `visible`;
what is saved (conversations, exports) keeps the text as it is.
"""

from __future__ import annotations

import json
import re

_TABLE = {code: 0x2400 + code for code in range(0x20) if chr(code) not in "\n\t"}
_TABLE[0x7F] = 0x2421  # ␡
_TABLE.update({code: 0xFFFD for code in range(0x80, 0xA0)})
# Unicode's format characters (Cf) and the line/paragraph separators (Zl, Zp), as of Unicode 15.
INVISIBLE = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064"
             "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
             "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
             "\ud800-\udfff")  # ... and lone surrogates (a name read back from \udcff), which no stream can encode
_HIDDEN = re.compile(f"[{INVISIBLE}]")
_ESCAPED = re.compile(f"[\x7f-\x9f{INVISIBLE}]")


def visible(text: str) -> str:
    """`text` with every control, format and invisible character but newline and tab replaced by a
    visible stand-in, one for one."""
    text = text.translate(_TABLE)
    return _HIDDEN.sub("\ufffd", text) if _HIDDEN.search(text) else text


def json_text(obj, indent: int | None = 2) -> str:
    """JSON for a terminal: readable non-ASCII, and what json leaves raw (C1 controls, bidi and
    zero-width characters) escaped as \\u0080.."""
    return _ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(obj, indent=indent, ensure_ascii=False))
