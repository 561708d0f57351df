"""Draw the app's icons (an envelope on the theme colour) as PNGs, without an imaging library.

    .venv/bin/python scripts/make_icons.py

writes static/webmail/icons/icon-192.png, icon-512.png and maskable-512.png (the maskable one
keeps the envelope inside the central safe zone, 80 % of the side)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

THEME = (0x1F, 0x5F, 0xAD)
PAPER = (0xFF, 0xFF, 0xFF)
OUT = Path(__file__).resolve().parents[1] / "static" / "webmail" / "icons"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def envelope(size: int, inset: float) -> bytes:
    """An envelope: a white rectangle with the flap's two lines in the theme colour."""
    left, right = size * inset, size * (1 - inset)
    top, bottom = size * (0.5 - (0.5 - inset) * 0.7), size * (0.5 + (0.5 - inset) * 0.7)
    line = max(2.0, size / 40)
    mid_x, flap_y = size / 2, top + (bottom - top) * 0.55
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            colour = THEME
            if left <= x <= right and top <= y <= bottom:
                colour = PAPER
                # The flap: lines from the top corners to the middle.
                for corner_x in (left, right):
                    t = (x - corner_x) / (mid_x - corner_x)
                    if 0 <= t <= 1 and abs(y - (top + t * (flap_y - top))) <= line / 2:
                        colour = THEME
            row += bytes(colour)
        rows.append(bytes(row))
    return png(size, size, rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon-192.png").write_bytes(envelope(192, 0.16))
    (OUT / "icon-512.png").write_bytes(envelope(512, 0.16))
    (OUT / "maskable-512.png").write_bytes(envelope(512, 0.27))


if __name__ == "__main__":
    main()
