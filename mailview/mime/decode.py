"""Streaming decoders of Content-Transfer-Encoding: bytes of a part arrive in pieces (downloads
read 256 KB per FETCH) and are decoded piece by piece, without holding the whole part."""

from __future__ import annotations

import binascii


class Base64Decoder:
    """Incremental base64 decoder: whole lines now, the last partial line with the next piece.

    Whole lines of whole quanta, as every encoder writes them, are decoded in one
    `binascii.a2b_base64` call on a view of the piece; anything else (lines that split a
    quantum, one endless line, padding in the middle) goes the slow way."""

    _junk = bytes(b for b in range(256) if not chr(b).isalnum() and chr(b) not in "+/")

    def __init__(self) -> None:
        self.rest = b""

    def feed(self, data: bytes) -> bytes:
        if self.rest:
            data, self.rest = self.rest + data, b""
        cut = data.rfind(b"\n") + 1
        if cut and data.find(b"=", 0, max(cut - 80, 0)) < 0:
            try:
                out = binascii.a2b_base64(memoryview(data)[:cut])
            except binascii.Error:
                pass  # the lines split a quantum: the slow way below
            else:
                self.rest = data[cut:]
                return out
        data = data.translate(None, self._junk)
        cut = len(data) - len(data) % 4
        self.rest = data[cut:]
        try:
            return binascii.a2b_base64(data[:cut])
        except binascii.Error:
            return b""

    def flush(self) -> bytes:
        rest = self.rest.translate(None, self._junk)
        self.rest = b""
        if len(rest) % 4 == 1:
            rest = rest[:-1]
        if not rest:
            return b""
        try:
            return binascii.a2b_base64(rest + b"=" * (-len(rest) % 4))
        except binascii.Error:
            return b""


class QuotedPrintableDecoder:
    """Incremental quoted-printable decoder: whole lines now, the last partial line later."""

    def __init__(self) -> None:
        self.rest = b""

    def feed(self, data: bytes) -> bytes:
        if self.rest:
            data = self.rest + data
        cut = data.rfind(b"\n") + 1
        self.rest = data[cut:]
        return binascii.a2b_qp(data[:cut])

    def flush(self) -> bytes:
        rest, self.rest = self.rest, b""
        return binascii.a2b_qp(rest)


class IdentityDecoder:
    """7bit, 8bit and binary parts: the bytes as they are."""

    def feed(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


def decoder_for(encoding: str) -> Base64Decoder | QuotedPrintableDecoder | IdentityDecoder:
    """A fresh incremental decoder for a Content-Transfer-Encoding."""
    if encoding == "base64":
        return Base64Decoder()
    if encoding == "quoted-printable":
        return QuotedPrintableDecoder()
    return IdentityDecoder()
