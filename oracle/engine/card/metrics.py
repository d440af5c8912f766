"""How wide a line of text is in the card's font, read from the shipped TrueType file itself.

Wrapping by character count would either overflow the card with wide letters (W, M) or waste it
with narrow ones (i, l); the font's own advance widths (its `hmtx` table, reached through `cmap`)
give the width resvg will draw, without a font library. Kerning is left out: it only narrows a
line, so a wrapped line still fits.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path


class FontMetrics:
    """Advance widths per character, in em (multiply by the font size for pixels)."""

    def __init__(self, data: bytes) -> None:
        tables = self._tables(data)
        units = struct.unpack_from(">H", data, tables[b"head"] + 18)[0]
        metrics = struct.unpack_from(">H", data, tables[b"hhea"] + 34)[0]
        hmtx = tables[b"hmtx"]
        advances = [struct.unpack_from(">H", data, hmtx + 4 * i)[0] / units for i in range(metrics)]
        self.widths: dict[int, float] = {}
        for code, glyph in self._cmap(data, tables[b"cmap"]).items():
            self.widths[code] = advances[min(glyph, metrics - 1)]  # glyphs past the table share its last advance
        self.missing = advances[0]
        self.narrowest = min(w for w in self.widths.values() if w > 0)  # .notdef: what resvg draws for a character the font lacks

    @staticmethod
    def _tables(data: bytes) -> dict[bytes, int]:
        count = struct.unpack_from(">H", data, 4)[0]
        return {data[12 + 16 * i:16 + 16 * i]: struct.unpack_from(">I", data, 12 + 16 * i + 8)[0] for i in range(count)}

    @staticmethod
    def _cmap(data: bytes, at: int) -> dict[int, int]:
        """Code point -> glyph, from the Unicode BMP subtable (format 4), which DejaVu has."""
        count = struct.unpack_from(">H", data, at + 2)[0]
        for i in range(count):
            platform, encoding, offset = struct.unpack_from(">HHI", data, at + 4 + 8 * i)
            sub = at + offset
            if (platform, encoding) in ((3, 1), (0, 3)) and struct.unpack_from(">H", data, sub)[0] == 4:
                return FontMetrics._format4(data, sub)
        raise ValueError("the font has no Unicode BMP character map")

    @staticmethod
    def _format4(data: bytes, sub: int) -> dict[int, int]:
        segments = struct.unpack_from(">H", data, sub + 6)[0] // 2
        ends = struct.unpack_from(f">{segments}H", data, sub + 14)
        starts = struct.unpack_from(f">{segments}H", data, sub + 16 + 2 * segments)
        deltas = struct.unpack_from(f">{segments}h", data, sub + 16 + 4 * segments)
        range_at = sub + 16 + 6 * segments
        offsets = struct.unpack_from(f">{segments}H", data, range_at)
        glyphs: dict[int, int] = {}
        for k in range(segments):
            for code in range(starts[k], ends[k] + 1):
                if code == 0xFFFF:
                    continue
                if offsets[k] == 0:
                    glyph = (code + deltas[k]) & 0xFFFF
                else:  # idRangeOffset counts from its own slot in the array
                    index = range_at + 2 * k + offsets[k] + 2 * (code - starts[k])
                    glyph = struct.unpack_from(">H", data, index)[0]
                    glyph = (glyph + deltas[k]) & 0xFFFF if glyph else 0
                if glyph:
                    glyphs[code] = glyph
        return glyphs

    def has(self, ch: str) -> bool:
        return ord(ch) in self.widths

    def width(self, text: str, size: float) -> float:
        """Pixels `text` takes at `size` px."""
        widths, missing = self.widths, self.missing
        return size * sum(widths.get(ord(ch), missing) for ch in text)


@lru_cache(maxsize=4)
def metrics_for(path: Path) -> FontMetrics:
    return FontMetrics(path.read_bytes())
