"""Access control lists (RFC 4314) without I/O: rights letters, the presets the webmail offers,
and the obsolete RFC 2086 letters ("c", "d") that older servers still report.

RFC 4314 2.1.1: "c" (RFC 2086 create) stands for "k" and "x"; "d" (RFC 2086 delete) for
"x", "t" and "e". `normalize` turns either spelling into the RFC 4314 letters, in one order.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PRESETS", "RIGHTS", "AclEntry", "normalize", "preset_of"]

#: RFC 4314 rights, in the order the webmail writes them.
RIGHTS = "lrswipkxtea"
_OBSOLETE = {"c": "kx", "d": "xte"}

#: What the share menu offers: read; read and write (flags, move in and out, delete); full
#: (also create subfolders, delete the folder and share it on).
PRESETS: dict[str, str] = {
    "read": "lrs",
    "read_write": "lrswipte",
    "full": "lrswipkxtea",
}


def normalize(rights: str) -> str:
    """The RFC 4314 letters of ``rights`` (obsolete letters expanded, unknown ones dropped).

    A server that knows RFC 4314 also reports "c" and "d" for old clients when the user has
    *any* of the rights they stand for (RFC 4314 2.1.1: Dovecot's MYRIGHTS for "lrswipte" is
    "lrswipted"): when the answer holds any of "k", "x", "t", "e", those letters are the truth
    and "c"/"d" are ignored; only an RFC 2086 answer has its "c"/"d" expanded."""
    modern = any(ch in rights for ch in "kxte")
    letters: set[str] = set()
    for ch in rights:
        if ch in _OBSOLETE:
            if not modern:
                letters.update(_OBSOLETE[ch])
        else:
            letters.add(ch)
    return "".join(ch for ch in RIGHTS if ch in letters)


def preset_of(rights: str) -> str:
    """The largest preset ``rights`` includes ("" when it does not even allow reading)."""
    have = set(normalize(rights))
    for name in ("full", "read_write", "read"):
        if set(PRESETS[name]) <= have:
            return name
    return ""


@dataclass(frozen=True)
class AclEntry:
    """One identifier of a folder's ACL and its rights (RFC 4314 letters)."""

    identifier: str
    rights: str

    @property
    def preset(self) -> str:
        return preset_of(self.rights)
