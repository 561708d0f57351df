"""Modified UTF-7 for folder names (RFC 3501 section 5.1.3).

Printable ASCII stands for itself except ``&``, written ``&-``; any other run of characters is
``&`` + modified base64 (``,`` for ``/``, no padding) of its UTF-16BE + ``-``.
"""

from __future__ import annotations

import binascii


def encode(name: str) -> bytes:
    """A folder name as it goes on the wire."""
    out = bytearray()
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16be", "surrogatepass")
            out.extend(b"&" + binascii.b2a_base64(raw).rstrip(b"\n=").replace(b"/", b",") + b"-")
            pending.clear()

    for ch in name:
        code = ord(ch)
        if 0x20 <= code <= 0x7E:
            flush()
            out.extend(b"&-" if ch == "&" else ch.encode("ascii"))
        else:
            pending.append(ch)
    flush()
    return bytes(out)


def decode(raw: bytes) -> str:
    """A folder name from the wire; a broken shift sequence is kept as it was sent."""
    if b"&" not in raw:
        return raw.decode("ascii", "replace")
    out: list[str] = []
    i = 0
    while i < len(raw):
        start = raw.find(b"&", i)
        if start < 0:
            out.append(raw[i:].decode("ascii", "replace"))
            break
        out.append(raw[i:start].decode("ascii", "replace"))
        end = raw.find(b"-", start)
        if end < 0:
            out.append(raw[start:].decode("ascii", "replace"))
            break
        if end == start + 1:
            out.append("&")
        else:
            chunk = raw[start + 1 : end].replace(b",", b"/")
            try:
                data = binascii.a2b_base64(chunk + b"=" * (-len(chunk) % 4))
                out.append(data.decode("utf-16be"))
            except (binascii.Error, UnicodeDecodeError):
                out.append(raw[start : end + 1].decode("ascii", "replace"))
        i = end + 1
    return "".join(out)
