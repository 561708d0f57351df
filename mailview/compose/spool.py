"""A message written to a file instead of memory: a draft with large attachments.

`build.build_message` with ``placeholders`` makes the message with one placeholder line as the
body of each attachment; `write_message` writes that skeleton (a few KB: headers and the text)
to a file, putting each attachment's base64 in place of its placeholder, encoded from its
upload file in pieces. The result is byte for byte what the email package would have produced
(base64 in lines of 76 characters, CR LF), without ever holding an attachment, its encoding or
the whole message in memory. The IMAP layer APPENDs the file as a literal read from disk
(`IMAPConnection.append_file`).
"""

from __future__ import annotations

import base64
import os
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import BinaryIO

from mailview.compose.build import AttachmentFile

#: Bytes of an attachment read at a time: 57-byte groups make the 76-character base64 lines.
READ_PIECE = 57 * 4096


def write_message(msg: EmailMessage, placeholders: dict[bytes, AttachmentFile], path: Path) -> int:
    """Write ``msg`` to ``path`` (0600, replaced if there), the attachments behind its
    placeholders streamed in; its size in bytes."""
    skeleton = msg.as_bytes(policy=SMTP)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        rest = skeleton
        for token, attachment in placeholders.items():
            marker = token + b"\r\n"
            before, found, rest = rest.partition(marker)
            if not found:
                raise ValueError("an attachment's placeholder is missing from the message")
            fh.write(before)
            _write_base64(attachment.path, fh)
        fh.write(rest)
        fh.flush()
        return fh.tell()


def _write_base64(source: Path, fh: BinaryIO) -> None:
    with open(source, "rb") as src:
        while True:
            chunk = src.read(READ_PIECE)
            if not chunk:
                return
            encoded = base64.b64encode(chunk)
            fh.write(b"".join(encoded[i : i + 76] + b"\r\n" for i in range(0, len(encoded), 76)))
